"""Acting as the engineer (Teams SSO on): the live desk's writes go on behalf of the signed-in person, over
real MSAL against the Entra double's on-behalf-of grant, on private per-person caches."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.backends.choice import backends_around
from services.backends.live.backend import LiveBackend
from services.backends.live.config import CustomerAccess
from services.domain.signed_in import SignedIn, SignInRequired, signed_in_as
from services.storage.sqlite_database import SqliteDatabase
from tests.dialogs.test_escalation_dialog import partner_center_request
from tests.doubles.live_world import NORTHWIND_TENANT, LiveWorld
from tests.services.test_live_service_requests import AZURE_TOPIC, NORTHWIND_ID, draft
from tests.support.harness import DEMO_NOW

ANA_ID = "a1b2c3d4-0000-4000-8000-000000000001"
ANA_UPN = "ana.bowman@cloudpartners.example"
BEN_ID = "a1b2c3d4-0000-4000-8000-000000000002"
BEN_UPN = "ben.okafor@cloudpartners.example"


@pytest.fixture
async def backend(live_world: LiveWorld) -> AsyncIterator[LiveBackend]:
    acting = live_world.backend_with(acting_as_people=True)
    yield acting
    await acting.close()


def person(world: LiveWorld, object_id: str, upn: str) -> SignedIn:
    token = world.entra.user_token(object_id, upn, upn.split("@")[0], world.partner_tenant_id)
    fetched: list[int] = []

    async def fetch() -> str:
        fetched.append(1)
        return token

    return SignedIn(object_id, upn, fetch)


async def test_an_azure_ticket_and_its_note_are_created_as_the_engineer(
    live_world: LiveWorld, backend: LiveBackend
) -> None:
    desk = backends_around(backend, SqliteDatabase(Path(":memory:")), lambda: DEMO_NOW).desk
    request = await draft(live_world, AZURE_TOPIC)
    ana = person(live_world, ANA_ID, ANA_UPN)
    with signed_in_as(ana):
        filing = await desk.file_request(request, "key-ana", "Ana Bowman")
        await desk.add_note(filing.request.number, "Ana Bowman", "Rebooted, still down.")
    azure = live_world.azure_support
    assert azure.created_by["key-ana"] == ANA_UPN, "Azure shows who filed it"
    (note_name,) = [n for n in azure.created_by if n != "key-ana"]
    assert azure.created_by[note_name] == ANA_UPN
    grants = live_world.entra.obo_grants
    assert {(oid, tenant) for oid, tenant, _ in grants} == {(ANA_ID, NORTHWIND_TENANT)}
    assert ana.upn == ANA_UPN and ana.acted


async def test_without_a_person_the_desk_acts_as_the_app(live_world: LiveWorld, backend: LiveBackend) -> None:
    desk = backends_around(backend, SqliteDatabase(Path(":memory:")), lambda: DEMO_NOW).desk
    await desk.file_request(await draft(live_world, AZURE_TOPIC), "key-app", "Watcher")
    assert live_world.azure_support.created_by["key-app"].startswith("app:")
    assert live_world.entra.obo_grants == []


async def test_tokens_are_kept_per_person_and_asked_once_for_concurrent_calls(
    live_world: LiveWorld, backend: LiveBackend
) -> None:
    people = backend.people
    assert people is not None
    ana, ben = person(live_world, ANA_ID, ANA_UPN), person(live_world, BEN_ID, BEN_UPN)
    scope = "https://management.azure.com/.default"
    tokens = await asyncio.gather(*(people.bearer(ana, NORTHWIND_TENANT, scope) for _ in range(10)))
    assert len(set(tokens)) == 1 and len(live_world.entra.obo_grants) == 1, "single flight, then kept"
    bens = await people.bearer(ben, NORTHWIND_TENANT, scope)
    assert bens != tokens[0] and len(live_world.entra.obo_grants) == 2, "never another person's token"
    for object_id in (ANA_ID, BEN_ID):
        private = people._people[object_id]["cache"]
        homes = {a["home_account_id"] for a in private.search("Account")}
        assert homes == {f"{object_id}.{live_world.partner_tenant_id}"}, "each person's cache is theirs alone"
        assert len(list(private.search("RefreshToken"))) == 1
    people.forget(ANA_ID)
    assert not people.holds(ANA_ID) and people.holds(BEN_ID)
    await people.bearer(ana, NORTHWIND_TENANT, scope)
    assert len(live_world.entra.obo_grants) == 3, "signed out: asked again"


async def test_peoples_tokens_never_reach_the_shared_or_persisted_cache(
    live_world: LiveWorld, tmp_path: Path
) -> None:
    from cryptography.fernet import Fernet

    gdap = live_world.backend_with(
        acting_as_people=True,
        customer_access=CustomerAccess.GDAP,
        token_cache_path=tmp_path / "token-cache.bin",
        token_cache_key=Fernet.generate_key().decode(),
    )
    try:
        assert gdap.people is not None
        await gdap.people.bearer(
            person(live_world, ANA_ID, ANA_UPN), NORTHWIND_TENANT, "https://management.azure.com/.default"
        )
        shared = gdap.tokens._cache  # type: ignore[attr-defined]
        assert list(shared.search("RefreshToken")) == [] and list(shared.search("AccessToken")) == []
    finally:
        await gdap.close()
    assert not (tmp_path / "token-cache.bin").exists(), "nothing of theirs to save"


@pytest.mark.parametrize(
    ("refusal", "reason", "wording"),
    [
        ("mfa", "mfa", "multi-factor authentication"),
        ("consent", "consent", "needs your consent"),
        ("revoked", "revoked", "no longer accepts your sign-in"),
    ],
)
async def test_entras_refusals_ask_the_person_to_sign_in_in_words_not_tracebacks(
    live_world: LiveWorld,
    backend: LiveBackend,
    refusal: str,
    reason: str,
    wording: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live_world.entra.person_refusals[ANA_ID] = refusal
    desk = backends_around(backend, SqliteDatabase(Path(":memory:")), lambda: DEMO_NOW).desk
    ana = person(live_world, ANA_ID, ANA_UPN)
    with signed_in_as(ana), pytest.raises(SignInRequired) as raised:
        await desk.file_request(await draft(live_world, AZURE_TOPIC), "key-refused", "Ana Bowman")
    assert raised.value.reason == reason and ana.failed == reason
    assert wording in raised.value.message
    assert live_world.azure_support.tickets == {}, "nothing filed as the app instead"
    assert "eyJ" not in caplog.text and "AADSTS" not in caplog.text, "codes only in logs"


async def test_an_expired_assertion_asks_to_sign_in_again(
    live_world: LiveWorld, backend: LiveBackend
) -> None:
    token = live_world.entra.user_token(ANA_ID, ANA_UPN, "Ana", live_world.partner_tenant_id, lifetime=-60)

    async def fetch() -> str:
        return token

    ana = SignedIn(ANA_ID, "Ana", fetch)
    assert backend.people is not None
    with pytest.raises(SignInRequired) as raised:
        await backend.people.bearer(ana, NORTHWIND_TENANT, "https://management.azure.com/.default")
    assert raised.value.reason == "expired"


async def test_no_token_at_the_token_service_asks_to_sign_in(backend: LiveBackend) -> None:
    async def fetch() -> None:
        return None

    nobody = SignedIn(ANA_ID, "Ana", fetch)
    assert backend.people is not None
    with pytest.raises(SignInRequired) as raised:
        await backend.people.bearer(nobody, NORTHWIND_TENANT, "https://management.azure.com/.default")
    assert raised.value.reason == "none" and nobody.failed == "none"


async def test_a_partner_center_note_is_added_as_the_engineer(
    live_world: LiveWorld, backend: LiveBackend
) -> None:
    center = live_world.partner_center
    center.service_requests[NORTHWIND_ID] = [partner_center_request("2611240010000042", "open")]
    desk = backends_around(backend, SqliteDatabase(Path(":memory:")), lambda: DEMO_NOW).desk
    ana = person(live_world, ANA_ID, ANA_UPN)
    with signed_in_as(ana):
        filed = await desk.file_request(await draft(live_world, "32444672"), "key-m365", "Ana Bowman")
        await desk.link_request(filed.request.reference, "2611240010000042")
        noted = await desk.add_note("2611240010000042", "Ana Bowman", "Customer confirmed the fix.")
    assert noted.notes[-1].author == "ana.bowman", "Partner Center names the engineer, not the admin"
    assert {(oid, tenant) for oid, tenant, _ in live_world.entra.obo_grants} == {
        (ANA_ID, live_world.partner_tenant_id)
    }
