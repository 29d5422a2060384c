from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cards.health import health_card
from dialogs.replies import card_reply
from locales.translator import ENGLISH
from services.backends.demo.backend import DemoBackend
from services.backends.demo.world import (
    KEEP_RESOLVED,
    MESSAGE_ACT_WITHIN,
    SCRIPT_LENGTH,
    ChangeKind,
    DemoWorld,
    WorldTick,
)
from services.domain.incidents import find_incident
from services.domain.models import Customer, Incident, ServiceHealth, TenantHealth
from services.domain.service_messages import due_changes, find_message
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import visible_text

SHARED = ("Contoso Ltd", "Woodgrove Bank", "Fabrikam, Inc.")


class SteppingClock:
    """Five simulated minutes per reading, from the dataset's asOf."""

    def __init__(self) -> None:
        self.now = DEMO_NOW

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=5)
        return self.now


async def _run(world: DemoWorld, ticks: int) -> list[WorldTick]:
    return [await world.tick() for _ in range(ticks)]


def _fresh() -> tuple[DemoBackend, DemoWorld]:
    backend = demo_backend()
    return backend, DemoWorld(backend, SteppingClock())


async def _customer(backend: DemoBackend, name: str) -> Customer:
    return next(c for c in await backend.list_customers() if c.name == name)


async def _incident(backend: DemoBackend, customer: Customer, incident_id: str) -> Incident | None:
    health = await backend.tenant_health(customer)
    return next((i for i in health.incidents if i.incident_id == incident_id), None)


def _service_of(health: TenantHealth, incident_id: str) -> ServiceHealth:
    return next(s for s in health.services if any(i.incident_id == incident_id for i in s.incidents))


async def test_a_new_incident_starts_active_in_one_tenant() -> None:
    backend, world = _fresh()
    tick = await world.tick()

    (change,) = tick.changes
    assert change.kind is ChangeKind.STARTED and change.classification == "incident"
    (customer,) = change.customers
    assert customer.delegated_access
    health = await backend.tenant_health(customer)
    incident = await _incident(backend, customer, change.incident_id)
    assert incident is not None and not incident.is_resolved
    assert incident.status.code == "investigating" and not incident.is_advisory
    assert incident.start == tick.at and incident.last_modified == tick.at and incident.end is None
    assert [p.created for p in incident.posts] == [tick.at]
    assert "Current status:" in incident.posts[0].text
    assert _service_of(health, incident.incident_id).status.code == "serviceInterruption"


async def test_the_incident_progresses_with_a_new_post_then_resolves() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 6)
    started, progressed, resolved = ticks[0], ticks[2], ticks[5]
    incident_id = started.changes[0].incident_id
    (customer,) = started.changes[0].customers

    assert progressed.changes[0].kind is ChangeKind.PROGRESSED
    assert progressed.changes[0].incident_id == incident_id and progressed.changes[0].customers == (customer,)
    assert resolved.changes[0].kind is ChangeKind.RESOLVED
    assert resolved.changes[0].incident_id == incident_id and resolved.changes[0].customers == (customer,)

    incident = await _incident(backend, customer, incident_id)
    assert incident is not None
    assert incident.is_resolved and incident.status.code == "serviceRestored"
    assert incident.end == resolved.at and incident.last_modified == resolved.at
    assert [p.created for p in incident.posts] == [started.at, progressed.at, resolved.at]
    health = await backend.tenant_health(customer)
    assert _service_of(health, incident_id).status.code == "serviceOperational"


async def test_progression_is_visible_before_resolution() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 3)
    (customer,) = ticks[0].changes[0].customers
    incident = await _incident(backend, customer, ticks[0].changes[0].incident_id)
    assert incident is not None and not incident.is_resolved
    assert incident.status.code == "restoringService" and incident.last_modified == ticks[2].at
    assert len(incident.posts) == 2 and incident.posts[-1].text != incident.posts[0].text


async def test_an_advisory_starts_and_later_resolves() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 9)
    (started,) = [c for t in ticks for c in t.changes if c.classification == "advisory"][:1]
    assert started.kind is ChangeKind.STARTED and started.status == "serviceDegradation"
    (customer,) = started.customers
    assert customer.name not in SHARED

    resolved = [c for t in ticks for c in t.changes if c.incident_id == started.incident_id][-1]
    assert resolved.kind is ChangeKind.RESOLVED
    incident = await _incident(backend, customer, started.incident_id)
    assert incident is not None and incident.is_advisory and incident.is_resolved


