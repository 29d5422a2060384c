"""Entra, Partner Center and Graph on loopback over https, for the watcher measurement: the test doubles
(tests/doubles), serving `count` customers, each tenant's health a copy of one of the demo tenants'.

`GET /_bench/config` (plain http) says where they are; `GET /_bench/stats` how many requests each got.

Run: python -m bench.watcher_world PORT COUNT WORKDIR
"""

from __future__ import annotations

import asyncio
import copy
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.procs import serve_control
from services.backends.demo.backend import DATA_DIR
from tests.doubles.entra import FakeEntra
from tests.doubles.graph import FakeGraph
from tests.doubles.partner_center import FakePartnerCenter
from tests.doubles.tls import make_test_ca

CLIENT_ID = "c5a4e1f0-0000-4000-8000-0000000000b0"
CLIENT_SECRET = "bench-secret-value"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def world(count: int) -> tuple[str, list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The partner's tenant, `count` customers (all with delegated access), and each one's health."""
    partner = str(_read(DATA_DIR / "index.json")["partner"]["tenantId"])
    demo = _read(DATA_DIR / "customers.json")["items"]
    demo_health = {path.stem: _read(path) for path in sorted((DATA_DIR / "health").glob("*.json"))}
    healthy = [item for item in demo if item["companyProfile"]["tenantId"] in demo_health]
    customers, health = [], {}
    for index in range(count):
        model = healthy[index % len(healthy)]
        tenant = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-tenant-{index}"))
        item = copy.deepcopy(model)
        item["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-customer-{index}"))
        item["companyProfile"]["tenantId"] = tenant
        item["companyProfile"]["companyName"] = f"{model['companyProfile']['companyName']} {index}"
        item["companyProfile"]["domain"] = f"bench{index}.onmicrosoft.com"
        item["allowDelegatedAccess"] = True
        customers.append(item)
        health[tenant] = demo_health[model["companyProfile"]["tenantId"]]
    return partner, customers, health


async def serve(port: int, count: int, workdir: Path) -> None:
    partner, customers, health = world(count)
    ca = make_test_ca(workdir)
    entra = FakeEntra(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    partner_center = FakePartnerCenter(partner_tenant_id=partner, customers=customers)
    graph = FakeGraph(health=health)
    runners = []
    for fake in (entra, partner_center, graph):
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ca.server_context())
        await site.start()
        bound = runner.addresses[0][1]
        fake.base_url = f"https://127.0.0.1:{bound}"
        runners.append(runner)

    async def config(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "partner_tenant_id": partner,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "authority_host": entra.base_url,
                "partner_center": partner_center.base_url,
                "graph": graph.base_url,
                "ca_bundle": str(ca.bundle),
                "customers": count,
            }
        )

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(
            {
                "graph": sum(graph.calls.values()),
                "partner_center": len(partner_center.seen),
                "entra": len(entra.token_requests) + len(entra.discovery_requests),
            }
        )

    await serve_control(port, config, stats)


def main() -> None:
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))


if __name__ == "__main__":
    main()
