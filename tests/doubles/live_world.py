"""Partner Center, Graph and Entra doubles on loopback over https, serving the demo dataset, and the live
backend wired to them with real MSAL and aiohttp: the same customers, health and message center the demo
backend shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from services.backends.demo.backend import DATA_DIR
from services.backends.live.backend import LiveBackend
from services.backends.live.config import Credential, CredentialKind, Endpoints, Limits, LiveConfig
from tests.doubles.azure_support import FakeAzureSupport
from tests.doubles.entra import SERVICE_HEALTH_ROLE, FakeEntra, unsigned_jwt
from tests.doubles.graph import FakeGraph
from tests.doubles.partner_center import FakePartnerCenter
from tests.doubles.tls import LoopbackCA
from tests.support.harness import DEMO_NOW

CLIENT_ID = "c5a4e1f0-0000-4000-8000-0000000000b0"
CLIENT_SECRET = "test-secret-value"
# Northwind Traders' tenant and the Azure subscription its tickets are filed in.
NORTHWIND_TENANT = "0327d693-2166-5cf7-9b76-c3da9fc6e842"
NORTHWIND_SUBSCRIPTION = "132d901f-189d-4381-9214-fe68e27e05a1"
# Short enough that every failure path costs milliseconds. Connecting is never a failure path here (a
# closed port refuses at once): its bound is production's, as a full run's dozens of TLS handshakes with
# the doubles on one loaded event loop once took over a second (CI-like load, a watcher test's 12 tenants).
TEST_LIMITS = Limits(
    connect_timeout_seconds=5.0,
    read_timeout_seconds=0.5,
    retry_total_seconds=2.0,
    retry_first_wait_seconds=0.01,
    retry_max_wait_seconds=0.05,
    max_attempts=3,
    breaker_failures=3,
    breaker_cooldown_seconds=60.0,
)


# The partner app's application permissions in its own tenant: service health, and reading GDAP.
PARTNER_APP_ROLES = [SERVICE_HEALTH_ROLE, "DelegatedAdminRelationship.Read.All", "GroupMember.Read.All"]
# Desk EU is a member of Support Tier 1: Ben, in Desk EU, is in Tier 1 only transitively.
DESK_EU = "7f1c2a00-0000-4000-8000-0000000000a4"
TIER_1 = "7f1c2a00-0000-4000-8000-0000000000a1"
NESTED_GROUPS = {DESK_EU: [TIER_1]}


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def gdap_directory(graph: FakeGraph, partner_tenant_id: str, data_dir: Path = DATA_DIR) -> None:
    """The demo partner's GDAP in the Graph double (the demo asOf is the tests' now, so no shift): its
    relationships and assignments as shipped, and direct memberships whose closure is the shipped
    `transitiveMemberOf` pages (people in their direct groups, Desk EU in Tier 1)."""
    gdap = data_dir / "gdap"
    graph.partner_tenant_id = partner_tenant_id
    graph.relationships = _read(gdap / "delegatedAdminRelationships.json")["value"]
    graph.assignments = {p.stem: _read(p)["value"] for p in (gdap / "accessAssignments").glob("*.json")}
    nested = {parent for parents in NESTED_GROUPS.values() for parent in parents}
    for path in (gdap / "transitiveMemberOf").glob("*.json"):
        graph.member_of[path.stem] = [i for i in _read(path)["value"] if i["id"] not in nested]
    for group, parents in NESTED_GROUPS.items():
        graph.member_of[group] = [{"@odata.type": "#microsoft.graph.group", "id": p} for p in parents]


def azure_subscription_lists(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, ...]]:
    """The demo's Azure subscriptions (`azure/<tenantId>/<subscriptionId>.json`), by tenant: what
    AZURE_SUBSCRIPTIONS would name for them."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted((data_dir / "azure").glob("*/*.json")):
        found[path.parent.name] = (*found.get(path.parent.name, ()), path.stem)
    return found


def azure_events(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, Any]]]:
    """Each demo subscription's events in ARM's shape, for the Azure double (no shift: see above)."""
    return {path.stem: _read(path)["value"] for path in (data_dir / "azure").glob("*/*.json")}


class AppUserTokens:
    """The consented partner admin's App+User tokens (what `make consent` gives under GDAP), minted without
    the sign-in: Partner Center's service-request endpoints refuse app-only tokens."""

    async def bearer(self, tenant_id: str, scope: str) -> str:
        audience = scope.removesuffix("/.default")
        return "Bearer " + unsigned_jwt({"aud": audience, "tid": tenant_id, "scp": "user_impersonation"})


@dataclass
class LiveWorld:
    entra: FakeEntra
    partner_center: FakePartnerCenter
    graph: FakeGraph
    azure_support: FakeAzureSupport
    config: LiveConfig
    backend: LiveBackend
    partner_tenant_id: str

    def backend_with(self, **changes: Any) -> LiveBackend:
        """Another live backend on the same doubles (the caller closes it)."""
        return LiveBackend(
            replace(self.config, **changes), service_request_tokens=AppUserTokens(), clock=lambda: DEMO_NOW
        )


async def start_servers(aiohttp_server: Any, ca: LoopbackCA, *apps: Any) -> None:
    for fake in apps:
        server = await aiohttp_server(fake.app(), ssl=ca.server_context())
        fake.base_url = str(server.make_url("")).rstrip("/")


async def start_live_world(aiohttp_server: Any, ca: LoopbackCA, limits: Limits = TEST_LIMITS) -> LiveWorld:
    index = _read(DATA_DIR / "index.json")
    partner = str(index["partner"]["tenantId"])
    customers = _read(DATA_DIR / "customers.json")["items"]
    health = {path.stem: _read(path) for path in (DATA_DIR / "health").glob("*.json")}
    messages = {path.stem: _read(path) for path in (DATA_DIR / "messages").glob("*.json")}
    entra = FakeEntra(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    partner_center = FakePartnerCenter(partner_tenant_id=partner, customers=customers)
    # Small pages, so every conversation also exercises @odata.nextLink paging.
    graph = FakeGraph(health=health, messages=messages, page_size=4)
    gdap_directory(graph, partner)
    entra.app_roles[partner] = list(PARTNER_APP_ROLES)
    azure_support = FakeAzureSupport(events=azure_events())
    await start_servers(aiohttp_server, ca, entra, partner_center, graph, azure_support)
    config = LiveConfig(
        client_id=CLIENT_ID,
        partner_tenant_id=partner,
        credential=Credential(CredentialKind.SECRET, secret=CLIENT_SECRET),
        endpoints=Endpoints(
            authority_host=entra.base_url,
            partner_center=partner_center.base_url,
            graph=graph.base_url,
            management=azure_support.base_url,
        ),
        ca_bundle=ca.bundle,
        limits=limits,
        azure_subscriptions={NORTHWIND_TENANT: NORTHWIND_SUBSCRIPTION},
        azure_subscription_lists=azure_subscription_lists(),
        azure_support_services=("vm-linux", "STORAGE"),
    )
    backend = LiveBackend(config, service_request_tokens=AppUserTokens(), clock=lambda: DEMO_NOW)
    return LiveWorld(entra, partner_center, graph, azure_support, config, backend, partner)
