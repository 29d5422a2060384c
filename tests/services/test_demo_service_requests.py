"""The demo desk, on SQLite and on blobs (Azurite): exactly one request per idempotency key, also when two
instances file it at once; Microsoft-like numbers never handed out twice; statuses over time; notes."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from services.blob_container import BlobContainer, BlobLocation
from services.demo.backend import DATA_DIR
from services.demo.blob_service_requests import BlobDemoServiceRequests
from services.demo.service_requests import DemoServiceRequests
from services.errors import AlreadyLinked, ServiceRequestNotFound
from services.models import Contact, Customer, RequestDraft, RequestStatus, Severity
from services.ports import ServiceRequestDesk
from services.sqlite_database import SqliteDatabase
from tests.services.conftest import OpenStorage
from tests.support.azurite import Azurite
from tests.support.harness import DEMO_NOW


class Clock:
    def __init__(self) -> None:
        self.now = DEMO_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "bot.sqlite3")
    yield database
    database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _open_desk(
    open_storage: OpenStorage, clock: Clock, handoff_products: frozenset[str] = frozenset()
) -> ServiceRequestDesk:
    """A desk on the test's storage; opened again, it is another instance's desk on the same requests."""
    storage = await open_storage()
    if isinstance(storage, SqliteDatabase):
        return DemoServiceRequests.open(storage, DATA_DIR, clock, handoff_products)
    return BlobDemoServiceRequests.open(storage, DATA_DIR, clock, handoff_products)


@pytest.fixture
async def desk(open_storage: OpenStorage, clock: Clock) -> ServiceRequestDesk:
    return await _open_desk(open_storage, clock)


async def _draft(desk: ServiceRequestDesk, customer: Customer, title: str = "Mail is slow") -> RequestDraft:
    catalogue = await desk.support_catalogue()
    return RequestDraft(
        customer=customer,
        topic=catalogue.topics_of("Exchange Online")[0],
        severity=Severity.MODERATE,
        title=title,
        description="Outbound mail is delayed by two hours.",
        contact=Contact("Ana Bowman", "ana@contoso.example"),
    )


async def test_the_catalogue_comes_from_the_datasets_support_topics(desk: ServiceRequestDesk) -> None:
    catalogue = await desk.support_catalogue()
    assert len(catalogue.topics) == 12
    assert catalogue.topic("32444671") is not None
    assert [t.name for t in catalogue.topics_of("Exchange Online")] == ["Mail flow", "Mailbox access"]
    assert [s.severity for s in catalogue.severities] == [
        Severity.CRITICAL,
        Severity.MODERATE,
        Severity.MINIMAL,
    ]


async def test_a_repeated_key_returns_the_first_request(
    desk: ServiceRequestDesk, customers: list[Customer]
) -> None:
    draft = await _draft(desk, customers[0])
    first = await desk.file_request(draft, "a" * 32, "Ana Bowman")
    again = await desk.file_request(await _draft(desk, customers[0], "A different title"), "a" * 32, "Bob")
    assert not first.already_filed and again.already_filed
    assert again.request == first.request
    assert len(await desk.recent_requests()) == 1
    other = await desk.file_request(draft, "b" * 32, "Ana Bowman")
    assert other.request.number != first.request.number


async def test_concurrent_filings_with_one_key_store_one_request(
    desk: ServiceRequestDesk, customers: list[Customer]
) -> None:
    draft = await _draft(desk, customers[0])
    filings = await asyncio.gather(*(desk.file_request(draft, "c" * 32, "Ana") for _ in range(5)))
    assert len({f.request.number for f in filings}) == 1
    assert sum(not f.already_filed for f in filings) == 1


async def test_the_key_is_unique_in_the_sqlite_table_itself(database: SqliteDatabase, clock: Clock) -> None:
    DemoServiceRequests.open(database, DATA_DIR, clock)

    def duplicate(db: sqlite3.Connection) -> None:
        for number in ("1", "2"):
            values = (number, "same key", *[""] * 12, 0, "")
            db.execute(f"INSERT INTO service_requests VALUES ({', '.join('?' * 16)})", values)

    with pytest.raises(sqlite3.IntegrityError):
        await database.run(duplicate)


async def test_numbers_are_16_digits_prefixed_with_the_date(
    desk: ServiceRequestDesk, customers: list[Customer], clock: Clock
) -> None:
    draft = await _draft(desk, customers[0])
    first = (await desk.file_request(draft, "d" * 32, "Ana")).request.number
    second = (await desk.file_request(draft, "e" * 32, "Ana")).request.number
    assert len(first) == 16 and first.isdigit() and first.startswith("261124")
    assert int(second) == int(first) + 1
    clock.now += timedelta(days=1)
    assert (await desk.file_request(draft, "f" * 32, "Ana")).request.number.startswith("261125")


async def test_statuses_move_over_simulated_time(
    desk: ServiceRequestDesk, customers: list[Customer], clock: Clock
) -> None:
    number = (await desk.file_request(await _draft(desk, customers[0]), "g" * 32, "Ana")).request.number
    seen = []
    for hours in (0, 2, 7, 49):
        clock.now = DEMO_NOW + timedelta(hours=hours)
        seen.append((await desk.service_request(number)).status)
    assert seen == [
        RequestStatus.OPEN,
        RequestStatus.MICROSOFT_RESPONDED,
        RequestStatus.ATTENTION_NEEDED,
        RequestStatus.CLOSED,
    ]


async def test_recent_requests_are_newest_first_and_filter_by_customer(
    desk: ServiceRequestDesk, customers: list[Customer], clock: Clock
) -> None:
    contoso, fabrikam = customers[0], customers[1]
    await desk.file_request(await _draft(desk, contoso, "older"), "h" * 32, "Ana")
    clock.now += timedelta(minutes=5)
    await desk.file_request(await _draft(desk, fabrikam, "newer"), "i" * 32, "Ana")
    assert [r.title for r in await desk.recent_requests()] == ["newer", "older"]
    assert [r.title for r in await desk.recent_requests(contoso)] == ["older"]


async def test_notes_are_kept_in_order_and_unknown_numbers_are_refused(
    desk: ServiceRequestDesk, customers: list[Customer], clock: Clock
) -> None:
    number = (await desk.file_request(await _draft(desk, customers[0]), "j" * 32, "Ana")).request.number
    await desk.add_note(number, "Ana", "first")
    clock.now += timedelta(minutes=1)
    updated = await desk.add_note(number, "Bob", "second")
    assert [(n.author, n.text) for n in updated.notes] == [("Ana", "first"), ("Bob", "second")]
    assert updated.last_modified == clock.now
    with pytest.raises(ServiceRequestNotFound):
        await desk.add_note("2611240010999999", "Ana", "lost")
    with pytest.raises(ServiceRequestNotFound):
        await desk.service_request("2611240010999999")


async def test_requests_survive_a_restart(
    open_storage: OpenStorage, customers: list[Customer], clock: Clock
) -> None:
    desk = await _open_desk(open_storage, clock)
    filed = await desk.file_request(await _draft(desk, customers[0]), "k" * 32, "Ana")
    reopened = await _open_desk(open_storage, clock)
    again = await reopened.file_request(await _draft(reopened, customers[0]), "k" * 32, "Ana")
    assert again.already_filed and again.request.number == filed.request.number


async def test_a_handed_off_request_awaits_its_number_until_linked(
    open_storage: OpenStorage, customers: list[Customer], clock: Clock
) -> None:
    desk = await _open_desk(open_storage, clock, handoff_products=frozenset({"Exchange Online"}))
    filing = await desk.file_request(await _draft(desk, customers[0]), "l" * 32, "Ana")
    request = filing.request
    assert request.status is RequestStatus.AWAITING_NUMBER
    assert request.reference == request.number and request.reference.startswith("E261124")
    assert filing.handoff is not None
    assert filing.handoff.portal_url.startswith("https://partner.microsoft.com/")
    assert "Title: Mail is slow" in filing.handoff.summary and "Severity: moderate" in filing.handoff.summary
    again = await desk.file_request(await _draft(desk, customers[0]), "l" * 32, "Ana")
    assert again.already_filed and again.request.reference == request.reference
    linked = await desk.link_request(request.reference, "2611240010000042")
    assert (linked.number, linked.reference, linked.status) == (
        "2611240010000042",
        request.reference,
        RequestStatus.OPEN,
    )
    assert (await desk.service_request("2611240010000042")).reference == request.reference
    assert (await desk.link_request(request.reference, "2611240010000042")).number == "2611240010000042"
    with pytest.raises(AlreadyLinked):
        await desk.link_request(request.reference, "2611240010000099")
    with pytest.raises(ServiceRequestNotFound):
        await desk.link_request("E2611240010999999", "2611240010000042")
    noted = await desk.add_note("2611240010000042", "Ana", "linked")
    assert [n.text for n in noted.notes] == ["linked"]


async def test_two_instances_filing_one_key_at_once_store_one_request(
    open_storage: OpenStorage, customers: list[Customer], clock: Clock
) -> None:
    first, second = await _open_desk(open_storage, clock), await _open_desk(open_storage, clock)
    draft = await _draft(first, customers[0])
    filings = await asyncio.gather(
        *(desk.file_request(draft, "m" * 32, "Ana") for _ in range(3) for desk in (first, second))
    )
    assert len({f.request.number for f in filings}) == 1
    assert sum(not f.already_filed for f in filings) == 1
    for desk in (first, second):
        assert [r.number for r in await desk.recent_requests()] == [filings[0].request.number]
        assert await desk.service_request(filings[0].request.number) == filings[0].request


async def test_two_instances_filing_different_requests_at_once_get_different_numbers(
    open_storage: OpenStorage, customers: list[Customer], clock: Clock
) -> None:
    first, second = await _open_desk(open_storage, clock), await _open_desk(open_storage, clock)
    draft = await _draft(first, customers[0])
    filings = await asyncio.gather(
        *(
            desk.file_request(draft, f"{index}{side}" * 16, "Ana")
            for index in range(4)
            for side, desk in (("a", first), ("b", second))
        )
    )
    numbers = sorted(int(f.request.number) for f in filings)
    assert numbers == list(range(numbers[0], numbers[0] + 8)), "eight numbers, none twice, none skipped"
    assert len(await second.recent_requests(limit=20)) == 8


async def test_notes_added_at_once_on_two_instances_are_all_kept(
    open_storage: OpenStorage, customers: list[Customer], clock: Clock
) -> None:
    first, second = await _open_desk(open_storage, clock), await _open_desk(open_storage, clock)
    number = (await first.file_request(await _draft(first, customers[0]), "n" * 32, "Ana")).request.number
    await asyncio.gather(
        *(
            desk.add_note(number, name, f"{name} {index}")
            for index in range(3)
            for name, desk in (("Ana", first), ("Bob", second))
        )
    )
    notes = (await first.service_request(number)).notes
    assert sorted(n.text for n in notes) == sorted(
        f"{name} {index}" for index in range(3) for name in ("Ana", "Bob")
    )


async def test_on_blobs_a_number_in_use_is_never_handed_out_again_even_if_the_counter_is_lost(
    azurite: Azurite, customers: list[Customer], clock: Clock
) -> None:
    container = BlobContainer(BlobLocation(f"desk-{uuid.uuid4().hex[:12]}", azurite.connection_string))
    await container.open()
    try:
        desk = BlobDemoServiceRequests.open(container, DATA_DIR, clock)
        draft = await _draft(desk, customers[0])
        before = [(await desk.file_request(draft, key * 32, "Ana")).request.number for key in "pq"]
        async for blob in container.client.list_blobs(name_starts_with="service-request-counters/"):
            await container.client.delete_blob(blob.name)
        after = (await desk.file_request(draft, "r" * 32, "Ana")).request.number
        assert after not in before and int(after) == int(before[-1]) + 1
    finally:
        await container.close()


async def test_two_instances_linking_one_hand_off_at_once_link_one_number(
    open_storage: OpenStorage, customers: list[Customer], clock: Clock
) -> None:
    handoffs = frozenset({"Exchange Online"})
    first = await _open_desk(open_storage, clock, handoffs)
    second = await _open_desk(open_storage, clock, handoffs)
    reference = (
        await first.file_request(await _draft(first, customers[0]), "s" * 32, "Ana")
    ).request.reference
    outcomes = await asyncio.gather(
        first.link_request(reference, "2611240010000071"),
        second.link_request(reference, "2611240010000072"),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, AlreadyLinked)]
    assert len(refused) == 1
    linked = (await second.service_request(reference)).number
    assert linked in ("2611240010000071", "2611240010000072")
    assert (await first.service_request(linked)).reference == reference
