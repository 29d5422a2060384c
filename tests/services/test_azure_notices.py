"""Azure events as notices: the watcher reads each watched customer's Azure events (live, against the
Azure double) and the board keeps one notice per tracking id across the customers it reaches, bumped when
Azure posts an update or resolves it, heard by subscriptions that include Azure (every subscription
without a service filter, and `subscribe <customer> azure`), never by one to a Microsoft 365 service."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from cards.actions import parse_execute
from cards.notifications import incident_notice_card
from cards.parts import card_payload
from chatclient.card_text import render_card
from locales.translator import ENGLISH
from services.backends.live.backend import LiveBackend
from services.domain.models import ChangeKind, Customer, Subscription
from services.notices.watcher import HealthWatcher
from tests.doubles.live_world import TEST_LIMITS, LiveWorld
from tests.services.conftest import NoticeStores
from tests.support.harness import DEMO_NOW

CONTOSO_PROD = "5f1c6a9e-2b1d-4f0e-9a7b-3c2d1e0f4a51"
WOODGROVE_SUB = "b2c4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e53"


def _issue(updates: int = 1, status: str = "Active") -> dict[str, Any]:
    """A new service issue in ARM's shape, `updates` updates long."""
    return {
        "id": "/providers/Microsoft.ResourceHealth/events/NW7Q-2KD",
        "name": "NW7Q-2KD",
        "type": "/providers/Microsoft.ResourceHealth/events",
        "properties": {
            "eventType": "ServiceIssue",
            "status": status,
            "title": "Azure Functions – Cold starts time out",
            "summary": "<p>Function apps may time out on cold start.</p>",
            "trackingId": "NW7Q-2KD",
            "impactStartTime": "2026-11-24T08:30:00Z",
            "impactMitigationTime": "2026-11-24T09:30:00Z" if status == "Resolved" else None,
            "lastUpdateTime": f"2026-11-24T08:{30 + updates:02d}:00Z",
            "impact": [
                {
                    "impactedService": "Functions",
                    "impactedRegions": [
                        {
                            "impactedRegion": "East US",
                            "status": status,
                            "updates": [
                                {
                                    "summary": f"<p>Current Status: update {n + 1}.</p>",
                                    "updateDateTime": f"2026-11-24T08:{31 + n:02d}:00Z",
                                }
                                for n in range(updates)
                            ],
                        }
                    ],
                }
            ],
        },
    }


def _publish(world: LiveWorld, event: dict[str, Any], *subscriptions: str) -> None:
    for subscription in subscriptions:
        found = world.azure_support.events[subscription]
        found[:] = [e for e in found if e["name"] != event["name"]] + [copy.deepcopy(event)]


async def _watching(
    world: LiveWorld, stores: NoticeStores, baseline: bool = True
) -> tuple[HealthWatcher, LiveBackend, Customer]:
    # No health cache, so each poll reads what the doubles hold now.
    backend = world.backend_with(limits=replace(TEST_LIMITS, health_ttl_seconds=0.0))
    contoso = next(c for c in await backend.list_customers() if c.name == "Contoso Ltd")
    subscriptions = stores.subscriptions
    await subscriptions.add(Subscription("19:ops", "*"), DEMO_NOW)
    await subscriptions.add(Subscription("19:contoso-azure", contoso.customer_id, ("Azure",)), DEMO_NOW)
    await subscriptions.add(
        Subscription("19:contoso-exchange", contoso.customer_id, ("Exchange Online",)), DEMO_NOW
    )
    watcher = HealthWatcher(backend, subscriptions, stores.board, lambda: DEMO_NOW)
    if baseline:
        assert (await watcher.poll_once()).notices == [], "what is going on at the first poll is the baseline"
    return watcher, backend, contoso


