"""Message center notices over HTTP as Teams receives them: a channel subscribed to a customer's changes
gets one card per message (the customers' owners @mentioned), updated in place (PUT) when Microsoft
updates the message, held into the digest while quiet, and in Korean where it subscribed in Korean."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from app import DELIVERY, WATCHER
from services.backends.demo.backend import DemoBackend
from services.domain.models import MessageCategory, MessageSeverity, ServiceMessage
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import CHANNEL, OTHER_CHANNEL, channel_message
from tests.integration.test_notifications import QUIET_BOT, created, in_korean, say, updates
from tests.integration.test_owner_mentions import assert_mentions_match, entities
from tests.integration.test_owners_over_http import ANA, BEN, roster, with_mentions
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import buttons, visible_text

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
WOODGROVE_TENANT = "ae1932e5-16b5-57bb-b984-16f77d5a80f2"
RECORDINGS = ServiceMessage(
    message_id="MC910001",
    title="Microsoft Teams: classic meeting recordings move to Stream",
    services=("Microsoft Teams",),
    category=MessageCategory.PLAN_FOR_CHANGE,
    severity=MessageSeverity.NORMAL,
    is_major_change=True,
    act_by=DEMO_NOW + timedelta(days=5),
    start=DEMO_NOW - timedelta(hours=2),
    end=DEMO_NOW + timedelta(days=90),
    last_modified=DEMO_NOW - timedelta(hours=1),
    body="Move your recordings before the date.",
)


async def watching_bot(
    start_bot: StartBot, *subscribe: dict[str, Any]
) -> tuple[TestClient[Any, Any], DemoBackend]:
    backend = demo_backend()
    bot = await start_bot(backend=backend, **QUIET_BOT)
    for activity in subscribe:
        await say(bot, activity)
    await poll(bot)  # the message centers' first read is their baseline
    return bot, backend


async def poll(bot: TestClient[Any, Any]) -> None:
    """One watcher cycle, then the outbox woken, as the watcher's own loop does when it finds news."""
    if (await bot.app[WATCHER].poll_once()).notices:
        bot.app[DELIVERY].wake()


async def test_a_major_change_in_two_tenants_is_one_card_updated_in_place_and_mentions_the_owners(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot, backend = await watching_bot(
        start_bot,
        with_mentions(channel_message(service_url, "owner contoso"), ANA, BEN),
        channel_message(service_url, "subscribe all changes"),
        channel_message(service_url, "subscribe contoso", channel=OTHER_CHANNEL),
    )
    backend.add_message(CONTOSO_TENANT, RECORDINGS)
    backend.add_message(WOODGROVE_TENANT, RECORDINGS)
    await poll(bot)
    await connector.wait_until(lambda: bool([s for s in created(connector) if s.conversation_id == CHANNEL]))
    await asyncio.sleep(0.2)
    cards = [s for s in created(connector) if s.conversation_id == CHANNEL]
    assert len(cards) == 1, "one card for the message across both customers"
    text = visible_text(cards[0].activity)
    assert text.splitlines()[:4] == [
        "Message center · Microsoft Teams",
        RECORDINGS.title,
        "Major change",
        "Act by 29 Nov 2026 09:00 UTC (in 5 days)",
    ]
    assert "Customers: Contoso Ltd, Woodgrove Bank" in text and "Message: MC910001" in text
    assert [b.title for b in buttons(cards[0].activity)] == ["Read the message", "Acknowledge"]
    assert [e["mentioned"]["id"] for e in entities(cards[0])] == [ANA["aadObjectId"], BEN["aadObjectId"]]
    assert_mentions_match(cards[0])
    assert not [
        s for s in created(connector) if s.conversation_id == OTHER_CHANNEL and "MC910001" in str(s.activity)
    ]

    later = replace(RECORDINGS, title=f"{RECORDINGS.title} (updated)", last_modified=DEMO_NOW)
    backend.add_message(CONTOSO_TENANT, later)
    backend.add_message(WOODGROVE_TENANT, later)
    await poll(bot)
    await connector.wait_until(
        lambda: bool([u for u in updates(connector) if u.conversation_id.startswith(CHANNEL)])
    )
    await asyncio.sleep(0.2)
    (update,) = [u for u in updates(connector) if u.conversation_id.startswith(CHANNEL)]
    assert update.reply_to_id == cards[0].answered_id, "the same card, edited"
    assert f"{RECORDINGS.title} (updated)" in visible_text(update.activity)
    assert entities(update) == [], "an update in place mentions nobody again"
    assert len([s for s in created(connector) if s.conversation_id == CHANNEL]) == 1


async def test_quiet_hours_hold_a_change_into_the_digest_in_korean(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot, backend = await watching_bot(start_bot, in_korean(channel_message(service_url, "구독 contoso 변경")))
    await say(bot, in_korean(channel_message(service_url, "조용히 2")))
    backend.add_message(CONTOSO_TENANT, RECORDINGS)
    await poll(bot)
    await asyncio.sleep(0.4)
    assert [s for s in created(connector) if s.conversation_id == CHANNEL] == [], "held while quiet"
    await say(bot, in_korean(channel_message(service_url, "quiet off")))
    await connector.wait_until(lambda: bool([s for s in created(connector) if s.conversation_id == CHANNEL]))
    (digest,) = [s for s in created(connector) if s.conversation_id == CHANNEL]
    text = visible_text(digest.activity)
    assert text.startswith("조용히 하는 동안\n")
    assert "MC910001 · Microsoft Teams: classic meeting recordings move to Stream" in text
    assert "조치 기한 임박" in text, "its act-by date is 5 days away"

    # Quiet over, the next update is a card of its own, in Korean.
    backend.add_message(CONTOSO_TENANT, replace(RECORDINGS, last_modified=DEMO_NOW))
    await poll(bot)
    await connector.wait_until(
        lambda: len([s for s in created(connector) if s.conversation_id == CHANNEL]) == 2
    )
    card = [s for s in created(connector) if s.conversation_id == CHANNEL][-1]
    assert visible_text(card.activity).splitlines()[:3] == [
        "메시지 센터 · Microsoft Teams",
        RECORDINGS.title,
        "주요 변경",
    ]
    assert [b.title for b in buttons(card.activity)] == ["메시지 읽기", "확인"]
