"""The overview tab's message center act-by dates over HTTP, with real tab SSO tokens: each customer's
nearest one in the grid, and the messages due within 30 days (overdue ones still open too) nearest first,
on the demo and the live backend, only of the person's customers; a message center that refuses (403)
says so on its row without hiding the customer's health."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from chatclient.people import find_person
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from services.domain.errors import SupportDeskError
from services.domain.models import Customer
from services.domain.ports import Backend
from tests.doubles.entra import SERVICE_HEALTH_ROLE, FakeEntra
from tests.doubles.live_world import LiveWorld
from tests.integration.test_tab_over_http import _board, _tab, _token, entra
from tests.support import harness
from tests.support.harness import DEMO_NOW, demo_backend

__all__ = ["entra"]  # the fixture, shared with the tab's other tests

WINDOW = timedelta(days=30)
CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


async def _due(backend: Backend, customers: list[Customer]) -> dict[str, tuple[str, list[str]]]:
    """What the message centers hold that is due: by id, (act-by instant, customer names)."""
    due: dict[str, tuple[str, list[str]]] = {}
    for customer in customers:
        try:
            messages = (await backend.tenant_messages(customer)).messages
        except SupportDeskError:
            continue
        for m in messages:
            still_open = m.end is None or m.end > DEMO_NOW
            if still_open and m.act_by is not None and m.act_by <= DEMO_NOW + WINDOW:
                due.setdefault(m.message_id, (m.act_by.isoformat(), []))[1].append(customer.name)
    return due


async def test_the_act_by_dates_due_within_30_days_are_shown_nearest_first_with_each_customer_s_nearest(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra, each_backend: str
) -> None:
    backend = harness.default_backend()
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=backend)
    status, body = await _board(tab, _token(entra, who="dev"))
    assert status == 200
    customers = list(await backend.list_customers())
    due = await _due(backend, customers)
    assert [c["id"] for c in body["changes"]] == sorted(due, key=lambda i: (due[i][0], i))
    for change in body["changes"]:
        act_by, names = due[change["id"]]
        assert change["act_by"] == act_by and change["customers"] == sorted(names, key=str.casefold)
        assert change["title"]
    # The demo has one overdue and still open (first), and one due after the window (not shown).
    assert body["changes"][0]["act_by"] < DEMO_NOW.isoformat()
    assert "MC901900" not in {c["id"] for c in body["changes"]}
    for row in body["customers"]:
        dates = sorted(d for d, names in due.values() if row["name"] in names)
        if row["worst"] >= 0:
            assert row.get("due") == ([dates[0], len(dates)] if dates else None), row["name"]
            assert "changes_unread" not in row
    # Worst first stays the order.
    worst = [c["worst"] for c in body["customers"]]
    assert worst == sorted(worst, reverse=True)


async def test_under_gdap_the_act_by_dates_name_only_the_person_s_customers(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    tab = await _tab(aiohttp_client, tmp_path, entra, people_access=AccessMode.GDAP)
    customers = list(await demo_backend().list_customers())
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    everyone = await _due(demo_backend(), customers)
    for who in ("ana", "ben"):
        access = await people.person(find_person(who).user["aadObjectId"])
        granted = [c for c in customers if access.sees(c.tenant_id, DEMO_NOW)]
        theirs = await _due(demo_backend(), granted)
        status, body = await _board(tab, _token(entra, who=who))
        assert status == 200
        assert {c["id"]: c["customers"] for c in body["changes"]} == {
            i: sorted(names, key=str.casefold) for i, (_, names) in theirs.items()
        }, who
        assert len(theirs) < len(everyone) or any(len(theirs[i][1]) < len(everyone[i][1]) for i in theirs), (
            f"{who} sees every customer's message center: the test shows nothing"
        )


async def test_a_message_center_that_refuses_says_so_on_its_row_and_its_health_still_shows(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra, live_world: LiveWorld
) -> None:
    live_world.entra.app_roles[CONTOSO_TENANT] = [SERVICE_HEALTH_ROLE]
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=live_world.backend)
    for language, words in (("en", "Message center permission missing"), ("ko", "메시지 센터 권한 없음")):
        status, body = await _board_in(tab, _token(entra, who="dev"), language)
        assert status == 200
        contoso = next(c for c in body["customers"] if c["name"] == "Contoso Ltd")
        assert contoso["changes_unread"] == words
        assert contoso["worst"] >= 0 and any(contoso["cells"]), "its health is still shown"
        assert all("Contoso Ltd" not in c["customers"] for c in body["changes"])
        # Every other customer's message center is still read.
        assert any("Woodgrove Bank" in c["customers"] for c in body["changes"])


async def _board_in(tab: Any, token: str, language: str) -> tuple[int, Any]:
    response = await tab.get(f"/tab/api/board?lang={language}", headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()
