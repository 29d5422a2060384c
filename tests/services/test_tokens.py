"""Real MSAL against the https Entra double: discovery, client credentials, the cache, errors, GDAP."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from services.live.config import Credential, CredentialKind, CustomerAccess, Endpoints, LiveConfig
from services.tokens import MsalTokens, TokenError
from tests.doubles.entra import DEVICE_CODE_GRANT, FakeEntra, claims_of
from tests.doubles.tls import LoopbackCA, make_client_certificate

CLIENT_ID = "c5a4e1f0-0000-4000-8000-0000000000b0"
PARTNER = "286d4538-4b9a-577f-acfd-7277c77c00bc"
CONTOSO = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
FABRIKAM = "3fe196fd-a9c1-50b4-9cee-98a4d2e9b315"
GRAPH = "https://graph.example.test/.default"
PARTNER_CENTER = "https://api.partnercenter.example.test/.default"


@pytest.fixture
async def entra(aiohttp_server: Any, test_ca: LoopbackCA) -> FakeEntra:
    fake = FakeEntra(client_id=CLIENT_ID, client_secret="s3cret")
    server = await aiohttp_server(fake.app(), ssl=test_ca.server_context())
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


def _config(entra: FakeEntra, test_ca: LoopbackCA, **changes: Any) -> LiveConfig:
    config = LiveConfig(
        client_id=CLIENT_ID,
        partner_tenant_id=PARTNER,
        credential=Credential(CredentialKind.SECRET, secret="s3cret"),
        endpoints=Endpoints(authority_host=entra.base_url),
        ca_bundle=test_ca.bundle,
    )
    return replace(config, **changes)


async def test_many_calls_cost_one_token_request_per_authority(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    tokens = MsalTokens(_config(entra, test_ca))
    try:
        asks = [tokens.bearer(tenant, GRAPH) for tenant in (CONTOSO, FABRIKAM) for _ in range(10)]
        asks += [tokens.bearer(PARTNER, PARTNER_CENTER) for _ in range(5)]
        bearers = await asyncio.gather(*asks)
        bearers += [await tokens.bearer(CONTOSO, GRAPH) for _ in range(5)]
    finally:
        tokens.close()
    assert len(entra.requests_for(CONTOSO)) == 1
    assert len(entra.requests_for(FABRIKAM)) == 1
    assert [r.scope for r in entra.requests_for(PARTNER)] == [PARTNER_CENTER]
    assert sorted(set(entra.discovery_requests)) == sorted([CONTOSO, FABRIKAM, PARTNER])
    assert len(entra.discovery_requests) == 3, "one MSAL application object per authority"
    contoso = claims_of(bearers[0])
    assert (
        contoso is not None and contoso["tid"] == CONTOSO and contoso["aud"] == "https://graph.example.test"
    )
    assert contoso["roles"] == ["ServiceHealth.Read.All"]


async def test_the_test_ca_is_trusted_even_when_requests_ca_bundle_points_elsewhere(
    entra: FakeEntra, test_ca: LoopbackCA, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other.pem"
    elsewhere.write_text("", encoding="ascii")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(elsewhere))
    tokens = MsalTokens(_config(entra, test_ca))
    try:
        assert (await tokens.bearer(CONTOSO, GRAPH)).startswith("Bearer ")
    finally:
        tokens.close()


async def test_an_untrusted_certificate_is_refused(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    tokens = MsalTokens(_config(entra, test_ca, ca_bundle=None))
    try:
        with pytest.raises(Exception, match="(?i)certificate"):
            await tokens.bearer(CONTOSO, GRAPH)
    finally:
        tokens.close()
    assert entra.token_requests == []


async def test_a_tenant_without_the_app_is_a_consent_problem(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    entra.unconsented_tenants.add(FABRIKAM)
    tokens = MsalTokens(_config(entra, test_ca))
    try:
        with pytest.raises(TokenError) as raised:
            await tokens.bearer(FABRIKAM, GRAPH)
    finally:
        tokens.close()
    assert raised.value.codes == (700016,) and raised.value.reason == "consent"


async def test_a_wrong_secret_is_a_credentials_problem(entra: FakeEntra, test_ca: LoopbackCA) -> None:
    config = _config(entra, test_ca, credential=Credential(CredentialKind.SECRET, secret="wrong"))
    tokens = MsalTokens(config)
    try:
        with pytest.raises(TokenError) as raised:
            await tokens.bearer(CONTOSO, GRAPH)
    finally:
        tokens.close()
    assert raised.value.reason == "credentials"
    assert "wrong" not in str(raised.value)


async def test_a_certificate_credential_signs_a_client_assertion(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    pem = make_client_certificate(tmp_path)
    entra.certificate_pem = pem.read_bytes()
    config = _config(entra, test_ca, credential=Credential(CredentialKind.CERTIFICATE, certificate_path=pem))
    tokens = MsalTokens(config)
    try:
        assert (await tokens.bearer(CONTOSO, GRAPH)).startswith("Bearer ")
    finally:
        tokens.close()


async def test_gdap_consent_is_persisted_encrypted_and_redeemed_per_customer_tenant(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode("ascii")
    cache_path = tmp_path / "token-cache.bin"
    config = _config(
        entra,
        test_ca,
        customer_access=CustomerAccess.GDAP,
        token_cache_path=cache_path,
        token_cache_key=key,
    )
    before = MsalTokens(config)
    try:
        with pytest.raises(TokenError) as raised:
            await before.bearer(CONTOSO, GRAPH)
        assert raised.value.reason == "consent"
        prompt, wait = await before.start_consent()
        assert prompt.user_code == "GDAP-1234" and "devicelogin" in prompt.message
        assert "access_token" in await asyncio.to_thread(wait)
    finally:
        before.close()
    stored = cache_path.read_bytes()
    plain = json.loads(Fernet(key.encode()).decrypt(stored))
    # The issued refresh token itself (rt-<uuid>, 39 characters) is the marker: a short one such as
    # b"rt-" turns up by chance in base64 ciphertext.
    refresh_tokens = [entry["secret"] for entry in plain["RefreshToken"].values()]
    assert refresh_tokens and all(len(secret) > 30 for secret in refresh_tokens)
    for secret in refresh_tokens:
        assert secret.encode() not in stored
    assert b"RefreshToken" not in stored and b"refresh_token" not in stored

    after = MsalTokens(config)  # a restarted bot, reading the persisted cache
    try:
        contoso = claims_of(await after.bearer(CONTOSO, GRAPH))
        await after.bearer(CONTOSO, GRAPH)
    finally:
        after.close()
    assert contoso is not None and contoso["tid"] == CONTOSO and contoso["scp"] == "user_impersonation"
    grants = [(r.tenant, r.grant_type) for r in entra.token_requests]
    assert grants == [(PARTNER, DEVICE_CODE_GRANT), (CONTOSO, "refresh_token")]


async def test_a_persisted_cache_with_another_key_is_refused(
    entra: FakeEntra, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    cache_path = tmp_path / "token-cache.bin"
    cache_path.write_bytes(Fernet(Fernet.generate_key()).encrypt(b"{}"))
    config = _config(
        entra,
        test_ca,
        customer_access=CustomerAccess.GDAP,
        token_cache_path=cache_path,
        token_cache_key=Fernet.generate_key().decode("ascii"),
    )
    with pytest.raises(ValueError, match="can't be decrypted"):
        MsalTokens(config)
