"""ScopedBackend and ScopedDesk (services/access/scoped.py) as the port's callers meet them: what the turn's
person may not see doesn't exist, what they may see but not do is refused naming the role, and nobody set
for the turn is refused outright."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from services.access.person import acting_as
from services.access.scoped import ScopedBackend, ScopedDesk
from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests
from services.domain.access import EVERYONE, GLOBAL_READER, SERVICE_SUPPORT_ADMINISTRATOR, PersonAccess
from services.domain.errors import AccessUnavailable, RoleMissing, ServiceRequestNotFound, UnknownCustomer
from services.domain.models import Contact, Customer, RequestDraft, Severity
from services.storage.sqlite_database import SqliteDatabase
from tests.doubles.people import person
from tests.support.harness import DEMO_NOW, demo_backend

BACKEND = demo_backend()


async def _customers() -> dict[str, Customer]:
    return {c.name: c for c in await BACKEND.list_customers()}


async def _desk_with_requests(
    per_customer: dict[Customer, int],
) -> tuple[DemoServiceRequests, dict[str, str]]:
    """A demo desk holding `count` requests per customer, filed a minute apart, round-robin; and the
    idempotency key each number was filed under."""
    moments = iter(DEMO_NOW + timedelta(minutes=n) for n in range(1000))
    now = [DEMO_NOW]
    desk = DemoServiceRequests.open(SqliteDatabase(Path(":memory:")), DATA_DIR, lambda: now[0])
    topic = (await desk.support_catalogue()).topics[0]
    keys: dict[str, str] = {}
    for round_ in range(max(per_customer.values())):
        for customer, count in per_customer.items():
            if round_ >= count:
                continue
            now[0] = next(moments)
            draft = RequestDraft(
                customer,
                topic,
                Severity.MINIMAL,
                "Mail is slow",
                "Mail is slow.",
                Contact("Ana", "a@b.example"),
            )
            key = uuid.uuid4().hex
            keys[(await desk.file_request(draft, key, "Ana")).request.number] = key
    return desk, keys


async def test_nobody_set_for_the_turn_is_refused_not_shown_everything() -> None:
    scoped = ScopedBackend(BACKEND, lambda: DEMO_NOW)
    with pytest.raises(AccessUnavailable):
        await scoped.list_customers()
    with acting_as(EVERYONE):
        assert await scoped.list_customers() == await BACKEND.list_customers()


async def test_a_hidden_customers_health_reads_like_an_unknown_customer() -> None:
    customers = await _customers()
    contoso, woodgrove = customers["Contoso Ltd"], customers["Woodgrove Bank"]
    scoped = ScopedBackend(BACKEND, lambda: DEMO_NOW)
    with acting_as(person("ana", {contoso.tenant_id: [GLOBAL_READER]})):
        assert [c.name for c in await scoped.list_customers()] == ["Contoso Ltd"]
        assert (await scoped.tenant_health(contoso)).customer == contoso
        with pytest.raises(UnknownCustomer) as unknown:
            await scoped.tenant_health(woodgrove)
        assert (
            unknown.value.message
            == "I don't know a customer called 'Woodgrove Bank'. Try 'customers' to list them all."
        )
        assert (await scoped.tenant_messages(contoso)).customer == contoso
        with pytest.raises(UnknownCustomer):
            await scoped.tenant_messages(woodgrove)

        # Azure service health too: Woodgrove's Azure events are as unknown as Woodgrove.
        assert (await scoped.azure_health(contoso)).has_azure
        with pytest.raises(UnknownCustomer):
            await scoped.azure_health(woodgrove)


async def test_filing_reading_and_noting_requests_need_a_role_that_files() -> None:
    customers = await _customers()
    contoso = customers["Contoso Ltd"]
    desk, keys = await _desk_with_requests({contoso: 1})
    (filed,) = await desk.recent_requests()
    reader = person("chloe", {contoso.tenant_id: [GLOBAL_READER]})
    scoped = ScopedDesk(desk, BACKEND, lambda: DEMO_NOW, contact="Dana")
    with acting_as(reader):
        for call in (
            scoped.service_request(filed.number),
            scoped.add_note(filed.number, "Chloe", "hi"),
            scoped.recent_requests(contoso),
            scoped.count_requests(contoso),
        ):
            with pytest.raises(RoleMissing) as missing:
                await call
            assert "Service Support Administrator role for Contoso Ltd" in missing.value.message
            assert "Ask Dana" in missing.value.message
        assert not await scoped.recent_requests() and await scoped.count_requests() == 0
        assert await scoped.filed_with_key(keys[filed.number]) is None
        draft = RequestDraft(
            contoso,
            filed.topic,
            Severity.MINIMAL,
            "Mail is slow",
            "Mail is slow.",
            Contact("Chloe", "c@b.example"),
        )
        with pytest.raises(RoleMissing):
            await scoped.file_request(draft, uuid.uuid4().hex, "Chloe")
    with acting_as(person("erin", {contoso.tenant_id: [SERVICE_SUPPORT_ADMINISTRATOR]})):
        assert await scoped.filed_with_key(keys[filed.number]) == filed
    assert not (await desk.service_request(filed.number)).notes
    assert await desk.count_requests() == 1, "nothing was filed"
    with acting_as(PersonAccess("dev")):
        with pytest.raises(ServiceRequestNotFound):
            await scoped.service_request(filed.number)


@pytest.mark.parametrize(("limit", "offset"), [(10, 0), (3, 0), (3, 3), (4, 8), (5, 20)])
async def test_a_page_of_everyone_s_requests_is_the_unscoped_page_of_the_customers_one_may_read(
    limit: int, offset: int
) -> None:
    customers = await _customers()
    mine = [customers["Contoso Ltd"], customers["Northwind Traders"], customers["Woodgrove Bank"]]
    hidden = customers["Lamna Healthcare Company"]
    desk, _ = await _desk_with_requests({mine[0]: 5, mine[1]: 2, hidden: 6, mine[2]: 4})
    scoped = ScopedDesk(desk, BACKEND, lambda: DEMO_NOW)
    everything = await desk.recent_requests(None, 100, 0)
    expected = [r for r in everything if r.customer_id != hidden.customer_id]
    expected.sort(key=lambda r: (r.created, r.number), reverse=True)
    page = expected[offset : offset + limit]
    page.sort(key=lambda r: (r.last_modified, r.number), reverse=True)
    with acting_as(person("ana", {c.tenant_id: [SERVICE_SUPPORT_ADMINISTRATOR] for c in mine})):
        assert [r.number for r in await scoped.recent_requests(None, limit, offset)] == [
            r.number for r in page
        ]
        assert await scoped.count_requests() == 11


class _CountingDesk:
    """The demo desk, counting the queries the scoped desk makes of it."""

    def __init__(self, desk: DemoServiceRequests) -> None:
        self._desk = desk
        self.queries: list[str | None] = []

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> object:
        self.queries.append(customer.name if customer else None)
        return await self._desk.recent_requests(customer, limit, offset)

    def __getattr__(self, name: str) -> object:
        return getattr(self._desk, name)


@pytest.mark.parametrize(("sweep_page", "sweeps"), [(50, 3), (2, 1), (2, 2), (3, 4), (1, 1)])
@pytest.mark.parametrize(("limit", "offset"), [(10, 0), (3, 3), (5, 20)])
async def test_the_page_is_the_same_whether_the_desks_newest_pages_fill_it_or_each_customer_is_asked(
    monkeypatch: pytest.MonkeyPatch, sweep_page: int, sweeps: int, limit: int, offset: int
) -> None:
    customers = await _customers()
    mine = [customers["Contoso Ltd"], customers["Woodgrove Bank"]]
    hidden = [customers["Lamna Healthcare Company"], customers["Northwind Traders"]]
    desk, _ = await _desk_with_requests({hidden[0]: 7, mine[0]: 3, hidden[1]: 5, mine[1]: 4})
    readable = {c.customer_id for c in mine}
    everything = [r for r in await desk.recent_requests(None, 100, 0) if r.customer_id in readable]
    everything.sort(key=lambda r: (r.created, r.number), reverse=True)
    page = everything[offset : offset + limit]
    page.sort(key=lambda r: (r.last_modified, r.number), reverse=True)
    monkeypatch.setattr("services.access.scoped.SWEEP_PAGE", sweep_page)
    monkeypatch.setattr("services.access.scoped.SWEEPS", sweeps)
    counting = _CountingDesk(desk)
    scoped = ScopedDesk(counting, BACKEND, lambda: DEMO_NOW)  # type: ignore[arg-type]
    with acting_as(person("ana", {c.tenant_id: [SERVICE_SUPPORT_ADMINISTRATOR] for c in mine})):
        assert [r.number for r in await scoped.recent_requests(None, limit, offset)] == [
            r.number for r in page
        ]
    # Pages that can't fill it within the sweeps give way to asking each readable customer.
    assert set(counting.queries) <= {None, *(c.name for c in mine)}


async def test_the_help_cards_example_costs_one_desk_query_not_one_per_customer() -> None:
    customers = await _customers()
    mine = [customers[n] for n in ("Contoso Ltd", "Woodgrove Bank", "Northwind Traders")]
    desk, _ = await _desk_with_requests({c: 2 for c in mine})
    counting = _CountingDesk(desk)
    scoped = ScopedDesk(counting, BACKEND, lambda: DEMO_NOW)  # type: ignore[arg-type]
    with acting_as(person("ana", {c.tenant_id: [SERVICE_SUPPORT_ADMINISTRATOR] for c in mine})):
        assert len(await scoped.recent_requests()) == 6
    assert counting.queries == [None]
