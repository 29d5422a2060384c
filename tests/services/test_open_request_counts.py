"""How many requests are open, by status and severity (ServiceRequestDesk.open_request_counts): every one
the desk could list, not a page of them, on the demo desk and the live desk, on SQLite and on blobs; and
through ScopedDesk, never a hidden customer's.

The oracle is the list itself: every request `recent_requests` gives, read one by one, counted."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import cycle

import pytest

from services.access.person import acting_as
from services.access.scoped import ScopedDesk
from services.backends.choice import backends_around
from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests
from services.domain.access import SERVICE_SUPPORT_ADMINISTRATOR
from services.domain.errors import UnknownCustomer
from services.domain.models import (
    Contact,
    Customer,
    OpenRequestCounts,
    RequestDraft,
    RequestStatus,
    Severity,
    SupportTopic,
)
from services.domain.ports import ServiceRequestDesk
from tests.dialogs.test_escalation_dialog import partner_center_request
from tests.doubles.live_world import LiveWorld
from tests.doubles.people import person
from tests.services.conftest import OpenPlace, Place
from tests.support.harness import DEMO_NOW, demo_backend

AZURE_TOPIC = "/providers/Microsoft.Support/services/vm-linux/problemClassifications/connectivity"
MAILBOX_TOPIC = "32444672"
REQUESTS_PAGE = 10


class Clock:
    def __init__(self) -> None:
        self.now = DEMO_NOW

    def __call__(self) -> datetime:
        return self.now


async def every_open(
    desk: ServiceRequestDesk, customers: Sequence[Customer] | None = None
) -> Counter[tuple[RequestStatus, Severity]]:
    """The oracle: every request the desk lists for `customers`, read one by one, the open ones counted."""
    listed = [
        r
        for c in (customers if customers is not None else [None])
        for r in await desk.recent_requests(c, 1000, 0)
    ]
    return Counter((r.status, r.severity) for r in listed if r.status is not RequestStatus.CLOSED)


def draft(customer: Customer, topic: SupportTopic, severity: Severity, n: int) -> RequestDraft:
    return RequestDraft(
        customer, topic, severity, f"Request {n}", "Filed to be counted.", Contact("Ana", "ana@example.com")
    )


# --- the demo desk ----------------------------------------------------------------------------------------


async def fill_demo_desk(place: Place, clock: Clock) -> tuple[DemoServiceRequests, list[Customer]]:
    """35 requests of three customers, filed over the last three days (so every status of the lifecycle is
    there, closed ones too), every severity, a third of them handed off and awaiting their number."""
    customers = list(await demo_backend().list_customers())[:3]
    catalogue_desk = DemoServiceRequests.open(place, DATA_DIR, clock)
    topics = (await catalogue_desk.support_catalogue()).topics
    handed_off_topic = next(t for t in topics if t.product != topics[0].product)
    desk = DemoServiceRequests.open(place, DATA_DIR, clock, frozenset({handed_off_topic.product}))
    severities = cycle(Severity)
    for n in range(35):
        clock.now = DEMO_NOW - timedelta(hours=72) + timedelta(hours=2.1 * n)
        topic = handed_off_topic if n % 3 == 0 else topics[0]
        await desk.file_request(draft(customers[n % 3], topic, next(severities), n), uuid.uuid4().hex, "Ana")
    clock.now = DEMO_NOW
    return desk, customers


async def test_the_demo_desk_counts_every_open_request_not_a_page(open_place: OpenPlace) -> None:
    clock = Clock()
    desk, customers = await fill_demo_desk(await open_place(), clock)
    expected = await every_open(desk)
    statuses = {status for status, _ in expected}
    assert len(statuses) == 4 and sum(expected.values()) > REQUESTS_PAGE, "a test of more than one page"
    assert sum(expected.values()) < await desk.count_requests(), "and of closed ones left out"
    assert await desk.open_request_counts() == expected
    for mine in ([customers[0]], customers[1:], []):
        assert await desk.open_request_counts(mine) == await every_open(desk, mine)
    # Another instance on the same storage counts the same.
    again = DemoServiceRequests.open(await open_place(), DATA_DIR, clock)
    assert await again.open_request_counts() == expected


# --- the live desk ----------------------------------------------------------------------------------------


async def _live_desk(world: LiveWorld, open_place: OpenPlace, clock: Clock) -> ServiceRequestDesk:
    return backends_around(world.backend, await open_place(), clock).desk


async def fill_live_desk(world: LiveWorld, desk: ServiceRequestDesk, clock: Clock) -> dict[str, str]:
    """Azure tickets for Northwind (two closed since), Microsoft 365 hand-offs for Northwind and Contoso,
    some linked to a Partner Center request (open, attention needed, closed), the rest awaiting their
    number; the idempotency key of each request by its number."""
    by_name = {c.name: c for c in await world.backend.list_customers()}
    northwind, contoso = by_name["Northwind Traders"], by_name["Contoso Ltd"]
    catalogue = await desk.support_catalogue()
    azure, mailbox = catalogue.topic(AZURE_TOPIC), catalogue.topic(MAILBOX_TOPIC)
    assert azure is not None and mailbox is not None
    severities = cycle(Severity)
    keys: dict[str, str] = {}
    for n in range(7):
        clock.now = DEMO_NOW + timedelta(minutes=n)
        key = uuid.uuid4().hex
        keys[
            (await desk.file_request(draft(northwind, azure, next(severities), n), key, "Ana")).request.number
        ] = key
    for name in list(world.azure_support.tickets)[:2]:
        world.azure_support.tickets[name]["properties"]["status"] = "Closed"
    linked = {contoso: ["open", "attention_needed"], northwind: ["closed"]}
    for customer, statuses in linked.items():
        center = world.partner_center.service_requests.setdefault(customer.customer_id, [])
        for n, status in enumerate([*statuses, "", ""]):
            clock.now += timedelta(minutes=1)
            key = uuid.uuid4().hex
            filed = (
                await desk.file_request(draft(customer, mailbox, next(severities), n), key, "Ana")
            ).request
            keys[filed.number] = key
            if status:
                number = f"26112400100{len(keys):05d}"
                center.append(partner_center_request(number, status))
                await desk.link_request(filed.reference, number)
                keys[number] = key
    return keys


async def test_the_live_desk_counts_what_it_escalated_from_one_list_per_customer_and_subscription(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    clock = Clock()
    desk = await _live_desk(live_world, open_place, clock)
    await fill_live_desk(live_world, desk, clock)
    expected = await every_open(desk)
    assert {status for status, _ in expected} == {
        RequestStatus.OPEN,
        RequestStatus.ATTENTION_NEEDED,
        RequestStatus.AWAITING_NUMBER,
    }
    assert sum(expected.values()) > REQUESTS_PAGE and sum(expected.values()) < await desk.count_requests()
    # Counting reads no request on its own: a read of one ticket or one Partner Center request fails now.
    live_world.azure_support.fail(403, "AuthorizationFailed", times=1000, path_contains="/supportTickets/")
    seen = len(live_world.partner_center.seen)
    assert await desk.open_request_counts() == expected
    asked = [s.path_qs for s in live_world.partner_center.seen[seen:]]
    assert asked and all(p.startswith("/v1/customers/") for p in asked), asked
    assert len(asked) == 2, "one list per customer with linked requests"
    by_name = {c.name: c for c in await live_world.backend.list_customers()}
    live_world.azure_support.faults.queue.clear()
    for mine in ([by_name["Contoso Ltd"]], [by_name["Northwind Traders"]], []):
        assert await desk.open_request_counts(mine) == await every_open(desk, mine)


async def test_a_request_its_list_lacks_is_read_on_its_own_and_one_microsoft_lost_is_not_counted(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    clock = Clock()
    desk = await _live_desk(live_world, open_place, clock)
    keys = await fill_live_desk(live_world, desk, clock)
    expected = await every_open(desk)
    # Partner Center's list of Contoso's requests no longer holds its open one (a list cut short); a
    # read of that one request still finds it.
    center = live_world.partner_center.service_requests
    contoso = next(c for c in await live_world.backend.list_customers() if c.name == "Contoso Ltd")
    moved = next(r for r in center[contoso.customer_id] if r["status"] == "open")
    center[contoso.customer_id].remove(moved)
    center["elsewhere"] = [moved]
    assert await desk.open_request_counts() == expected
    # An open Azure ticket Microsoft no longer has: not in the list, not found on its own.
    azure = live_world.azure_support.tickets
    gone = next(name for name, t in azure.items() if t["properties"]["status"] == "Open")
    gone_request = next(n for n, k in keys.items() if k == gone)
    severity = (await desk.service_request(gone_request)).severity
    del azure[gone]
    fewer = await desk.open_request_counts()
    assert fewer == expected - Counter({(RequestStatus.OPEN, severity): 1})


# --- GDAP: the person's customers only --------------------------------------------------------------------


async def test_a_hidden_customers_requests_never_change_the_persons_counts(open_place: OpenPlace) -> None:
    clock = Clock()
    desk, customers = await fill_demo_desk(await open_place(), clock)
    mine, hidden = customers[:2], customers[2]
    scoped = ScopedDesk(desk, demo_backend(), lambda: DEMO_NOW)
    ana = person("ana", {c.tenant_id: [SERVICE_SUPPORT_ADMINISTRATOR] for c in mine})
    hiddens = await every_open(desk, [hidden])
    assert hiddens, "the hidden customer has open requests"
    with acting_as(ana):
        counts: OpenRequestCounts = await scoped.open_request_counts()
        assert counts == await every_open(desk, mine)
        assert counts != await desk.open_request_counts()
        with pytest.raises(UnknownCustomer):
            await scoped.open_request_counts([hidden])
        with pytest.raises(UnknownCustomer):
            await scoped.open_request_counts([mine[0], hidden])
        assert await scoped.open_request_counts([mine[0]]) == await every_open(desk, [mine[0]])
    # More open requests of the hidden customer: the person's counts stay as they were.
    topic = (await desk.support_catalogue()).topics[0]
    for n in range(5):
        await desk.file_request(draft(hidden, topic, Severity.CRITICAL, n), uuid.uuid4().hex, "Ben")
    with acting_as(ana):
        assert await scoped.open_request_counts() == counts
    with acting_as(person("dev", {})):
        assert await scoped.open_request_counts() == {}, "nobody's customers: nothing counted"
