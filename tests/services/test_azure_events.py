"""Azure service health: ARM's `Microsoft.ResourceHealth/events` parsed from recorded shapes, one event per
tracking id across subscriptions, and the demo and live backends serving the same events (the live one
through the Azure double, with paging, the on-behalf-of token, retries and the subscription map)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from services.backends.azure_support.events import parse_event, parse_events
from services.backends.demo.backend import DemoBackend
from services.domain.azure_events import (
    across_customers,
    active_issue_for,
    list_azure_events,
    looks_like_tracking_id,
    merge_events,
    regions_of,
    touches,
)
from services.domain.errors import AzureHealthAccessDenied, UpstreamUnavailable
from services.domain.models import AzureEventType, Customer
from tests.doubles.live_world import NORTHWIND_SUBSCRIPTION, LiveWorld
from tests.support.harness import DEMO_NOW

CONTOSO = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
WOODGROVE = "ae1932e5-16b5-57bb-b984-16f77d5a80f2"
HANBIT = "b01b2044-0b7e-5d02-a5f7-900d09a4bb21"

# azure-rest-api-specs, resourcehealth 2022-10-01, examples/Events_ListBySubscriptionId.json (its body,
# with the fields we don't read left out), and an update as ImpactedServiceRegion.updates[] carries it.
RECORDED: dict[str, Any] = {
    "id": "/providers/Microsoft.ResourceHealth/events/BC_1-FXZ",
    "name": "BC_1-FXZ",
    "type": "/providers/Microsoft.ResourceHealth/events",
    "properties": {
        "eventType": "ServiceIssue",
        "eventSource": "ResourceHealth",
        "status": "Active",
        "title": "ACTIVE: Virtual machines in West US",
        "summary": "An outage alert is being investigated. More information will be provided as it is known.",
        "header": "Your service might have been impacted by an Azure service issue",
        "level": "Warning",
        "eventLevel": "Informational",
        "impactStartTime": "2018-11-07T00:00:00Z",
        "impactMitigationTime": "2018-11-08T00:00:00Z",
        "impact": [
            {
                "impactedService": "Virtual Machines",
                "impactedRegions": [
                    {
                        "impactedRegion": "West US",
                        "status": "Active",
                        "impactedSubscriptions": ["{subscriptionId}"],
                        "impactedTenants": [],
                        "lastUpdateTime": "2017-12-05T21:05:00Z",
                        "updates": [
                            {
                                "summary": "<p>Engineers are <b>investigating</b>.</p>",
                                "updateDateTime": "2018-11-07T01:00:00Z",
                            }
                        ],
                    }
                ],
            }
        ],
        "isHIR": False,
        "priority": 2,
        "lastUpdateTime": "2018-11-08T00:00:00Z",
        "hirStage": "resolved",
    },
}


def _with(**properties: Any) -> dict[str, Any]:
    return {**RECORDED, "properties": {**RECORDED["properties"], **properties}}


def test_the_recorded_shape_reads_as_what_the_card_shows() -> None:
    event = parse_event(RECORDED)
    assert event is not None
    assert (event.tracking_id, event.event_type, event.status) == (
        "BC_1-FXZ",
        AzureEventType.SERVICE_ISSUE,
        "Active",
    )
    assert event.title == "ACTIVE: Virtual machines in West US" and event.summary.startswith(
        "An outage alert"
    )
    assert [(i.service, i.regions) for i in event.impact] == [("Virtual Machines", ("West US",))]
    assert event.start is not None and event.start.isoformat() == "2018-11-07T00:00:00+00:00"
    assert event.mitigated is not None and event.mitigated.day == 8
    assert [(u.text, u.region) for u in event.updates] == [("Engineers are investigating.", "West US")]
    assert event.is_active and touches(event, "Virtual Machine running Linux", "westus")
    assert not touches(event, "Virtual Machine running Linux", "East US")
    assert not touches(event, "SQL Database")
    scale_sets = parse_event(_with(impact=[{"impactedService": "Virtual Machine Scale Sets"}]))
    assert scale_sets is not None and not touches(scale_sets, "Virtual Machine running Linux")


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("ServiceIssue", AzureEventType.SERVICE_ISSUE),
        ("PlannedMaintenance", AzureEventType.PLANNED_MAINTENANCE),
        ("HealthAdvisory", AzureEventType.HEALTH_ADVISORY),
        ("SecurityAdvisory", AzureEventType.SECURITY_ADVISORY),
        ("securityadvisory", AzureEventType.SECURITY_ADVISORY),
        # Values Microsoft added after the four, and one it may add tomorrow: kept, as other.
        ("RCA", AzureEventType.OTHER),
        ("EmergingIssues", AzureEventType.OTHER),
        ("BillingNotice", AzureEventType.OTHER),
        ("", AzureEventType.OTHER),
    ],
)
def test_every_event_type_is_kept_and_unknown_ones_are_other(written: str, kind: AzureEventType) -> None:
    event = parse_event(_with(eventType=written))
    assert event is not None and event.event_type is kind and event.type_name == written


@pytest.mark.parametrize(
    "item",
    [
        {},
        {"name": "not a tracking id", "properties": {}},
        {"name": "EX1100014", "properties": {"eventType": "ServiceIssue"}},
        {"name": 7, "properties": "nonsense"},
    ],
)
def test_items_without_a_usable_tracking_id_are_left_out(item: dict[str, Any]) -> None:
    assert parse_events([item, RECORDED]) == parse_events([RECORDED])


@pytest.mark.parametrize(
    "properties",
    [
        {"impact": None},
        {"impact": [{"impactedService": "Storage", "impactedRegions": None}]},
        {"impact": [{"impactedRegions": [{"impactedRegion": "West US", "updates": [{"summary": 3}]}]}]},
        {"impactStartTime": "yesterday", "impactMitigationTime": None, "lastUpdateTime": 12},
        {"status": None, "title": None, "summary": None},
    ],
)
def test_missing_or_odd_fields_never_break_the_event(properties: dict[str, Any]) -> None:
    event = parse_event(_with(**properties))
    assert event is not None and event.tracking_id == "BC_1-FXZ"


@pytest.mark.parametrize(
    ("typed", "tracking"),
    [
        ("VNL2-8S8", True),
        ("vnl2-8s8", True),
        (" BC_1-FXZ ", True),
        ("2LGR-PG0", True),
        ("EX1100014", False),
        ("MO226784", False),
        ("contoso", False),
        ("A-B", False),
        ("VNL2-", False),
        ("-8S8", False),
    ],
)
def test_tracking_ids_are_told_from_graph_ids_and_words(typed: str, tracking: bool) -> None:
    assert looks_like_tracking_id(typed) is tracking


async def test_one_tracking_id_in_two_subscriptions_is_one_event_with_both_regions_and_updates() -> None:
    demo = DemoBackend.load(now=lambda: DEMO_NOW)
    health = await demo.azure_health(await _customer(demo, CONTOSO))
    (vm,) = [e for e in health.events if e.tracking_id == "VNL2-8S8"]
    assert regions_of(vm, "Virtual Machines") == ("East US", "East US 2")
    assert {u.region for u in vm.updates} == {"East US", "East US 2"}
    assert [u.created for u in vm.updates] == sorted(u.created for u in vm.updates)
    assert len(health.subscriptions) == 2
    # Active first, then newest; the resolved one only when asked for.
    assert [e.is_active for e in health.events] == sorted((e.is_active for e in health.events), reverse=True)
    assert all(e.is_active for e in list_azure_events(health))
    assert any(not e.is_active for e in list_azure_events(health, include_resolved=True))
    assert [e.tracking_id for e in list_azure_events(health, "sql")] == ["0T3M-5PL"]
    issue = active_issue_for(health, "Virtual Machine running Windows", "East US 2")
    assert issue is not None and issue.tracking_id == "VNL2-8S8"
    assert active_issue_for(health, "Virtual Machine running Windows", "West Europe") is None
    assert active_issue_for(health, "SQL Database") is None, "planned maintenance is not a service issue"


async def test_merging_is_the_same_whatever_order_the_subscriptions_answer_in() -> None:
    demo = DemoBackend.load(now=lambda: DEMO_NOW)
    contoso = await demo.azure_health(await _customer(demo, CONTOSO))
    events = list(contoso.events)
    assert merge_events(events) == merge_events(reversed(events)) == contoso.events


async def test_an_event_of_several_customers_is_listed_once_with_each_of_them() -> None:
    demo = DemoBackend.load(now=lambda: DEMO_NOW)
    healths = [await demo.azure_health(c) for c in await demo.list_customers()]
    rows = {row.event.tracking_id: row for row in across_customers(healths)}
    assert [c.name for c in rows["VNL2-8S8"].customers] == ["Contoso Ltd", "Woodgrove Bank"]
    assert "PM5R-L8C" not in rows, "resolved events are not active ones"
    assert rows["EI4N-2QZ"].event.event_type is AzureEventType.OTHER


async def test_the_live_backend_reads_every_subscription_of_the_map_page_by_page(
    live_world: LiveWorld,
) -> None:
    live_world.azure_support.events_page_size = 1
    contoso = _customer_by_tenant(await live_world.backend.list_customers(), CONTOSO)
    health = await live_world.backend.azure_health(contoso)
    demo = DemoBackend.load(now=lambda: DEMO_NOW)
    assert health.events == (await demo.azure_health(await _customer(demo, CONTOSO))).events
    # Three events in one subscription and one in the other, a page each (nextLink followed).
    assert len(live_world.azure_support.event_queries) == 4
    first = live_world.azure_support.event_queries[0]
    assert first["api-version"] == "2022-10-01"
    since = DEMO_NOW - timedelta(days=14)
    assert first["queryStartTime"] == f"{since.month}/{since.day}/{since.year}"
    # Cached like health: asking again within the TTL asks ARM nothing.
    await live_world.backend.azure_health(contoso)
    assert len(live_world.azure_support.event_queries) == 4


async def test_demo_and_live_serve_the_same_azure_health_for_every_customer(live_world: LiveWorld) -> None:
    demo = DemoBackend.load(now=lambda: DEMO_NOW)
    for customer in await demo.list_customers():
        live = await live_world.backend.azure_health(customer)
        shown = await demo.azure_health(customer)
        assert (live.subscriptions, live.events) == (shown.subscriptions, shown.events), customer.name
    assert len({c for c in live_world.config.azure_subscription_lists}) == 4


async def test_a_customer_without_subscriptions_asks_arm_nothing(live_world: LiveWorld) -> None:
    fabrikam = next(c for c in await live_world.backend.list_customers() if c.name == "Fabrikam, Inc.")
    health = await live_world.backend.azure_health(fabrikam)
    assert not health.has_azure and health.events == ()
    assert live_world.azure_support.event_queries == []


async def test_events_go_on_behalf_of_the_partner_when_set(live_world: LiveWorld) -> None:
    fake = live_world.azure_support
    fake.partner_tenant_id = live_world.partner_tenant_id
    northwind = next(c for c in await live_world.backend.list_customers() if c.name == "Northwind Traders")
    with pytest.raises(AzureHealthAccessDenied) as refused:
        await live_world.backend.azure_health(northwind)
    assert "Reader" in refused.value.message
    fake.auxiliary_tenants.clear()
    backend = live_world.backend_with(azure_on_behalf_of=True)
    try:
        health = await backend.azure_health(northwind)
    finally:
        await backend.close()
    assert health.subscriptions == (NORTHWIND_SUBSCRIPTION,) and [e.tracking_id for e in health.events] == [
        "PM5R-L8C"
    ]
    assert fake.auxiliary_tenants == [live_world.partner_tenant_id]


async def test_a_passing_failure_is_retried_and_a_lasting_one_is_said_plainly(live_world: LiveWorld) -> None:
    fake = live_world.azure_support
    hanbit = _customer_by_tenant(
        await live_world.backend.list_customers(), "b01b2044-0b7e-5d02-a5f7-900d09a4bb21"
    )
    fake.fail(503, "ServiceUnavailable", times=1, path_contains="ResourceHealth")
    health = await live_world.backend.azure_health(hanbit)
    assert [e.tracking_id for e in health.events] == ["KR3T-7HN"]
    woodgrove = _customer_by_tenant(await live_world.backend.list_customers(), WOODGROVE)
    fake.fail(503, "ServiceUnavailable", times=10, path_contains="ResourceHealth")
    with pytest.raises(UpstreamUnavailable) as failed:
        await live_world.backend.azure_health(woodgrove)
    assert "Azure service health" in failed.value.message


def _customer_by_tenant(customers: Sequence[Customer], tenant_id: str) -> Customer:
    return next(c for c in customers if c.tenant_id == tenant_id)


async def _customer(demo: DemoBackend, tenant_id: str) -> Customer:
    return _customer_by_tenant(await demo.list_customers(), tenant_id)
