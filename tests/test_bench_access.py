"""`make bench`'s cold access lookup measures what it says: the directory bench/access_world.py puts in the
Graph double holds 50 relationships of two assignments each and a person in 200 groups, the real
GraphDirectory and MSAL read it over loopback https, the person is granted every customer of it (the
demo's delegated ones among them), and each lookup after the bench forgets the cache asks Graph again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.access_cold import ForgettingAccess, live_config
from bench.access_world import (
    APP_ROLES,
    CLIENT_ID,
    CLIENT_SECRET,
    GROUPS,
    PERSON,
    RELATIONSHIPS,
    cold_directory,
    demo_tenants,
    partner_tenant,
)
from services.backends.live.backend import LiveBackend
from services.domain.access import SERVICE_SUPPORT_ADMINISTRATOR
from tests.doubles.entra import FakeEntra
from tests.doubles.graph import FakeGraph
from tests.doubles.live_world import start_servers
from tests.doubles.tls import LoopbackCA


async def test_the_cold_lookup_reads_50_relationships_and_200_groups_and_grants_each_customer(
    aiohttp_server: Any, test_ca: LoopbackCA, tmp_path: Path
) -> None:
    partner, delegated = partner_tenant(), demo_tenants()
    entra = FakeEntra(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    entra.app_roles[partner] = list(APP_ROLES)
    graph = FakeGraph(health={}, page_size=1000)
    cold_directory(graph, partner, delegated)
    await start_servers(aiohttp_server, test_ca, entra, graph)
    assert len(graph.relationships) == RELATIONSHIPS == 50
    assert {len(a) for a in graph.assignments.values()} == {2}
    assert len(graph.member_of[PERSON]) == GROUPS == 200

    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "partner_tenant_id": partner,
        "authority_host": entra.base_url,
        "graph": graph.base_url,
        "ca_bundle": str(test_ca.bundle),
    }
    backend = LiveBackend(live_config(config, tmp_path))
    now = datetime.now(UTC)
    people = ForgettingAccess(backend.directory, lambda: now, 300)
    try:
        access = await people.person(PERSON)
        assert sum(graph.directory_calls.values()) == 1 + RELATIONSHIPS + 1  # one page each
        await people.person(PERSON)
        assert sum(graph.directory_calls.values()) == 1 + RELATIONSHIPS + 1  # warm: Graph isn't asked
        people.forget()
        await people.person(PERSON)
        assert sum(graph.directory_calls.values()) == 2 * (1 + RELATIONSHIPS + 1)
    finally:
        await backend.close()

    customers = [str(r["customer"]["tenantId"]) for r in graph.relationships]
    assert len(set(customers)) == RELATIONSHIPS and set(delegated) <= set(customers)
    for tenant in customers:
        assert access.roles(tenant, now) == {SERVICE_SUPPORT_ADMINISTRATOR.template_id}, tenant
    # Only the group the person is in grants: the relationships' other assignments don't reach them.
    assert len(access.grants) == RELATIONSHIPS
