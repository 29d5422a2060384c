"""Each person's overview board is kept BOT_TAB_BOARD_SECONDS, over HTTP with real tab SSO tokens: polls in
that window read no customer again, polls arriving during a read wait for it, another person (or the same
one in another language) reads their own, and a read that failed is never kept."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any, cast

from chatclient.people import find_person
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from services.domain.access import PersonAccess
from services.domain.errors import UpstreamUnavailable
from services.domain.models import Customer, TenantHealth, TenantMessages
from services.domain.ports import Backend
from settings import Settings
from tests.doubles.entra import FakeEntra
from tests.integration.test_tab_over_http import BOARD, Stopwatch, _board, _tab, _token, entra
from tests.support.harness import DEMO_NOW, demo_backend

__all__ = ["entra"]  # the fixture, shared with the tab's other tests

KEPT = Settings().tab_board_seconds


class CountedReads:
    """The demo backend, counting what the tab reads: customer lists, and each customer's health and
    message center (by tenant id). `unanswering` tenants' health fails as a busy upstream does, and so
    does every customer list while `lists_fail`; `gate`, once cleared, holds customer lists until set."""

    def __init__(self) -> None:
        self._backend = demo_backend()
        self.lists = 0
        self.health: Counter[str] = Counter()
        self.messages: Counter[str] = Counter()
        self.unanswering: set[str] = set()
        self.lists_fail = False
        self.gate = asyncio.Event()
        self.gate.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    async def list_customers(self) -> list[Customer]:
        self.lists += 1
        await self.gate.wait()
        if self.lists_fail:
            raise UpstreamUnavailable("Partner Center")
        return list(await self._backend.list_customers())

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        self.health[customer.tenant_id] += 1
        if customer.tenant_id in self.unanswering:
            raise UpstreamUnavailable("Microsoft Graph")
        return await self._backend.tenant_health(customer)

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        self.messages[customer.tenant_id] += 1
        return await self._backend.tenant_messages(customer)


async def _customers_of(who: str) -> set[str]:
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    access = await people.person(find_person(who).user["aadObjectId"])
    return {c.tenant_id for c in await demo_backend().list_customers() if access.sees(c.tenant_id, DEMO_NOW)}


async def test_polls_within_the_window_read_once_and_another_person_reads_their_own(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    reads, stopwatch = CountedReads(), Stopwatch()
    tab = await _tab(
        aiohttp_client,
        tmp_path,
        entra,
        backend=cast(Backend, reads),
        wall_clock=stopwatch,
        people_access=AccessMode.GDAP,
    )
    anas, bens = await _customers_of("ana"), await _customers_of("ben")
    assert anas != bens
    status, first = await _board(tab, _token(entra, who="ana"))
    assert status == 200 and reads.health == Counter(anas) and reads.messages == Counter(anas)
    stopwatch.now += KEPT - 1
    again = await tab.get(BOARD, headers={"Authorization": f"Bearer {_token(entra, who='ana')}"})
    assert again.status == 200 and await again.json() == first
    assert reads.health == Counter(anas), "the second poll read no customer again"
    # Ben, within Ana's window, gets his own board, read for him.
    status, bens_board = await _board(tab, _token(entra, who="ben"))
    assert status == 200 and reads.health == Counter(anas) + Counter(bens)
    names = {c.tenant_id: c.name for c in await demo_backend().list_customers()}
    assert {c["name"] for c in bens_board["customers"]} == {names[t] for t in bens}
    # The same person in Korean is another board, read for it.
    status, korean = await _board_in(tab, _token(entra, who="ana"), "ko")
    assert korean["language"] == "ko" and reads.health == Counter(anas) + Counter(anas) + Counter(bens)
    # Once the window has passed, Ana's next poll reads again.
    stopwatch.now += 1
    assert (await _board(tab, _token(entra, who="ana")))[0] == 200
    assert reads.health == Counter(anas) + Counter(anas) + Counter(anas) + Counter(bens)


async def _board_in(tab: Any, token: str, language: str) -> tuple[int, Any]:
    response = await tab.get(f"{BOARD}?lang={language}", headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()


class PeopleWatched:
    """GDAP access that sets `both_in` once two polls have been told who they are: each then goes straight
    on to ask for its board, without waiting on anything."""

    def __init__(self) -> None:
        self._people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
        self.answered = 0
        self.both_in = asyncio.Event()

    async def person(self, object_id: str) -> PersonAccess:
        access = await self._people.person(object_id)
        self.answered += 1
        if self.answered == 2:
            self.both_in.set()
        return access


async def test_polls_arriving_while_the_board_is_read_wait_for_that_read(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    reads, people = CountedReads(), PeopleWatched()
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=cast(Backend, reads), people=people)
    # Who Ana is is read beforehand: only the board's read is left to share.
    await people.person(find_person("ana").user["aadObjectId"])
    people.answered = 0
    reads.gate.clear()
    token = _token(entra, who="ana")
    polls = [asyncio.ensure_future(_board(tab, token)) for _ in range(2)]
    await people.both_in.wait()
    reads.gate.set()
    (status, one), (again, other) = await asyncio.gather(*polls)
    assert status == again == 200 and one == other
    assert set(reads.health.values()) == {1}, "the second poll waited for the first one's read"
    assert set(reads.messages.values()) == {1}


async def test_a_board_with_a_customer_not_answering_is_not_kept_and_the_next_poll_reads_again(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    reads = CountedReads()
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=cast(Backend, reads))
    contoso = next(c for c in await demo_backend().list_customers() if c.name == "Contoso Ltd")
    reads.unanswering.add(contoso.tenant_id)
    token = _token(entra, who="dev")
    status, board = await _board(tab, token)
    row = next(c for c in board["customers"] if c["name"] == "Contoso Ltd")
    assert status == 200 and row["unread"] == "Not answering just now"
    reads.unanswering.clear()
    status, board = await _board(tab, token)
    row = next(c for c in board["customers"] if c["name"] == "Contoso Ltd")
    assert status == 200 and row["worst"] >= 0 and reads.health[contoso.tenant_id] == 2
    # That complete board is kept.
    await _board(tab, token)
    assert reads.health[contoso.tenant_id] == 2


async def test_a_read_that_fails_is_not_kept_and_the_next_poll_reads_again(
    aiohttp_client: Any, tmp_path: Path, entra: FakeEntra
) -> None:
    reads = CountedReads()
    tab = await _tab(aiohttp_client, tmp_path, entra, backend=cast(Backend, reads))
    reads.lists_fail = True
    token = _token(entra, who="ana")
    response = await tab.get(BOARD, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 503 and response.headers["Retry-After"]
    assert "customers" not in await response.text()
    reads.lists_fail = False
    status, board = await _board(tab, token)
    assert status == 200 and board["customers"]
