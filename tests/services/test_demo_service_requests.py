"""The demo desk: exactly one request per idempotency key, Microsoft-like numbers, statuses over time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests
from services.domain.errors import AlreadyLinked, ServiceRequestNotFound, ServiceRequestOfAnotherCustomer
from services.domain.models import Contact, Customer, RequestDraft, RequestStatus, Severity
from services.storage.places import records_in
from tests.services.conftest import OpenPlace
from tests.support.harness import DEMO_NOW


class Clock:
    def __init__(self) -> None:
        self.now = DEMO_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


Desk = DemoServiceRequests
# Opens the desk on the test's storage: again for a restart or a second instance, sharing what it holds.
OpenDesk = Callable[..., Awaitable[Desk]]


@pytest.fixture
def open_desk(open_place: OpenPlace, clock: Clock) -> OpenDesk:
    async def open_one(handoff_products: frozenset[str] = frozenset()) -> Desk:
        return DemoServiceRequests.open(await open_place(), DATA_DIR, clock, handoff_products)

    return open_one


@pytest.fixture
async def desk(open_desk: OpenDesk) -> Desk:
    return await open_desk()


async def _draft(desk: Desk, customer: Customer, title: str = "Mail is slow") -> RequestDraft:
    catalogue = await desk.support_catalogue()
    return RequestDraft(
        customer=customer,
        topic=catalogue.topics_of("Exchange Online")[0],
        severity=Severity.MODERATE,
        title=title,
        description="Outbound mail is delayed by two hours.",
        contact=Contact("Ana Bowman", "ana@contoso.example"),
    )


async def test_the_catalogue_comes_from_the_datasets_support_topics(desk: Desk) -> None:
    catalogue = await desk.support_catalogue()
    assert len([t for t in catalogue.topics if not t.is_azure]) == 12
    assert catalogue.topic("32444671") is not None
    assert [t.name for t in catalogue.topics_of("Exchange Online")] == ["Mail flow", "Mailbox access"]
    # Azure Support's products after Microsoft 365's, as the live desk lists them, each topic a problem
    # classification under its service (the ticket's serviceId is the id up to /problemClassifications/).
    assert (
        catalogue.products[-7:]
        == catalogue.azure_products
        == (
            "Virtual Machine running Windows",
            "Virtual Machine running Linux",
            "Storage Account Management",
            "SQL Database",
            "Web App (Windows)",
            "Azure Kubernetes Service (AKS)",
            "Key Vault",
        )
    )
    services = {
        topic.topic_id.split("/problemClassifications/")[0] for topic in catalogue.topics if topic.is_azure
    }
    assert len(services) == 7 and all(
        s.startswith("/providers/Microsoft.Support/services/") for s in services
    )
    assert all(len(catalogue.topics_of(product)) == 2 for product in catalogue.azure_products)
    assert [s.severity for s in catalogue.severities] == [
        Severity.CRITICAL,
        Severity.MODERATE,
        Severity.MINIMAL,
    ]


async def test_a_repeated_key_returns_the_first_request(desk: Desk, customers: list[Customer]) -> None:
    draft = await _draft(desk, customers[0])
    first = await desk.file_request(draft, "a" * 32, "Ana Bowman")
    again = await desk.file_request(await _draft(desk, customers[0], "A different title"), "a" * 32, "Bob")
    assert not first.already_filed and again.already_filed
    assert again.request == first.request
    assert len(await desk.recent_requests()) == 1
    other = await desk.file_request(draft, "b" * 32, "Ana Bowman")
    assert other.request.number != first.request.number


async def test_concurrent_filings_with_one_key_store_one_request(
    desk: Desk, customers: list[Customer]
) -> None:
    draft = await _draft(desk, customers[0])
    filings = await asyncio.gather(*(desk.file_request(draft, "c" * 32, "Ana") for _ in range(5)))
    assert len({f.request.number for f in filings}) == 1
    assert sum(not f.already_filed for f in filings) == 1


async def test_a_key_names_one_number_however_its_filings_interleave(
    open_place: OpenPlace, clock: Clock, customers: list[Customer]
) -> None:
    """The key's record is created only if absent: a filing that finds it taken (another instance named
    the number between its look and its write) answers with the number already named."""
    place = await open_place()
    desk = DemoServiceRequests.open(place, DATA_DIR, clock)
    first = await desk.file_request(await _draft(desk, customers[0]), "t" * 32, "Ana")
    keys = records_in(place, "request-keys")
    assert not await keys.create({"number": "2611240010999999"}, "t" * 32)
    assert await keys.get("t" * 32) == {"number": first.request.number}


async def test_numbers_are_16_digits_prefixed_with_the_date(
    desk: Desk, customers: list[Customer], clock: Clock
) -> None:
    draft = await _draft(desk, customers[0])
    first = (await desk.file_request(draft, "d" * 32, "Ana")).request.number
    second = (await desk.file_request(draft, "e" * 32, "Ana")).request.number
    assert len(first) == 16 and first.isdigit() and first.startswith("261124")
    assert int(second) == int(first) + 1
    clock.now += timedelta(days=1)
    assert (await desk.file_request(draft, "f" * 32, "Ana")).request.number.startswith("261125")


async def test_statuses_move_over_simulated_time(desk: Desk, customers: list[Customer], clock: Clock) -> None:
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
    desk: Desk, customers: list[Customer], clock: Clock
) -> None:
    contoso, fabrikam = customers[0], customers[1]
    await desk.file_request(await _draft(desk, contoso, "older"), "h" * 32, "Ana")
    clock.now += timedelta(minutes=5)
    await desk.file_request(await _draft(desk, fabrikam, "newer"), "i" * 32, "Ana")
    assert [r.title for r in await desk.recent_requests()] == ["newer", "older"]
    assert [r.title for r in await desk.recent_requests(contoso)] == ["older"]


async def test_recent_requests_page_by_offset_and_count_what_they_could_list(
    desk: Desk, customers: list[Customer], clock: Clock
) -> None:
    contoso, fabrikam = customers[0], customers[1]
    for n in range(7):
        clock.now += timedelta(minutes=1)
        await desk.file_request(
            await _draft(desk, contoso if n % 2 else fabrikam, f"r{n}"), f"{n:032x}", "Ana"
        )
    pages = [[r.title for r in await desk.recent_requests(None, 3, offset)] for offset in (0, 3, 6)]
    assert pages == [["r6", "r5", "r4"], ["r3", "r2", "r1"], ["r0"]]
    assert [r.title for r in await desk.recent_requests(contoso, 2, 2)] == ["r1"]
    assert (await desk.count_requests(), await desk.count_requests(contoso)) == (7, 3)


async def test_notes_are_kept_in_order_and_unknown_numbers_are_refused(
    desk: Desk, customers: list[Customer], clock: Clock
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


async def test_requests_survive_a_restart(open_desk: OpenDesk, customers: list[Customer]) -> None:
    desk = await open_desk()
    filed = await desk.file_request(await _draft(desk, customers[0]), "k" * 32, "Ana")
    reopened = await open_desk()
    again = await reopened.file_request(await _draft(reopened, customers[0]), "k" * 32, "Ana")
    assert again.already_filed and again.request.number == filed.request.number


async def test_two_instances_filing_at_once_file_once_per_key_and_never_share_a_number(
    open_desk: OpenDesk, customers: list[Customer]
) -> None:
    blue, green = await open_desk(), await open_desk()
    draft = await _draft(blue, customers[0])
    same = await asyncio.gather(*(d.file_request(draft, "m" * 32, "Ana") for d in (blue, green, blue, green)))
    assert len({f.request.number for f in same}) == 1 and sum(not f.already_filed for f in same) == 1
    keys = [f"{n:032d}" for n in range(8)]
    different = await asyncio.gather(
        *(d.file_request(draft, key, "Ana") for d, key in zip([blue, green] * 4, keys, strict=True))
    )
    numbers = [f.request.number for f in different]
    assert len(set(numbers)) == 8 and same[0].request.number not in numbers
    assert len(await green.recent_requests(limit=20)) == 9


async def test_notes_added_at_once_on_two_instances_are_both_kept(
    open_desk: OpenDesk, customers: list[Customer]
) -> None:
    blue, green = await open_desk(), await open_desk()
    filed = await blue.file_request(await _draft(blue, customers[0]), "n" * 32, "Ana")
    number = filed.request.number
    await asyncio.gather(
        *(
            d.add_note(number, d is blue and "Ana" or "Bob", f"note {i}")
            for i, d in enumerate([blue, green] * 3)
        )
    )
    notes = (await blue.service_request(number)).notes
    assert sorted(n.text for n in notes) == [f"note {i}" for i in range(6)]


async def test_a_handed_off_request_awaits_its_number_until_linked(
    open_desk: OpenDesk, customers: list[Customer]
) -> None:
    desk = await open_desk(frozenset({"Exchange Online"}))
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


async def test_link_refuses_a_number_another_customers_hand_off_holds_naming_both(
    open_desk: OpenDesk, customers: list[Customer]
) -> None:
    desk = await open_desk(frozenset({"Exchange Online"}))
    contoso, fabrikam = customers[0], customers[1]
    first = (await desk.file_request(await _draft(desk, contoso), "m" * 32, "Ana")).request
    other = (await desk.file_request(await _draft(desk, fabrikam), "n" * 32, "Ana")).request
    same = (await desk.file_request(await _draft(desk, contoso, "Teams"), "o" * 32, "Ana")).request
    await desk.link_request(first.reference, "2611240010000042")
    with pytest.raises(ServiceRequestOfAnotherCustomer) as raised:
        await desk.link_request(other.reference, "2611240010000042")
    assert raised.value.message == (
        f"Service request 2611240010000042 is {contoso.name}'s, not {fabrikam.name}'s, so I didn't link "
        f"it to {other.reference}. Check the number in Partner Center."
    )
    with pytest.raises(AlreadyLinked, match=f"^{first.reference} is already linked to service request 2611"):
        await desk.link_request(same.reference, "2611240010000042")
    # Nothing moved: the number is still the first's, the others still wait for theirs.
    assert (await desk.service_request("2611240010000042")).reference == first.reference
    for waiting in (other, same):
        assert (await desk.service_request(waiting.reference)).status is RequestStatus.AWAITING_NUMBER
    assert (await desk.link_request(other.reference, "2611240010000043")).number == "2611240010000043"


async def test_two_instances_linking_one_hand_off_at_once_link_one_number(
    open_desk: OpenDesk, customers: list[Customer]
) -> None:
    blue = await open_desk(frozenset({"Exchange Online"}))
    green = await open_desk(frozenset({"Exchange Online"}))
    reference = (await blue.file_request(await _draft(blue, customers[0]), "s" * 32, "Ana")).request.reference
    outcomes = await asyncio.gather(
        blue.link_request(reference, "2611240010000071"),
        green.link_request(reference, "2611240010000072"),
        return_exceptions=True,
    )
    assert sum(isinstance(o, AlreadyLinked) for o in outcomes) == 1, outcomes
    linked = (await green.service_request(reference)).number
    assert linked in ("2611240010000071", "2611240010000072")
    assert (await blue.service_request(linked)).reference == reference
    # The number that lost is nobody's: it doesn't lead to the hand-off, and another can take it.
    lost = ({"2611240010000071", "2611240010000072"} - {linked}).pop()
    with pytest.raises(ServiceRequestNotFound):
        await green.service_request(lost)


async def test_a_number_in_use_is_not_handed_out_again_when_the_counter_is_taken_back(
    open_place: OpenPlace, customers: list[Customer], clock: Clock
) -> None:
    """An operator's clean-up or a restore can take the counter back; a new filing must still get a
    number of its own, not answer with another request already filed under it."""
    place = await open_place()
    desk = DemoServiceRequests.open(place, DATA_DIR, clock)
    draft = await _draft(desk, customers[0])
    before = [(await desk.file_request(draft, key * 32, "Ana")).request.number for key in "pq"]
    serials = records_in(place, "request-serials")
    for key in await serials.keys():
        await serials.delete(*key)
    other = await _draft(desk, customers[1], "Teams calls drop")
    after = (await desk.file_request(other, "r" * 32, "Ana")).request
    assert after.title == "Teams calls drop" and after.number not in before
    assert int(after.number) == int(before[-1]) + 1
    assert [r.title for r in await desk.recent_requests(customers[0])] == ["Mail is slow"] * 2


async def test_two_hand_offs_linking_one_number_at_once_on_two_instances_link_one(
    open_desk: OpenDesk, customers: list[Customer]
) -> None:
    """The number goes to one hand-off; the other is refused as another customer's, and still waits."""
    blue = await open_desk(frozenset({"Exchange Online"}))
    green = await open_desk(frozenset({"Exchange Online"}))
    for attempt in range(5):
        contoso = (
            await blue.file_request(await _draft(blue, customers[0]), f"c{attempt}" * 16, "Ana")
        ).request
        fabrikam = (
            await green.file_request(await _draft(green, customers[1]), f"f{attempt}" * 16, "Ana")
        ).request
        number = f"26112400100007{attempt:02d}"
        outcomes = await asyncio.gather(
            blue.link_request(contoso.reference, number),
            green.link_request(fabrikam.reference, number),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, ServiceRequestOfAnotherCustomer)]
        assert len(refused) == 1, outcomes
        holder = (await green.service_request(number)).reference
        waiting = fabrikam.reference if holder == contoso.reference else contoso.reference
        assert holder in (contoso.reference, fabrikam.reference)
        assert (await blue.service_request(waiting)).status is RequestStatus.AWAITING_NUMBER
