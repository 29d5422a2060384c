"""Who reaches which customer under BOT_ACCESS=gdap: GdapAccess over the live directory (real MSAL against
the Entra double, real HTTP to the Graph double serving the demo partner's GDAP in Graph's shapes, pages
of 4), and over the demo directory reading the same data from files."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from services.access.people import AccessMode, EveryoneAccess, GdapAccess, open_people_access
from services.backends.demo.backend import DemoBackend
from services.backends.demo.gdap import DemoDirectory
from services.domain.access import GLOBAL_READER, SERVICE_SUPPORT_ADMINISTRATOR, Need, PersonAccess
from services.domain.errors import AccessUnavailable
from tests.doubles.faults import Fault
from tests.doubles.graph import ASSIGNMENTS, MEMBERSHIPS, RELATIONSHIPS
from tests.doubles.live_world import LiveWorld
from tests.support.harness import DEMO_NOW

ANA = "a1b2c3d4-0000-4000-8000-000000000001"
BEN = "a1b2c3d4-0000-4000-8000-000000000002"
CHLOE = "a1b2c3d4-0000-4000-8000-000000000003"
DEV = "a1b2c3d4-0000-4000-8000-000000000004"
TTL = 300.0
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"

# Every customer with delegated access except the three whose relationship doesn't grant: Woodgrove's
# ended an hour ago (still "active": Graph flips it later), Litware's was terminated, Alpine Ski House's
# awaits the customer's approval.
ALL_ACTIVE = {
    "Contoso Ltd",
    "Fabrikam, Inc.",
    "Fabrikam Residences",
    "Northwind Traders",
    "Adventure Works Cycles",
    "Wide World Importers",
    "Coho Winery",
    "Lamna Healthcare Company",
    "Margie's Travel",
    "Trey Research",
    "Relecloud",
    "Humongous Insurance",
    "Fourth Coffee",
    "Graphic Design Institute",
    "Blue Yonder Airlines",
    "한빛 물류 (Hanbit Logistics)",
    "서울 디자인 스튜디오 (Seoul Design Studio)",
    "Contoso Pharmaceuticals",
    "VanArsdel, Ltd.",
}
# Support Tier 1 holds Service Support Administrator on the first eleven delegated customers.
TIER_1 = {
    "Contoso Ltd",
    "Fabrikam, Inc.",
    "Fabrikam Residences",
    "Northwind Traders",
    "Adventure Works Cycles",
    "Wide World Importers",
    "Coho Winery",
    "Lamna Healthcare Company",
}
# Readers hold Global Reader on eight (Woodgrove's ended; Fabrikam Residences' assignment was deleted and
# Coho Winery's is pending, so neither counts).
READERS = {
    "Contoso Ltd",
    "Fabrikam, Inc.",
    "Northwind Traders",
    "Adventure Works Cycles",
    "Trey Research",
    "한빛 물류 (Hanbit Logistics)",
    "서울 디자인 스튜디오 (Seoul Design Studio)",
}
EXPECTED = {ANA: ALL_ACTIVE, BEN: TIER_1, CHLOE: READERS, DEV: set()}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _seen(access: PersonAccess, tenants: dict[str, str], now: datetime) -> set[str]:
    return {name for tenant, name in tenants.items() if access.sees(tenant, now)}


async def _tenants(demo: DemoBackend) -> dict[str, str]:
    return {c.tenant_id: c.name for c in await demo.list_customers()}


def _loads(world: LiveWorld, route: str) -> int:
    return sum(
        1 for r in world.graph.directory_requests if r.path.endswith(route) and "$skiptoken" not in r.query
    )


def _active(world: LiveWorld) -> int:
    """Relationships Graph lists under `status eq 'active'`: each one's assignments are read."""
    return sum(1 for r in world.graph.relationships if r["status"] == "active")


@pytest.fixture
def clock() -> Clock:
    return Clock(DEMO_NOW)


@pytest.fixture
def people(live_world: LiveWorld, clock: Clock) -> GdapAccess:
    return GdapAccess(live_world.backend.directory, clock, TTL)


@pytest.mark.parametrize("who", [ANA, BEN, CHLOE, DEV])
async def test_each_person_sees_the_customers_their_groups_were_granted(
    people: GdapAccess, demo: DemoBackend, who: str
) -> None:
    access = await people.person(who)
    assert _seen(access, await _tenants(demo), DEMO_NOW) == EXPECTED[who]
    assert not access.everything


