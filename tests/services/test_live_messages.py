"""The live backend's message center against the Graph double: the demo's messages read page by page, with
the health reads' token, budget, retries, breaker and cache, and Graph's refusals in the desk's words."""

from __future__ import annotations

import asyncio

import pytest

from services.backends.demo.backend import DemoBackend
from services.backends.live.backend import messages_error
from services.backends.live.config import CustomerAccess
from services.backends.live.upstream import UpstreamError
from services.domain.errors import (
    DelegatedAccessMissing,
    MessageCenterAccessDenied,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from services.domain.models import Customer
from tests.doubles.entra import SERVICE_HEALTH_ROLE
from tests.doubles.live_world import LiveWorld

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
WOODGROVE_TENANT = "ae1932e5-16b5-57bb-b984-16f77d5a80f2"


async def _customer(world: LiveWorld, name: str) -> Customer:
    return next(c for c in await world.backend.list_customers() if c.name.startswith(name))


async def test_messages_are_the_demos_read_across_next_links(
    live_world: LiveWorld, demo: DemoBackend
) -> None:
    woodgrove = await _customer(live_world, "Woodgrove")
    live = await live_world.backend.tenant_messages(woodgrove)
    shown = await demo.tenant_messages(woodgrove)
    assert sorted(live.messages, key=lambda m: m.message_id) == sorted(
        shown.messages, key=lambda m: m.message_id
    )
    assert len(live.messages) == 6
    assert live_world.graph.calls[WOODGROVE_TENANT] == 2, "6 messages in pages of 4"


async def test_pascal_case_enums_read_the_same(live_world: LiveWorld, demo: DemoBackend) -> None:
    live_world.graph.pascal_case = True
    contoso = await _customer(live_world, "Contoso")
    live = {
        m.message_id: (m.category, m.severity)
        for m in (await live_world.backend.tenant_messages(contoso)).messages
    }
    assert live == {
        m.message_id: (m.category, m.severity) for m in (await demo.tenant_messages(contoso)).messages
    }


async def test_a_tenant_without_messages_reads_as_none(live_world: LiveWorld) -> None:
    coho = await _customer(live_world, "Coho")
    assert (await live_world.backend.tenant_messages(coho)).messages == ()


async def test_a_filter_by_last_modified_asks_graph_for_the_changed_ones_only(live_world: LiveWorld) -> None:
    graph = live_world.backend.graph
    changed = await graph.messages(WOODGROVE_TENANT, modified_since="2026-11-18T00:00:00Z")
    assert sorted(m.message_id for m in changed) == ["MC905123", "MC906002"]
    assert len(await graph.messages(WOODGROVE_TENANT)) == 6


async def test_ten_concurrent_asks_cost_one_read_and_the_health_token_serves_it(
    live_world: LiveWorld,
) -> None:
    live_world.graph.page_size = 100
    live_world.graph.latency = 0.05
    contoso = await _customer(live_world, "Contoso")
    await live_world.backend.tenant_health(contoso)
    results = await asyncio.gather(*(live_world.backend.tenant_messages(contoso) for _ in range(10)))
    assert all(r == results[0] for r in results)
    assert live_world.graph.calls[CONTOSO_TENANT] == 2, "one health read, one message center read"
    assert len(live_world.entra.requests_for(CONTOSO_TENANT)) == 1, "the same token as health"


async def test_the_tenants_graph_budget_is_the_one_health_takes_from(live_world: LiveWorld) -> None:
    contoso = await _customer(live_world, "Contoso")
    for _ in range(240):
        live_world.backend.graph_budget.take(CONTOSO_TENANT)
    with pytest.raises(UpstreamThrottled) as raised:
        await live_world.backend.tenant_messages(contoso)
    assert "read Contoso Ltd's message center" in raised.value.message
    assert live_world.graph.calls[CONTOSO_TENANT] == 0


async def test_failures_are_retried_then_the_breaker_opens(live_world: LiveWorld) -> None:
    contoso = await _customer(live_world, "Contoso")
    live_world.graph.fail(503, times=2)
    assert (await live_world.backend.tenant_messages(contoso)).messages, "two 503s then an answer"
    fabrikam = await _customer(live_world, "Fabrikam, Inc.")
    live_world.graph.fail(503, times=100)
    with pytest.raises(UpstreamUnavailable):
        await live_world.backend.tenant_messages(fabrikam)
    calls = sum(live_world.graph.calls.values())
    with pytest.raises(UpstreamUnavailable):
        await live_world.backend.tenant_messages(await _customer(live_world, "Northwind"))
    assert sum(live_world.graph.calls.values()) == calls, "the open breaker sent nothing"


async def test_a_403_names_the_message_center_permission(live_world: LiveWorld) -> None:
    live_world.entra.app_roles[CONTOSO_TENANT] = [SERVICE_HEALTH_ROLE]
    contoso = await _customer(live_world, "Contoso")
    assert (await live_world.backend.tenant_health(contoso)).services, "health is still readable"
    with pytest.raises(MessageCenterAccessDenied) as raised:
        await live_world.backend.tenant_messages(contoso)
    assert "(ServiceMessage.Read.All)" in raised.value.message


def test_under_gdap_a_403_asks_for_a_delegated_role() -> None:
    contoso = Customer("c", "t", "Contoso", "contoso.onmicrosoft.com", "reseller", True)
    refused = UpstreamError("Microsoft Graph", 403, "accessDenied")
    error = messages_error(refused, contoso, CustomerAccess.GDAP)
    assert error.message.startswith(
        "Contoso hasn't granted your organisation a delegated admin role that can read the message center"
    )
    assert "ServiceMessage.Read.All" in messages_error(refused, contoso, CustomerAccess.APP_ONLY).message


async def test_customers_without_delegated_access_are_explained_without_asking_graph(
    live_world: LiveWorld,
) -> None:
    with pytest.raises(DelegatedAccessMissing):
        await live_world.backend.tenant_messages(await _customer(live_world, "Tailspin"))
    assert sum(live_world.graph.calls.values()) == 0
