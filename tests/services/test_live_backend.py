"""The live backend against the https doubles: the same answers as the demo, and every failure path."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest
from yarl import URL

from services.backends.demo.backend import DemoBackend
from services.backends.live.backend import LIST_CUSTOMERS, domain_error
from services.backends.live.config import Credential, CredentialKind, CustomerAccess
from services.backends.live.upstream import UpstreamError
from services.domain.errors import (
    ConsentMissing,
    DelegatedAccessMissing,
    HealthAccessDenied,
    PartnerSignInFailed,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from services.domain.models import Customer, TenantHealth
from tests.doubles.live_world import LiveWorld

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


async def _customer(world: LiveWorld, name: str) -> Customer:
    return next(c for c in await world.backend.list_customers() if c.name.startswith(name))


async def test_customers_are_the_demo_customers_read_page_by_page(
    live_world: LiveWorld, demo: DemoBackend
) -> None:
    assert list(await live_world.backend.list_customers()) == list(await demo.list_customers())
    pages = live_world.partner_center.seen
    assert len(pages) == 1 + 24 // 40, "asked for pages of 40"
    assert "size=40" in pages[0].path_qs


async def test_continuation_pages_send_the_token_a_new_request_id_and_one_correlation_id(
    live_world: LiveWorld,
) -> None:
    customers = await live_world.backend.partner_center.list_customers(page_size=10)
    assert len(customers) == 24
    pages = live_world.partner_center.seen
    assert len(pages) == 3
    assert pages[0].continuation == "" and all(p.continuation for p in pages[1:])
    assert all("seekOperation=Next" in p.path_qs for p in pages[1:])
    assert len({p.request_id for p in pages}) == 3
    assert len({p.correlation_id for p in pages}) == 1 and pages[0].correlation_id


async def test_search_is_partner_centers_starts_with_and_get_by_id(live_world: LiveWorld) -> None:
    client = live_world.backend.partner_center
    assert [c.name for c in await client.search_customers("CompanyName", "fabrikam")] == [
        "Fabrikam, Inc.",
        "Fabrikam Residences",
    ]
    assert [c.name for c in await client.search_customers("Domain", "CONTOSOPH")] == [
        "Contoso Pharmaceuticals"
    ]
    sent = URL(live_world.partner_center.seen[0].path_qs).query
    assert sent["size"] == "0"
    assert json.loads(sent["filter"]) == {
        "Field": "CompanyName",
        "Value": "fabrikam",
        "Operator": "starts_with",
    }
    contoso = await client.get_customer("517a65b5-e99c-5660-9e76-c6c678d90247")
    assert contoso is not None and contoso.tenant_id == CONTOSO_TENANT and contoso.delegated_access
    assert await client.get_customer("00000000-0000-0000-0000-000000000000") is None


async def test_health_is_the_demo_health_across_graph_pages(live_world: LiveWorld, demo: DemoBackend) -> None:
    contoso = await _customer(live_world, "Contoso")
    live = await live_world.backend.tenant_health(contoso)
    assert live == await demo.tenant_health(contoso)
    assert live_world.graph.calls[CONTOSO_TENANT] == 3, "10 services in pages of 4"


async def test_pascal_case_enums_read_the_same(live_world: LiveWorld, demo: DemoBackend) -> None:
    live_world.graph.pascal_case = True
    contoso = await _customer(live_world, "Contoso")

    def seen(health: TenantHealth) -> list[tuple[str, str, int, list[str], list[str]]]:
        return [
            (
                s.name,
                s.status.label,
                s.status.level,
                [i.incident_id for i in s.active_incidents],
                [p.text for i in s.incidents for p in i.posts],
            )
            for s in health.services
        ]

    assert seen(await live_world.backend.tenant_health(contoso)) == seen(await demo.tenant_health(contoso))


async def test_ten_concurrent_asks_cost_one_upstream_call_and_one_token(live_world: LiveWorld) -> None:
    live_world.graph.page_size = 100
    live_world.graph.latency = 0.05
    contoso = await _customer(live_world, "Contoso")
    results = await asyncio.gather(*(live_world.backend.tenant_health(contoso) for _ in range(10)))
    again = await live_world.backend.tenant_health(contoso)
    assert all(r == again for r in results)
    assert live_world.graph.calls[CONTOSO_TENANT] == 1
    assert len(live_world.entra.requests_for(CONTOSO_TENANT)) == 1
    assert len(live_world.entra.requests_for(live_world.partner_tenant_id)) == 1


async def test_per_host_concurrency_is_limited(live_world: LiveWorld) -> None:
    backend = live_world.backend_with(limits=replace(live_world.config.limits, per_host_concurrency=2))
    live_world.graph.latency = 0.02
    live_world.graph.page_size = 100
    try:
        customers = [c for c in await backend.list_customers() if c.delegated_access][:8]
        await asyncio.gather(*(backend.tenant_health(c) for c in customers), return_exceptions=True)
    finally:
        await backend.close()
    assert live_world.graph.max_in_flight == 2


async def test_throttling_is_retried_with_the_same_request_id(live_world: LiveWorld) -> None:
    live_world.partner_center.throttle(times=2, retry_after=0)
    assert len(await live_world.backend.list_customers()) == 24
    first = live_world.partner_center.seen[:3]
    assert len({p.request_id for p in first}) == 1, "retries reuse MS-RequestId"


async def test_a_long_retry_after_gives_up_at_once_and_says_when_to_try(live_world: LiveWorld) -> None:
    live_world.graph.throttle(times=5, retry_after=120)
    contoso = await _customer(live_world, "Contoso")
    with pytest.raises(UpstreamThrottled) as raised:
        await live_world.backend.tenant_health(contoso)
    assert "Microsoft Graph asked me to slow down" in raised.value.message
    assert "in about 120 seconds" in raised.value.message
    assert live_world.graph.calls[CONTOSO_TENANT] == 1


async def test_a_slow_answer_times_out_and_is_retried(live_world: LiveWorld, demo: DemoBackend) -> None:
    live_world.graph.fail(200, times=1, hang=0.8)
    contoso = await _customer(live_world, "Contoso")
    assert await live_world.backend.tenant_health(contoso) == await demo.tenant_health(contoso)


async def test_a_dead_upstream_trips_the_breaker_and_then_fails_fast(live_world: LiveWorld) -> None:
    live_world.graph.fail(503, times=100)
    contoso = await _customer(live_world, "Contoso")
    with pytest.raises(UpstreamUnavailable) as raised:
        await live_world.backend.tenant_health(contoso)
    assert raised.value.message == (
        "Microsoft Graph isn't answering right now, so I can't read Contoso Ltd's service health. "
        "Try again in a few minutes."
    )
    assert live_world.graph.calls[CONTOSO_TENANT] == 3
    fabrikam = await _customer(live_world, "Fabrikam, Inc.")
    with pytest.raises(UpstreamUnavailable):
        await live_world.backend.tenant_health(fabrikam)
    assert sum(live_world.graph.calls.values()) == 3, "the open breaker sent nothing"


async def test_a_403_from_graph_names_the_missing_permission(live_world: LiveWorld) -> None:
    live_world.entra.app_roles[CONTOSO_TENANT] = []
    contoso = await _customer(live_world, "Contoso")
    with pytest.raises(HealthAccessDenied) as raised:
        await live_world.backend.tenant_health(contoso)
    assert "permission to read service health (ServiceHealth.Read.All)" in raised.value.message
    assert live_world.graph.calls[CONTOSO_TENANT] == 1, "a 403 is not retried"


def test_under_gdap_a_403_asks_for_the_delegated_admin_role() -> None:
    contoso = Customer("c", "t", "Contoso", "contoso.onmicrosoft.com", "reseller", True)
    error = domain_error(
        UpstreamError("Microsoft Graph", 403, "accessDenied"), LIST_CUSTOMERS, contoso, CustomerAccess.GDAP
    )
    assert error.message == (
        "Contoso hasn't granted your organisation the delegated admin role that can read service health "
        "(GDAP). Ask their admin to approve it in Partner Center."
    )


async def test_a_tenant_without_the_app_gets_a_consent_card_not_an_error(live_world: LiveWorld) -> None:
    live_world.entra.unconsented_tenants.add(CONTOSO_TENANT)
    contoso = await _customer(live_world, "Contoso")
    with pytest.raises(ConsentMissing) as raised:
        await live_world.backend.tenant_health(contoso)
    assert raised.value.message.startswith("Contoso Ltd hasn't added your organisation's support app")
    assert live_world.graph.calls[CONTOSO_TENANT] == 0


async def test_a_refused_app_credential_is_explained(live_world: LiveWorld) -> None:
    backend = live_world.backend_with(credential=Credential(CredentialKind.SECRET, secret="wrong"))
    try:
        with pytest.raises(PartnerSignInFailed) as raised:
            await backend.list_customers()
    finally:
        await backend.close()
    assert "the bot's app credential was refused" in raised.value.message
    assert "wrong" not in raised.value.message


async def test_customers_without_delegated_access_are_explained_without_asking_graph(
    live_world: LiveWorld,
) -> None:
    tailspin = await _customer(live_world, "Tailspin")
    with pytest.raises(DelegatedAccessMissing):
        await live_world.backend.tenant_health(tailspin)
    assert sum(live_world.graph.calls.values()) == 0


async def test_the_per_tenant_graph_budget_is_shared_and_enforced(live_world: LiveWorld) -> None:
    contoso = await _customer(live_world, "Contoso")
    for _ in range(240):
        live_world.backend.graph_budget.take(CONTOSO_TENANT)
    with pytest.raises(UpstreamThrottled) as raised:
        await live_world.backend.tenant_health(contoso)
    assert "in about 60 seconds" in raised.value.message
    assert live_world.graph.calls[CONTOSO_TENANT] == 0


async def test_issues_are_filtered_and_paged_through_next_links(live_world: LiveWorld) -> None:
    graph = live_world.backend.graph
    everything = await graph.issues(CONTOSO_TENANT)
    active = await graph.issues(CONTOSO_TENANT, filter_expression="isResolved eq false")
    exchange = await graph.issues(
        CONTOSO_TENANT, filter_expression="isResolved eq false and service eq 'Exchange Online'"
    )
    assert len(everything) > 4, "more than one page of 4"
    assert {i.incident_id for i in active} == {"SP1100007", "DZ1100034", "EX1100014"}
    assert [i.incident_id for i in exchange] == ["EX1100014"]
    assert len(await graph.issues(CONTOSO_TENANT, top=2)) == 2
    before = live_world.graph.calls[CONTOSO_TENANT]
    await graph.issues(CONTOSO_TENANT, page_size=1000)
    assert live_world.graph.calls[CONTOSO_TENANT] == before + 1