async def test_two_people_get_different_roles_for_the_same_customer(
    people: GdapAccess, demo: DemoBackend
) -> None:
    tenants = {name: tenant for tenant, name in (await _tenants(demo)).items()}
    contoso, northwind = tenants["Contoso Ltd"], tenants["Northwind Traders"]
    ana, ben, chloe = [await people.person(p) for p in (ANA, BEN, CHLOE)]
    # Ana's two Contoso relationships add up; Chloe may read but not file.
    assert ana.roles(contoso, DEMO_NOW) == {
        SERVICE_SUPPORT_ADMINISTRATOR.template_id,
        EXCHANGE_ADMINISTRATOR,
    }
    assert chloe.roles(contoso, DEMO_NOW) == {GLOBAL_READER.template_id}
    assert chloe.may(contoso, Need.SEE, DEMO_NOW) and not chloe.may(contoso, Need.FILE, DEMO_NOW)
    # Tier 1's Northwind assignment names Global Administrator, which the relationship never granted.
    assert ben.roles(northwind, DEMO_NOW) == {SERVICE_SUPPORT_ADMINISTRATOR.template_id}


async def test_a_relationship_that_ended_an_hour_ago_grants_nothing(
    people: GdapAccess, demo: DemoBackend
) -> None:
    tenants = {name: tenant for tenant, name in (await _tenants(demo)).items()}
    woodgrove = tenants["Woodgrove Bank"]
    for who in (ANA, CHLOE):  # Tier 2 and Readers are both assigned in it
        access = await people.person(who)
        assert woodgrove not in {grant.tenant_id for grant in access.grants}
        assert access.roles(woodgrove, DEMO_NOW) == frozenset()
        assert not access.sees(woodgrove, DEMO_NOW)


async def test_a_grant_stops_when_its_relationship_ends_while_cached(
    people: GdapAccess, clock: Clock, demo: DemoBackend
) -> None:
    tenants = {name: tenant for tenant, name in (await _tenants(demo)).items()}
    contoso_messaging_end = DEMO_NOW.replace(year=2027, month=3, day=4, hour=8, minute=10)
    clock.now = contoso_messaging_end - timedelta(seconds=30)
    before = await people.person(ANA)
    assert EXCHANGE_ADMINISTRATOR in before.roles(tenants["Contoso Ltd"], clock.now)
    clock.now = contoso_messaging_end + timedelta(seconds=1)
    after = await people.person(ANA)
    assert after.roles(tenants["Contoso Ltd"], clock.now) == {SERVICE_SUPPORT_ADMINISTRATOR.template_id}
    assert EXCHANGE_ADMINISTRATOR not in before.roles(tenants["Contoso Ltd"], clock.now)


async def test_groups_count_through_nesting(people: GdapAccess, live_world: LiveWorld) -> None:
    """Ben is in Desk EU only; Desk EU is in Support Tier 1, which holds the assignments."""
    assert [g["id"] for g in live_world.graph.member_of[BEN]] == ["7f1c2a00-0000-4000-8000-0000000000a4"]
    assert (await people.person(BEN)).grants


async def test_groups_are_read_with_the_advanced_query_graph_requires(
    people: GdapAccess, live_world: LiveWorld
) -> None:
    await people.person(BEN)
    (request,) = [r for r in live_world.graph.directory_requests if r.path.endswith("/microsoft.graph.group")]
    assert request.path.endswith(f"/users/{BEN}/transitiveMemberOf/microsoft.graph.group")
    assert request.headers["ConsistencyLevel"] == "eventual"
    assert request.query["$count"] == "true" and request.query["$top"] == "999"


async def test_every_page_of_relationships_and_assignments_is_read(
    people: GdapAccess, live_world: LiveWorld, demo: DemoBackend
) -> None:
    await people.person(ANA)
    relationships = [r for r in live_world.graph.directory_requests if r.path == RELATIONSHIPS]
    assert len(relationships) == 6, "21 active relationships in pages of 4"
    assert (
        relationships[0].query["$filter"] == "status eq 'active'" and relationships[0].query["$top"] == "300"
    )
    assert all(r.query["$skiptoken"] for r in relationships[1:])
    assert _loads(live_world, "/accessAssignments") == _active(live_world)


async def test_ten_cold_lookups_of_one_person_read_graph_once(
    people: GdapAccess, live_world: LiveWorld, demo: DemoBackend
) -> None:
    live_world.graph.latency = 0.05
    answers = await asyncio.gather(*(people.person(BEN) for _ in range(10)))
    assert {frozenset(a.grants) for a in answers} == {frozenset(answers[0].grants)}
    assert live_world.graph.directory_calls["transitiveMemberOf"] == 1
    assert _loads(live_world, RELATIONSHIPS) == 1
    assert _loads(live_world, "/accessAssignments") == _active(live_world)


async def test_lookups_are_cached_for_the_ttl_and_read_again_after_it(
    people: GdapAccess, live_world: LiveWorld, clock: Clock
) -> None:
    graph = live_world.graph
    await people.person(ANA)
    clock.now += timedelta(seconds=TTL - 1)
    await people.person(ANA)
    assert (graph.directory_calls["transitiveMemberOf"], _loads(live_world, RELATIONSHIPS)) == (1, 1)
    clock.now += timedelta(seconds=2)
    await people.person(ANA)
    assert (graph.directory_calls["transitiveMemberOf"], _loads(live_world, RELATIONSHIPS)) == (2, 2)