async def test_one_azure_event_of_two_customers_is_one_notice_heard_where_azure_is_subscribed(
    live_world: LiveWorld, stores: NoticeStores
) -> None:
    watcher, backend, contoso = await _watching(live_world, stores)
    try:
        _publish(live_world, _issue(), CONTOSO_PROD, WOODGROVE_SUB)
        report = await watcher.poll_once()
        assert {n.incident.incident_id for n in report.notices} == {"NW7Q-2KD"}
        notice = await stores.board.notice("NW7Q-2KD")
        assert notice is not None and len(notice.customer_ids) == 2
        assert (notice.incident.service, notice.incident.feature) == ("Azure Functions", "East US")
        following = {d.conversation: followed for _, d, followed in await stores.board.due(DEMO_NOW)}
        assert set(following) == {"19:ops", "19:contoso-azure"}, "not the Exchange-only subscription"
        assert following["19:contoso-azure"] == (contoso.customer_id,)

        # An update is news on the same notice (its card is updated in place); then its end.
        _publish(live_world, _issue(updates=2), CONTOSO_PROD, WOODGROVE_SUB)
        updated = (await watcher.poll_once()).notices
        assert {(n.incident.incident_id, n.change) for n in updated} == {("NW7Q-2KD", ChangeKind.POST)}
        assert len(updated[-1].incident.posts) == 2
        _publish(live_world, _issue(updates=3, status="Resolved"), CONTOSO_PROD, WOODGROVE_SUB)
        resolved = await watcher.poll_once()
        assert {n.change for n in resolved.notices} == {ChangeKind.RESOLVED}
        final = await stores.board.notice("NW7Q-2KD")
        assert final is not None and final.incident.is_resolved
    finally:
        await backend.close()


async def test_azure_not_answering_keeps_microsoft_365_watched_and_announces_nothing(
    live_world: LiveWorld, stores: NoticeStores
) -> None:
    watcher, backend, _ = await _watching(live_world, stores)
    try:
        live_world.azure_support.fail(503, "ServiceUnavailable", times=1000, path_contains="ResourceHealth")
        report = await watcher.poll_once()
        assert report.unreadable == {} and report.polled == 22 and report.notices == []
        live_world.azure_support.faults.queue.clear()
        assert (await watcher.poll_once()).notices == [], "readable again: nothing re-announced"
    finally:
        await backend.close()


async def test_azure_events_going_on_when_they_are_first_read_are_noted_not_announced(
    live_world: LiveWorld, stores: NoticeStores
) -> None:
    """As after the upgrade that brought Azure events, or once a customer is given subscriptions:
    Microsoft 365 was baselined long ago, Azure never."""
    before = live_world.backend_with(
        azure_subscriptions={},
        azure_subscription_lists={},
        limits=replace(TEST_LIMITS, health_ttl_seconds=0.0),
    )
    try:
        await stores.subscriptions.add(Subscription("19:ops", "*"), DEMO_NOW)
        assert (
            await HealthWatcher(before, stores.subscriptions, stores.board, lambda: DEMO_NOW).poll_once()
        ).polled
    finally:
        await before.close()
    watcher, backend, _ = await _watching(live_world, stores, baseline=False)
    try:
        assert (await watcher.poll_once()).notices == [], "VNL2-8S8 and the rest were already going on"
        _publish(live_world, _issue(), CONTOSO_PROD)
        assert {n.incident.incident_id for n in (await watcher.poll_once()).notices} == {"NW7Q-2KD"}
    finally:
        await backend.close()


async def test_an_azure_notice_card_files_about_its_service_and_its_acknowledge_is_accepted(
    live_world: LiveWorld, stores: NoticeStores
) -> None:
    watcher, backend, contoso = await _watching(live_world, stores)
    try:
        _publish(live_world, _issue(), CONTOSO_PROD)
        await watcher.poll_once()
        notice = await stores.board.notice("NW7Q-2KD")
        assert notice is not None
        card = incident_notice_card(notice, [contoso], DEMO_NOW, ENGLISH)
        shown = render_card(card_payload(card)).text
        assert "Azure Functions" in shown and "update 1" in shown
        data = _button_data(card, "Acknowledge")
        assert parse_execute("notice.acknowledge", data).incident == "NW7Q-2KD"
        assert (
            _button_data(card, "File a service request")["command"]
            == f"escalate for {contoso.customer_id} on Functions"
        )
    finally:
        await backend.close()


def _button_data(card: Any, title: str) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get("title") == title and "data" in node:
                return node["data"]
            for value in node.values():
                found = walk(value)
                if found is not None:
                    return found
        elif isinstance(node, list):
            for value in node:
                found = walk(value)
                if found is not None:
                    return found
        return None

    found = walk(card_payload(card))
    assert found is not None, title
    return dict(found)
