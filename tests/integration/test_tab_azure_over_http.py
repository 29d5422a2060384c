"""Azure service health on the overview tab over HTTP, with real tab SSO tokens: the active events of the
customers with subscriptions, each tracking id once with every customer it affects, newest first, on the
demo and the live backend, only of the person's customers; a customer whose subscriptions ARM refuses is
named with why, its health still shown."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from chatclient.people import find_person
from locales.translator import Translator
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from services.domain.models import Customer
from services.domain.ports import Backend
from tests.doubles.entra import FakeEntra
from tests.doubles.live_world import LiveWorld, azure_subscription_lists
from tests.integration.test_tab_over_http import _board, _tab, _token, entra
from tests.support import harness
from tests.support.harness import DEMO_NOW, demo_backend

__all__ = ["entra"]  # the fixture, shared with the tab's other tests


async def _active(backend: Backend, customers: list[Customer]) -> dict[str, tuple[str, str, list[str]]]:
    """The active events the customers' subscriptions report: by tracking id, (start, type, customers)."""
    found: dict[str, tuple[str, str, list[str]]] = {}
    for customer in customers:
        for event in (await backend.azure_health(customer)).events:
            if event.status == "Active":
                start = event.start.isoformat() if event.start else ""
                found.setdefault(event.tracking_id, (start, event.type_name, []))[2].append(customer.name)
    return found


async def test_active_azure_events_are_listed_once_each_with_every_customer_newest_first(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra, each_backend: str
) -> None:
    backend = harness.default_backend()
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=backend)
    status, body = await _board(tab, _token(entra, who="dev"))
    assert status == 200
    active = await _active(backend, list(await backend.list_customers()))
    assert len(active) >= 3 and any(len(names) > 1 for _, _, names in active.values())
    newest_first = sorted(active, key=lambda i: (-datetime.fromisoformat(active[i][0]).timestamp(), i))
    assert [e["id"] for e in body["azure"]] == newest_first
    t = Translator("en")
    for event in body["azure"]:
        start, type_name, names = active[event["id"]]
        assert event["customers"] == sorted(names, key=str.casefold) and event["start"] == start
        if type_name == "ServiceIssue":
            assert event["type"] == t("azure.type_service_issue")
        if type_name == "EmergingIssues":
            # A type Microsoft added later is shown under its own name, never dropped.
            assert "EmergingIssues" in event["type"]
    assert body["azure_unread"] == []


async def test_under_gdap_azure_events_name_only_the_person_s_customers(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra, people_access=AccessMode.GDAP)
    customers = list(await demo_backend().list_customers())
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    everyone = await _active(demo_backend(), customers)
    narrower = False
    for who in ("ana", "ben"):
        access = await people.person(find_person(who).user["aadObjectId"])
        theirs = await _active(demo_backend(), [c for c in customers if access.sees(c.tenant_id, DEMO_NOW)])
        narrower = narrower or theirs != everyone
        status, body = await _board(tab, _token(entra, who=who))
        assert status == 200
        assert {e["id"]: e["customers"] for e in body["azure"]} == {
            i: sorted(names, key=str.casefold) for i, (_, _, names) in theirs.items()
        }, who
    assert narrower, "everyone sees every Azure event: the test shows nothing"


async def test_a_customer_whose_subscriptions_arm_refuses_is_named_and_its_health_still_shows(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra, live_world: LiveWorld
) -> None:
    # ARM wants the partner's tenant as an auxiliary one, which the backend doesn't send: 403 for each.
    live_world.azure_support.partner_tenant_id = live_world.partner_tenant_id
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=live_world.backend)
    with_azure = {
        c.name for c in await demo_backend().list_customers() if c.tenant_id in azure_subscription_lists()
    }
    for language, words in (
        ("en", "Azure service health permission missing"),
        ("ko", "Azure 서비스 상태 권한 없음"),
    ):
        response = await tab.get(
            f"/tab/api/board?lang={language}", headers={"Authorization": f"Bearer {_token(entra, who='dev')}"}
        )
        body = await response.json()
        assert body["azure"] == []
        assert body["azure_unread"] == [
            {"name": name, "reason": words} for name in sorted(with_azure, key=str.casefold)
        ]
        for name in with_azure:
            row = next(c for c in body["customers"] if c["name"] == name)
            assert row["worst"] >= 0 and any(row["cells"]), f"{name}'s health is still shown"