async def test_a_clock_set_back_reads_again_rather_than_keep_a_lookup_longer(
    people: GdapAccess, live_world: LiveWorld, clock: Clock
) -> None:
    await people.person(ANA)
    clock.now -= timedelta(hours=1)
    await people.person(ANA)
    assert live_world.graph.directory_calls["transitiveMemberOf"] == 2


async def test_a_group_removed_in_the_directory_stops_granting_after_the_ttl(
    people: GdapAccess, live_world: LiveWorld, clock: Clock
) -> None:
    assert (await people.person(CHLOE)).grants
    live_world.graph.member_of[CHLOE] = []
    clock.now += timedelta(seconds=TTL + 1)
    assert (await people.person(CHLOE)).grants == ()


def _throttled(world: LiveWorld, path: str) -> None:
    world.graph.throttle(times=1000, retry_after=0, path=path)


def _failing(world: LiveWorld, path: str) -> None:
    world.graph.fail(503, times=1000, path=path)


def _hanging(world: LiveWorld, path: str) -> None:
    world.graph.fail(200, times=1000, hang=0.8, path=path)


def _unreadable(world: LiveWorld, path: str) -> None:
    """A proxy's HTML page with a 200: not Graph's answer, never an empty one."""
    page = "<html><body>Service temporarily unavailable</body></html>"
    world.graph.faults.add(Fault(200, None, {}, path, 1000, text=page, content_type="text/html"))


@pytest.mark.parametrize(
    "fault", [_throttled, _failing, _hanging, _unreadable], ids=["429", "503", "hang", "unreadable"]
)
@pytest.mark.parametrize(
    "path", [f"{RELATIONSHIPS}?", ASSIGNMENTS, MEMBERSHIPS], ids=["relationships", "assignments", "groups"]
)
async def test_graph_failing_refuses_and_never_serves_an_expired_cache(
    people: GdapAccess,
    live_world: LiveWorld,
    clock: Clock,
    fault: Callable[[LiveWorld, str], None],
    path: str,
) -> None:
    assert (await people.person(ANA)).grants
    clock.now += timedelta(seconds=TTL + 1)
    fault(live_world, path)
    with pytest.raises(AccessUnavailable):
        await people.person(ANA)
    with pytest.raises(AccessUnavailable):
        await people.person(BEN)  # and cold


async def test_a_map_read_only_in_part_is_not_kept(
    people: GdapAccess, live_world: LiveWorld, demo: DemoBackend
) -> None:
    """One relationship's assignments throttled beyond the retries: the whole lookup refuses, and the next
    one reads everything again rather than the part that came back."""
    contoso = next(
        r["id"] for r in live_world.graph.relationships if r["customer"]["displayName"] == "Contoso Ltd"
    )
    live_world.graph.throttle(times=3, retry_after=0, path=f"{contoso}/accessAssignments")
    with pytest.raises(AccessUnavailable):
        await people.person(ANA)
    relationships_read = _loads(live_world, RELATIONSHIPS)
    access = await people.person(ANA)
    assert _loads(live_world, RELATIONSHIPS) == relationships_read + 1
    assert _seen(access, await _tenants(demo), DEMO_NOW) == ALL_ACTIVE


async def test_without_the_permission_access_is_refused(people: GdapAccess, live_world: LiveWorld) -> None:
    live_world.entra.app_roles[live_world.partner_tenant_id] = ["ServiceHealth.Read.All"]
    with pytest.raises(AccessUnavailable):
        await people.person(ANA)


async def test_someone_the_directory_doesnt_know_sees_nothing(people: GdapAccess) -> None:
    assert (await people.person("0b0b0b0b-0000-4000-8000-00000000dead")).grants == ()
    assert (await people.person("")).grants == ()


@pytest.mark.parametrize("shift_days", [0, 3])
async def test_the_demo_directory_gives_the_demo_people_their_customers(
    demo: DemoBackend, shift_days: int
) -> None:
    now = DEMO_NOW + timedelta(days=shift_days, minutes=7)
    people = GdapAccess(DemoDirectory.load(now=lambda: now), lambda: now, TTL)
    tenants = await _tenants(demo)
    for who, expected in EXPECTED.items():
        assert _seen(await people.person(who), tenants, now) == expected, who


async def test_everyone_sees_everything_and_the_mode_chooses() -> None:
    directory = DemoDirectory.load(now=lambda: DEMO_NOW)
    everyone = open_people_access(AccessMode.EVERYONE, directory, lambda: DEMO_NOW, TTL)
    assert isinstance(everyone, EveryoneAccess)
    assert (await everyone.person(DEV)).sees("any tenant", DEMO_NOW)
    gdap = open_people_access(AccessMode.GDAP, directory, lambda: DEMO_NOW, TTL)
    assert isinstance(gdap, GdapAccess)
    assert not (await gdap.person(DEV)).sees("aed00557-b713-5772-a4ff-9dabe7d2eb7b", DEMO_NOW)
