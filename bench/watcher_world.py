"""Entra, Partner Center, Graph and Azure Resource Manager on loopback over https, for the watcher
measurement: the test doubles (tests/doubles), serving `count` customers. Each tenant's health is a copy
of one of the demo tenants', and its message center one of the demo's message lists (every tenant has
messages, as every tenant has in Microsoft 365). One customer in three has Azure subscriptions
(AZURE_SUBSCRIPTIONS), one in four of those two, each serving one of the demo subscriptions' events in
ARM's shape (`Microsoft.ResourceHealth/events`). Messages and events are moved to now, as the demo does.

`GET /_bench/config` (plain http) says where they are and which subscriptions each customer has;
`GET /_bench/stats` how many requests each double logged, by endpoint and by tenant.

Run: python -m bench.watcher_world PORT COUNT WORKDIR
"""

from __future__ import annotations

import asyncio
import copy
import json
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from bench.procs import serve_control
from services.backends.demo.backend import DATA_DIR, demo_shift, shift_times
from tests.doubles.azure_support import FakeAzureSupport
from tests.doubles.entra import FakeEntra
from tests.doubles.graph import FakeGraph
from tests.doubles.partner_center import FakePartnerCenter
from tests.doubles.tls import make_test_ca

CLIENT_ID = "c5a4e1f0-0000-4000-8000-0000000000b0"
CLIENT_SECRET = "bench-secret-value"
# Every third customer has Azure subscriptions; every fourth of those (every twelfth customer) two.
AZURE_EVERY = 3
TWO_SUBSCRIPTIONS_EVERY = 12
# ARM's events list, like Graph's collections, in pages: large enough that a subscription is one page.
EVENTS_PAGE_SIZE = 50
# The watcher's requests as /_bench/stats names them: the Graph double's routes, then ARM's events.
GRAPH_HEALTH_ROUTES = ("healthOverviews", "issues")
GRAPH_MESSAGES_ROUTE = "messages"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class BenchWorld:
    partner: str
    customers: list[dict[str, Any]]
    # By tenant id: healthOverviews?$expand=issues, and the message center (serviceUpdateMessage).
    health: dict[str, dict[str, Any]]
    messages: dict[str, dict[str, Any]]
    # By tenant id: its subscriptions; by subscription: its Microsoft.ResourceHealth/events items.
    subscriptions: dict[str, list[str]] = field(default_factory=dict)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _demo_events(shift: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each demo subscription's id and events, moved to now."""
    found = []
    for path in sorted((DATA_DIR / "azure").glob("*/*.json")):
        found.append((path.stem, list(shift_times(_read(path), shift).get("value") or [])))
    return found


def world(count: int) -> BenchWorld:
    """The partner's tenant and `count` customers (all with delegated access), with what each serves."""
    partner = str(_read(DATA_DIR / "index.json")["partner"]["tenantId"])
    _, shift = demo_shift(DATA_DIR)
    demo = _read(DATA_DIR / "customers.json")["items"]
    demo_health = {path.stem: _read(path) for path in sorted((DATA_DIR / "health").glob("*.json"))}
    demo_messages = [
        shift_times(_read(path), shift) for path in sorted((DATA_DIR / "messages").glob("*.json"))
    ]
    demo_events = _demo_events(shift)
    healthy = [item for item in demo if item["companyProfile"]["tenantId"] in demo_health]
    built = BenchWorld(partner, [], {}, {})
    for index in range(count):
        model = healthy[index % len(healthy)]
        tenant = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-tenant-{index}"))
        item = copy.deepcopy(model)
        item["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-customer-{index}"))
        item["companyProfile"]["tenantId"] = tenant
        item["companyProfile"]["companyName"] = f"{model['companyProfile']['companyName']} {index}"
        item["companyProfile"]["domain"] = f"bench{index}.onmicrosoft.com"
        item["allowDelegatedAccess"] = True
        built.customers.append(item)
        built.health[tenant] = demo_health[model["companyProfile"]["tenantId"]]
        built.messages[tenant] = demo_messages[index % len(demo_messages)]
        if index % AZURE_EVERY:
            continue
        several = 2 if index % TWO_SUBSCRIPTIONS_EVERY == 0 else 1
        for number in range(several):
            subscription = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-subscription-{index}-{number}"))
            demo_subscription, events = demo_events[(index // AZURE_EVERY + number) % len(demo_events)]
            # The events name the subscription they reach (impactedSubscriptions): this one.
            text = json.dumps(events).replace(demo_subscription, subscription)
            built.subscriptions.setdefault(tenant, []).append(subscription)
            built.events[subscription] = json.loads(text)
    return built


class Double(Protocol):
    base_url: str

    def app(self) -> web.Application: ...


@dataclass
class WorldDoubles:
    """The doubles serving a BenchWorld, and what they logged, in the words of the watcher's endpoints."""

    world: BenchWorld
    entra: FakeEntra
    partner_center: FakePartnerCenter
    graph: FakeGraph
    azure: FakeAzureSupport

    @classmethod
    def of(cls, built: BenchWorld) -> WorldDoubles:
        return cls(
            built,
            FakeEntra(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
            FakePartnerCenter(partner_tenant_id=built.partner, customers=built.customers),
            FakeGraph(health=built.health, messages=built.messages),
            FakeAzureSupport(events=built.events, events_page_size=EVENTS_PAGE_SIZE),
        )

    @property
    def all(self) -> tuple[Double, ...]:
        return self.entra, self.partner_center, self.graph, self.azure

    def config(self, ca_bundle: Path) -> dict[str, Any]:
        return {
            "partner_tenant_id": self.world.partner,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "authority_host": self.entra.base_url,
            "partner_center": self.partner_center.base_url,
            "graph": self.graph.base_url,
            "management": self.azure.base_url,
            "ca_bundle": str(ca_bundle),
            "customers": len(self.world.customers),
            "subscriptions": self.world.subscriptions,
        }

    def _token_resource(self, scope: str) -> str:
        resources = {s.removesuffix("/.default") for s in scope.split() if s.endswith("/.default")}
        for name, fake in (
            ("graph", self.graph),
            ("arm", self.azure),
            ("partner_center", self.partner_center),
        ):
            if fake.base_url in resources:
                return name
        return "other"

    def stats(self) -> dict[str, Any]:
        """Each double's own log: Graph's requests by route and by tenant (all of them take from the
        tenant's Graph budget), ARM's events requests by subscription's tenant, Entra's token requests
        by the resource asked for."""
        by_route: Counter[str] = Counter()
        for (_, route), n in self.graph.routes.items():
            by_route[route] += n
        owner = {s: tenant for tenant, subs in self.world.subscriptions.items() for s in subs}
        arm_by_tenant: Counter[str] = Counter()
        for subscription, n in self.azure.event_requests.items():
            arm_by_tenant[owner.get(subscription, "")] += n
        tokens = Counter(self._token_resource(r.scope) for r in self.entra.token_requests)
        return {
            "graph": sum(self.graph.calls.values()),
            "graph_by_route": dict(by_route),
            "graph_by_tenant": dict(self.graph.calls),
            "arm_events": sum(self.azure.event_requests.values()),
            "arm_events_by_tenant": dict(arm_by_tenant),
            "tokens_by_resource": dict(tokens),
            "partner_center": len(self.partner_center.seen),
            "entra": len(self.entra.token_requests) + len(self.entra.discovery_requests),
        }


async def serve(port: int, count: int, workdir: Path) -> None:
    doubles = WorldDoubles.of(world(count))
    ca = make_test_ca(workdir)
    for fake in doubles.all:
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ca.server_context())
        await site.start()
        bound = runner.addresses[0][1]
        fake.base_url = f"https://127.0.0.1:{bound}"

    async def config(_: web.Request) -> web.Response:
        return web.json_response(doubles.config(ca.bundle))

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(doubles.stats())

    await serve_control(port, config, stats)


def main() -> None:
    asyncio.run(serve(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])))


if __name__ == "__main__":
    main()
