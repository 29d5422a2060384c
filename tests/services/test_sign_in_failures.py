"""The sign-in host failing (MSAL raises rather than returns) and Entra refusing a setting, as the support
engineer reads them: real MSAL against the https Entra double, through the live backend."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from dialogs.language import error_wording
from locales.translator import Translator
from services.backends.doctor import run_doctor
from services.backends.live.config import Credential, CredentialKind, CustomerAccess
from services.domain.errors import (
    ConsentMissing,
    PartnerSignInFailed,
    SignInSettingWrong,
    SupportDeskError,
    UpstreamUnavailable,
)
from services.domain.models import Customer
from tests.doubles.faults import Fault
from tests.doubles.live_world import TEST_LIMITS, LiveWorld, start_live_world
from tests.doubles.tls import LoopbackCA

CONTOSO = Customer(
    "c0", "aed00557-b713-5772-a4ff-9dabe7d2eb7b", "Contoso", "contoso.example", "reseller", True
)
ENTRA_ERROR = {"error": "temporarily_unavailable", "error_description": "AADSTS50196: busy"}
HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass(frozen=True)
class HostFailure:
    name: str
    where: str  # "openid-configuration" (discovery) or "token"
    fault: Fault


# Each way the sign-in host can fail that makes MSAL raise (every one answered once, then the real answer).
HOST_FAILURES = [
    HostFailure("discovery 500", "openid-configuration", Fault(500, ENTRA_ERROR)),
    HostFailure("discovery 503", "openid-configuration", Fault(503, {}, {"Retry-After": "7"})),
    HostFailure("discovery 429", "openid-configuration", Fault(429, ENTRA_ERROR, {"Retry-After": "7"})),
    HostFailure(
        "discovery HTML 200", "openid-configuration", Fault(200, None, text=HTML, content_type="text/html")
    ),
    HostFailure("discovery timeout", "openid-configuration", Fault(200, {}, hang_seconds=1.5)),
    HostFailure("token 500", "token", Fault(500, ENTRA_ERROR)),
    HostFailure("token 502 HTML", "token", Fault(502, None, text=HTML, content_type="text/html")),
    HostFailure("token 503", "token", Fault(503, ENTRA_ERROR, {"Retry-After": "7"})),
    HostFailure("token 429 empty", "token", Fault(429, None, {"Retry-After": "7"}, text="")),
    HostFailure("token 200 HTML", "token", Fault(200, None, text=HTML, content_type="text/html")),
    HostFailure("token 200 truncated", "token", Fault(200, None, text='{"token_type": "Bea')),
    HostFailure("token timeout", "token", Fault(200, {}, hang_seconds=1.5)),
]


async def _world(aiohttp_server: Any, test_ca: LoopbackCA) -> LiveWorld:
    # The breaker opens at the first failure, so the second ask shows whether the failure was counted.
    return await start_live_world(aiohttp_server, test_ca, replace(TEST_LIMITS, breaker_failures=1))


def _sign_in_words(error: SupportDeskError, purpose: str) -> None:
    assert isinstance(error, UpstreamUnavailable)
    assert error.message == (
        f"Microsoft sign-in isn't answering right now, so I can't {purpose}. Try again in a few minutes."
    )


@pytest.mark.parametrize("failure", HOST_FAILURES, ids=lambda f: f.name)
async def test_the_sign_in_host_failing_says_try_again_and_opens_its_breaker(
    aiohttp_server: Any, test_ca: LoopbackCA, failure: HostFailure
) -> None:
    world = await _world(aiohttp_server, test_ca)
    entra = world.entra
    fault = replace(failure.fault, path_contains=failure.where)
    entra.faults.add(fault)
    try:
        with pytest.raises(SupportDeskError) as raised:
            await world.backend.list_customers()
        _sign_in_words(raised.value, "list your customers")
        asked = len(entra.discovery_requests) + len(entra.token_requests)
        # A call that failed (timed out included) is not sent again behind the user's back.
        sent = entra.discovery_requests if failure.where != "token" else entra.token_requests
        assert len(sent) == 1
        # Counted in the sign-in host's breaker: the next sign-in (another tenant) fails fast.
        with pytest.raises(SupportDeskError) as again:
            await world.backend.tenant_health(CONTOSO)
        _sign_in_words(again.value, "read Contoso's service health")
        assert len(entra.discovery_requests) + len(entra.token_requests) == asked
        assert world.partner_center.seen == []
    finally:
        await world.backend.close()


async def test_an_unreachable_sign_in_host_says_try_again_and_opens_its_breaker(
    aiohttp_server: Any, test_ca: LoopbackCA
) -> None:
    world = await _world(aiohttp_server, test_ca)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    endpoints = replace(world.config.endpoints, authority_host=f"https://127.0.0.1:{closed}")
    backend = world.backend_with(endpoints=endpoints)
    try:
        for ask in (backend.list_customers(), backend.tenant_health(CONTOSO)):
            with pytest.raises(UpstreamUnavailable, match="^Microsoft sign-in isn't answering"):
                await ask
        assert backend.tokens.breaker.is_open  # type: ignore[attr-defined]
    finally:
        await backend.close()
        await world.backend.close()


def _entra_error(status: int, error: str, code: int, description: str) -> Fault:
    body = {"error": error, "error_description": f"AADSTS{code}: {description}", "error_codes": [code]}
    return Fault(status, body)


@dataclass(frozen=True)
class SettingRefused:
    name: str
    changes: dict[str, Any]  # to the live configuration
    where: str
    fault: Fault | None
    wording: type[SupportDeskError]
    says: str
    fix: str


TENANT_NOT_FOUND = "Tenant 'x' not found. Check to make sure you have the correct tenant ID."
# Entra refusing the bot's own sign-in in the partner tenant: a setting to fix, never "try again".
SETTINGS_REFUSED = [
    SettingRefused(
        "wrong client id (700016)",
        {"client_id": "0e0e0e0e-0000-4000-8000-000000000bad"},
        "",
        None,
        SignInSettingWrong,
        "check PARTNER_CLIENT_ID",
        "Check PARTNER_CLIENT_ID",
    ),
    SettingRefused(
        "wrong secret (7000215)",
        {"credential": Credential(CredentialKind.SECRET, secret="wrong")},
        "",
        None,
        PartnerSignInFailed,
        "check its secret or certificate",
        "Check PARTNER_CLIENT_ID and the secret or certificate",
    ),
    SettingRefused(
        "expired secret (7000222)",
        {},
        "token",
        _entra_error(401, "invalid_client", 7000222, "The provided client secret keys are expired."),
        PartnerSignInFailed,
        "check its secret or certificate",
        "Check PARTNER_CLIENT_ID and the secret or certificate",
    ),
    SettingRefused(
        "tenant not found at discovery (90002)",
        {},
        "openid-configuration",
        _entra_error(400, "invalid_tenant", 90002, TENANT_NOT_FOUND),
        SignInSettingWrong,
        "check PARTNER_TENANT_ID",
        "Check PARTNER_TENANT_ID",
    ),
    SettingRefused(
        "tenant not found at the token endpoint (90002)",
        {},
        "token",
        _entra_error(400, "invalid_request", 90002, TENANT_NOT_FOUND),
        SignInSettingWrong,
        "check PARTNER_TENANT_ID",
        "Check PARTNER_TENANT_ID",
    ),
    SettingRefused(
        "no admin consent in the partner tenant (65001)",
        {},
        "token",
        _entra_error(400, "invalid_grant", 65001, "The user or administrator has not consented."),
        SignInSettingWrong,
        "grant it in Entra",
        "Grant admin consent to the app in the partner tenant",
    ),
]


@pytest.mark.parametrize("refused", SETTINGS_REFUSED, ids=lambda r: r.name)
async def test_a_refused_setting_says_what_to_fix_not_try_again(
    aiohttp_server: Any, test_ca: LoopbackCA, refused: SettingRefused
) -> None:
    world = await _world(aiohttp_server, test_ca)
    if refused.fault is not None:
        world.entra.faults.add(replace(refused.fault, path_contains=refused.where, times=10))
    backend = world.backend_with(**refused.changes)
    try:
        with pytest.raises(SupportDeskError) as raised:
            await backend.list_customers()
        error = raised.value
        assert type(error) is refused.wording
        assert refused.says in error.message and "try again" not in error.message.casefold()
        korean_title, korean = error_wording(error, Translator("ko"))
        assert korean_title and korean != error.message
        # Entra answered: the sign-in host isn't failing, and `make doctor` names the same fix.
        assert not backend.tokens.breaker.is_open  # type: ignore[attr-defined]
        checks = await run_doctor(backend)
    finally:
        await backend.close()
        await world.backend.close()
    (partner,) = [c for c in checks if c.what == "Partner Center customers"]
    assert not partner.ok and partner.detail == error.message
    assert partner.fix.startswith(refused.fix)


async def test_a_customer_tenant_without_the_app_is_that_customers_consent_not_a_setting(
    aiohttp_server: Any, test_ca: LoopbackCA
) -> None:
    """The same AADSTS700016 in a customer's tenant means the app was never consented there."""
    world = await _world(aiohttp_server, test_ca)
    world.entra.unconsented_tenants.add(CONTOSO.tenant_id)
    try:
        with pytest.raises(ConsentMissing, match="^Contoso hasn't added your organisation's support app"):
            await world.backend.tenant_health(CONTOSO)
    finally:
        await world.backend.close()


async def test_gdap_before_make_consent_says_to_run_it_for_the_partner_and_every_customer(
    aiohttp_server: Any, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    world = await _world(aiohttp_server, test_ca)
    key = Fernet.generate_key().decode("ascii")
    gdap = {
        "customer_access": CustomerAccess.GDAP,
        "token_cache_path": tmp_path / "token-cache.bin",
        "token_cache_key": key,
    }
    backend = world.backend_with(**gdap)
    try:
        for ask in (backend.list_customers(), backend.tenant_health(CONTOSO)):
            with pytest.raises(SignInSettingWrong) as raised:
                await ask
            assert raised.value.title == "Partner sign-in needed"
            assert "run 'make consent' once" in raised.value.message
        checks = await run_doctor(backend)
    finally:
        await backend.close()
        await world.backend.close()
    (partner,) = [c for c in checks if c.what == "Partner Center customers"]
    assert partner.fix.startswith("Run 'make consent' once as a partner admin")
    assert world.entra.token_requests == [], "nothing to redeem: Entra isn't asked"
