"""The escalation's guard knows Azure: filing an Azure ticket (the live desk offers Azure Support's
services) for a service with an active Azure service issue in the customer's subscriptions shows the issue
first, as it does Microsoft 365's incidents. ARM lists a subscription only the events that reach its
regions, so an event listed for the customer's subscription is one in the customer's region."""

from __future__ import annotations

from typing import Any

import pytest

from tests.doubles.live_world import NORTHWIND_SUBSCRIPTION, LiveWorld
from tests.support.harness import BotHarness
from tests.support.visible import button, visible_text


def _storage_event(event_type: str, status: str, region: str = "West US 2") -> dict[str, Any]:
    """An event on Azure Storage in ARM's shape (resourcehealth 2022-10-01)."""
    return {
        "id": "/providers/Microsoft.ResourceHealth/events/ST0R-9QX",
        "name": "ST0R-9QX",
        "type": "/providers/Microsoft.ResourceHealth/events",
        "properties": {
            "eventType": event_type,
            "status": status,
            "title": "Storage – Elevated write errors",
            "summary": "<p>Writes to some storage accounts fail.</p>",
            "trackingId": "ST0R-9QX",
            "impactStartTime": "2026-11-24T08:10:00Z",
            "lastUpdateTime": "2026-11-24T08:40:00Z",
            "impact": [
                {
                    "impactedService": "Storage",
                    "impactedRegions": [
                        {
                            "impactedRegion": region,
                            "status": status,
                            "impactedSubscriptions": [NORTHWIND_SUBSCRIPTION],
                            "updates": [
                                {
                                    "summary": "<p>Engineers are failing over.</p>",
                                    "updateDateTime": "2026-11-24T08:40:00Z",
                                }
                            ],
                        }
                    ],
                }
            ],
        },
    }


class Chat:
    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot
        self.replies: list[Any] = []

    async def say(self, text: str) -> str:
        self.replies = await self.bot.say(text)
        return "\n".join(visible_text(a) for a in self.replies)

    async def press(self, title: str) -> str:
        self.replies = await self.bot.press(button(self.replies[-1], title))
        return "\n".join(visible_text(a) for a in self.replies)


def _chat(world: LiveWorld) -> Chat:
    return Chat(BotHarness(backend=world.backend))


async def test_an_active_azure_service_issue_on_the_service_is_shown_before_the_ticket(
    live_world: LiveWorld,
) -> None:
    live_world.azure_support.events[NORTHWIND_SUBSCRIPTION].append(_storage_event("ServiceIssue", "Active"))
    chat = _chat(live_world)
    await chat.say("escalate for northwind")
    text = await chat.say("storage")
    assert "Microsoft is already working on this" in text
    assert "ST0R-9QX · Storage · West US 2" in text and "Storage – Elevated write errors" in text
    followed = await chat.press("Follow the incident")
    assert followed.startswith("Nothing was filed. Here is the incident to follow:")
    assert "ST0R-9QX · Azure · Northwind Traders" in followed and "Engineers are failing over." in followed
    assert await chat.bot.desk.recent_requests() == [] and live_world.azure_support.puts == []

    anyway = _chat(live_world)
    await anyway.say("escalate for northwind")
    await anyway.say("storage")
    assert "Which STORAGE topic fits best?" in await anyway.say("file anyway")


@pytest.mark.parametrize(
    ("event_type", "status", "guarded"),
    [
        ("ServiceIssue", "Active", True),
        ("ServiceIssue", "Resolved", False),
        ("PlannedMaintenance", "Active", False),
        ("HealthAdvisory", "Active", False),
        ("SecurityAdvisory", "Active", False),
        ("EmergingIssues", "Active", False),
    ],
)
async def test_only_an_active_service_issue_stops_the_ticket(
    live_world: LiveWorld, event_type: str, status: str, guarded: bool
) -> None:
    live_world.azure_support.events[NORTHWIND_SUBSCRIPTION].append(_storage_event(event_type, status))
    chat = _chat(live_world)
    await chat.say("escalate for northwind")
    text = await chat.say("storage")
    assert ("Microsoft is already working on this" in text) is guarded, text[:300]
    assert ("Which STORAGE topic fits best?" in text) is not guarded


async def test_an_issue_on_another_service_lets_the_ticket_through(
    live_world: LiveWorld,
) -> None:
    live_world.azure_support.events[NORTHWIND_SUBSCRIPTION].append(_storage_event("ServiceIssue", "Active"))
    chat = _chat(live_world)
    await chat.say("escalate for northwind")
    assert "Which VM-LINUX topic fits best?" in await chat.say("vm-linux")