async def test_an_active_advisory_degrades_its_service() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 4)
    (change,) = ticks[3].changes
    assert change.classification == "advisory"
    (customer,) = change.customers
    health = await backend.tenant_health(customer)
    incident = await _incident(backend, customer, change.incident_id)
    assert incident is not None and incident.is_advisory and not incident.is_resolved
    assert _service_of(health, change.incident_id).status.code == "serviceDegradation"


async def test_one_microsoft_incident_reaches_several_tenants_spreads_and_resolves_everywhere() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 8)
    started = ticks[1].changes[0]
    assert started.kind is ChangeKind.STARTED
    assert [c.name for c in started.customers] == list(SHARED)

    shared = [c for t in ticks for c in t.changes if c.incident_id == started.incident_id]
    assert [c.kind for c in shared] == [
        ChangeKind.STARTED,
        ChangeKind.SPREAD,
        ChangeKind.PROGRESSED,
        ChangeKind.RESOLVED,
    ]
    (newcomer,) = shared[1].customers
    assert newcomer.name not in SHARED and newcomer.delegated_access
    everyone = (*started.customers, newcomer)
    assert shared[2].customers == everyone and shared[3].customers == everyone

    incidents = [await _incident(backend, c, started.incident_id) for c in everyone]
    assert all(i is not None and i.is_resolved and i.end == ticks[7].at for i in incidents)
    assert len(set(incidents)) == 1


async def test_the_shared_incident_is_one_id_in_each_tenant_and_findable_from_any() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 5)
    incident_id = ticks[1].changes[0].incident_id
    for name in SHARED:
        incident = await _incident(backend, await _customer(backend, name), incident_id)
        assert incident is not None and not incident.is_resolved
        assert incident.status.code == "investigating"

    lookup = await find_incident(backend, incident_id)
    affected = {lookup.customer.name, *(c.name for c in lookup.also_affected)}
    assert affected == {*SHARED, ticks[4].changes[0].customers[0].name}


async def test_the_script_is_deterministic() -> None:
    first_backend, first = _fresh()
    second_backend, second = _fresh()
    assert await _run(first, 30) == await _run(second, 30)
    for customer in await first_backend.list_customers():
        if customer.delegated_access:
            left = await first_backend.tenant_health(customer)
            right = await second_backend.tenant_health(customer)
            assert left.services == right.services


async def test_incident_ids_never_repeat() -> None:
    backend = demo_backend()
    dataset_ids = {
        i.incident_id
        for c in await backend.list_customers()
        if c.delegated_access
        for i in (await backend.tenant_health(c)).incidents
    }
    world = DemoWorld(backend, SteppingClock())
    started = [
        c.incident_id for t in await _run(world, 50) for c in t.changes if c.kind is ChangeKind.STARTED
    ]
    assert len(started) >= 15
    assert len(set(started)) == len(started)
    assert not dataset_ids & set(started)


async def test_every_touched_service_reports_a_status_that_matches_its_incidents() -> None:
    backend, world = _fresh()
    touched: set[tuple[str, str]] = set()
    for _ in range(50):
        tick = await world.tick()
        for change in tick.changes:
            for customer in change.customers:
                service = _service_of(await backend.tenant_health(customer), change.incident_id)
                touched.add((customer.name, service.service_id))
        for name, service_id in touched:
            health = await backend.tenant_health(await _customer(backend, name))
            service = next(s for s in health.services if s.service_id == service_id)
            active = service.active_incidents
            if any(not i.is_advisory for i in active):
                expected = "serviceInterruption"
            elif active:
                expected = "serviceDegradation"
            else:
                expected = "serviceOperational"
            assert service.status.code == expected, (tick.step, name, service_id)
    assert len(touched) > 5


