"""Entra and Graph on loopback over https for the cold access lookup: the test doubles (tests/doubles),
Graph holding a partner's GDAP of `RELATIONSHIPS` relationships (two access assignments each) and one
person in `GROUPS` groups, every Graph answer `LATENCY_SECONDS` late.

The relationships cover the demo's customers with delegated access (so the bot's turns over the demo
backend find them) and made-up tenants after them; in each, one assignment grants Service Support
Administrator to a group the person is in, the other the same role to a group they aren't in. The
person's other groups are assigned nowhere, as most of a real engineer's groups are.

`GET /_bench/config` (plain http) says where the doubles are; `GET /_bench/stats` how many requests each got.

Run: python -m bench.access_world PORT WORKDIR
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path

from aiohttp import web

from bench.procs import serve_control
from services.backends.demo.backend import DATA_DIR
from services.domain.access import SERVICE_SUPPORT_ADMINISTRATOR
from tests.doubles.entra import FakeEntra
from tests.doubles.graph import GROUP_TYPE, FakeGraph
from tests.doubles.tls import make_test_ca

CLIENT_ID = "c5a4e1f0-0000-4000-8000-0000000000b0"
CLIENT_SECRET = "bench-secret-value"
RELATIONSHIPS = 50
GROUPS = 200
LATENCY_SECONDS = 0.02
# The one person whose access is looked up (the activities' from.aadObjectId).
PERSON = "b3c4d5e6-0000-4000-8000-00000000be0c"
# The app roles of the partner's app in its own tenant: reading GDAP and group memberships.
APP_ROLES = ["DelegatedAdminRelationship.Read.All", "GroupMember.Read.All"]
# Graph's largest pages ($top 300 for GDAP, 999 for memberships): the double pages by $top alone.
PAGE_SIZE = 1000
FAR_END = "2099-01-01T00:00:00Z"


def _id(kind: str, index: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-access-{kind}-{index}"))


def demo_tenants() -> list[str]:
    """The demo customers the partner has delegated access to, in the demo's order."""
    items = json.loads((DATA_DIR / "customers.json").read_text(encoding="utf-8"))["items"]
    return [str(i["companyProfile"]["tenantId"]) for i in items if i.get("allowDelegatedAccess")]


def partner_tenant() -> str:
    return str(json.loads((DATA_DIR / "index.json").read_text(encoding="utf-8"))["partner"]["tenantId"])


def cold_directory(graph: FakeGraph, partner: str, tenants: list[str]) -> None:
    """`RELATIONSHIPS` relationships (`tenants` first, made-up ones after), two assignments each, and
    PERSON directly in `GROUPS` groups, one of each relationship's two among them."""
    role = [{"roleDefinitionId": SERVICE_SUPPORT_ADMINISTRATOR.template_id}]
    customers = [*tenants, *(_id("tenant", i) for i in range(RELATIONSHIPS))][:RELATIONSHIPS]
    graph.partner_tenant_id = partner
    graph.relationships, graph.assignments = [], {}
    for index, tenant in enumerate(customers):
        relationship = _id("relationship", index)
        graph.relationships.append(
            {
                "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
                "id": relationship,
                "displayName": f"Bench relationship {index}",
                "customer": {"tenantId": tenant, "displayName": f"Customer {index}"},
                "accessDetails": {"unifiedRoles": role},
                "status": "active",
                "endDateTime": FAR_END,
            }
        )
        graph.assignments[relationship] = [
            {
                "id": _id(f"assignment-{group}", index),
                "status": "active",
                "accessContainer": {
                    "accessContainerId": _id(group, index),
                    "accessContainerType": "securityGroup",
                },
                "accessDetails": {"unifiedRoles": role},
            }
            for group in ("member-group", "other-group")
        ]
    groups = [_id("member-group", i) for i in range(RELATIONSHIPS)]
    groups += [_id("unassigned-group", i) for i in range(GROUPS - RELATIONSHIPS)]
    graph.member_of = {PERSON: [{"@odata.type": GROUP_TYPE, "id": g} for g in groups]}


async def serve(port: int, workdir: Path) -> None:
    partner = partner_tenant()
    ca = make_test_ca(workdir)
    entra = FakeEntra(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    entra.app_roles[partner] = list(APP_ROLES)
    graph = FakeGraph(health={}, page_size=PAGE_SIZE, latency=LATENCY_SECONDS)
    cold_directory(graph, partner, demo_tenants())
    for fake in (entra, graph):
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ca.server_context())
        await site.start()
        fake.base_url = f"https://127.0.0.1:{runner.addresses[0][1]}"

    async def config(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "partner_tenant_id": partner,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authority_host": entra.base_url,
                "graph": graph.base_url,
                "ca_bundle": str(ca.bundle),
                "person": PERSON,
                "relationships": len(graph.relationships),
                "assignments": sum(len(a) for a in graph.assignments.values()),
                "groups": len(graph.member_of[PERSON]),
                "latency_ms": round(LATENCY_SECONDS * 1000),
            }
        )

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "graph": sum(graph.directory_calls.values()),
                "graph_by_route": dict(graph.directory_calls),
                "entra": len(entra.token_requests) + len(entra.discovery_requests),
            }
        )

    await serve_control(port, config, stats)


def main() -> None:
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))


if __name__ == "__main__":
    main()