async def test_a_long_demo_keeps_only_recent_history_of_its_own() -> None:
    backend, world = _fresh()
    readable = [c for c in await backend.list_customers() if c.delegated_access]
    before = {c.name: {i.incident_id for i in (await backend.tenant_health(c)).incidents} for c in readable}
    ticks = await _run(world, 9 * 6)

    contoso = await _customer(backend, "Contoso Ltd")
    ours_ids = {c.incident_id for t in ticks for c in t.changes if contoso in c.customers}
    after = await backend.tenant_health(contoso)
    assert len([i for i in after.incidents if i.incident_id in ours_ids]) == KEEP_RESOLVED
    # The dataset's own history (resolved incidents included) is never trimmed.
    for customer in readable:
        now = {i.incident_id for i in (await backend.tenant_health(customer)).incidents}
        assert before[customer.name] <= now, customer.name


class RecordingBackend(DemoBackend):
    """A demo backend remembering every tenant the world reads or writes."""

    def __init__(self, customers: Sequence[Customer], health: dict[str, tuple[ServiceHealth, ...]]) -> None:
        super().__init__(customers, health, DEMO_NOW)
        self.read: set[str] = set()
        self.written: set[str] = set()

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        self.read.add(customer.tenant_id)
        return await super().tenant_health(customer)

    def replace_services(
        self, tenant_id: str, services: Sequence[ServiceHealth], as_of: datetime | None = None
    ) -> None:
        self.written.add(tenant_id)
        super().replace_services(tenant_id, services, as_of)


async def test_the_health_card_says_as_of_the_moment_the_world_last_moved_that_tenant() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 6)
    moved = {c.tenant_id: tick.at for tick in ticks for change in tick.changes for c in change.customers}
    assert moved, "the script moved someone"
    for customer in await backend.list_customers():
        if not customer.delegated_access:
            continue
        health = await backend.tenant_health(customer)
        shown = visible_text(card_reply(health_card(health, ENGLISH, may_file=True)))
        expected = moved.get(customer.tenant_id, DEMO_NOW)
        assert health.as_of == expected, customer.name
        assert ENGLISH.timestamp(expected) in shown, f"{customer.name}: {shown[:120]}"


async def test_customers_without_delegated_access_are_never_touched() -> None:
    source = demo_backend()
    customers = list(await source.list_customers())
    northwind = (await source.tenant_health(await _customer(source, "Northwind Traders"))).services
    # The advisor customers get health data too, so only the world's own rule keeps it away from them.
    health = {
        c.tenant_id: (await source.tenant_health(c)).services if c.delegated_access else northwind
        for c in customers
    }
    backend = RecordingBackend(customers, health)
    world = DemoWorld(backend, SteppingClock())

    ticks = await _run(world, 9 * len(customers))

    advisors = {c.tenant_id for c in customers if not c.delegated_access}
    assert advisors == {c.tenant_id for c in customers if c.name in ("Tailspin Toys", "Proseware, Inc.")}
    assert backend.written and not advisors & backend.written
    assert not advisors & backend.read
    assert all(c.delegated_access for t in ticks for change in t.changes for c in change.customers)
    # Every delegated customer got its turn, so the rotation did reach past the advisors.
    rotated = {c.tenant_id for t in ticks for change in t.changes for c in change.customers}
    assert rotated == {c.tenant_id for c in customers if c.delegated_access}


async def test_replace_services_changes_what_tenant_health_returns() -> None:
    backend = demo_backend()
    northwind = await _customer(backend, "Northwind Traders")
    services = (await backend.tenant_health(northwind)).services
    backend.replace_services(northwind.tenant_id, services[:2])
    assert (await backend.tenant_health(northwind)).services == services[:2]
    contoso = await _customer(backend, "Contoso Ltd")
    assert len((await backend.tenant_health(contoso)).services) == len(services)


async def test_once_a_cycle_microsoft_posts_a_message_to_the_shared_customers_due_in_three_weeks() -> None:
    backend, world = _fresh()
    ticks = await _run(world, 2 * SCRIPT_LENGTH)
    posting = [t for t in ticks if t.messages]
    assert len(posting) == 2, "one message a cycle"
    first, second = (t.messages[0] for t in posting)
    assert first != second, "each cycle's message has a new id"
    found = await find_message(backend, first)
    assert [c.name for c in (found.customer, *found.also_for)] == sorted(SHARED)
    assert found.message.is_major_change and found.message.act_by == posting[0].at + MESSAGE_ACT_WITHIN
    assert found.message.last_modified == posting[0].at
    due = {d.message.message_id for d in (await due_changes(backend, posting[1].at)).rows}
    assert {first, second} <= due, "both are due within 30 days of the second"
