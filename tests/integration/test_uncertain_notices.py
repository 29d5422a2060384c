"""A notice card Teams accepted but whose answer the bot never got (the Bot Connector answered after the
read timeout): the card may be there, without the id that would let the bot update it. The next change
posts ONE replacement card that says so, and every later change updates that replacement: never a card
per change. On SQLite and on shared blobs (Azurite), over HTTP to the fake Bot Connector."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import LEADERSHIP
from services.storage.blob_container import BlobLocation
from tests.doubles.connector import Failure, FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import CHANNEL, channel_message
from tests.integration.test_notifications import QUIET_BOT, created, event, notify, say, subscribed, updates
from tests.support.visible import visible_text

REPLACES = "Replaces a card that may not have arrived: only this one is kept up to date."
# The bot waits 1 s for the answer to a new card; the connector answers the late ones after 2.5 s.
LATE_ANSWER_SECONDS = 2.5


@pytest.fixture(params=["sqlite", "azureblob"])
async def bot(request: pytest.FixtureRequest, start_bot: StartBot) -> TestClient[Any, Any]:
    blob = None
    if request.param == "azureblob":
        azurite = request.getfixturevalue("azurite")
        blob = BlobLocation(f"uncertain-{uuid.uuid4().hex[:12]}", azurite.connection_string)
    client = await start_bot(
        **QUIET_BOT,
        blob=blob,
        connector_timeout_seconds=1,
        connector_create_timeout_seconds=1,
        send_retry_seconds=0.5,
    )
    if blob is not None:
        assert client.app is not None
        began = time.monotonic()
        while not client.app[LEADERSHIP].leading:
            assert time.monotonic() - began < 10, "the only instance leads the outbox"
            await asyncio.sleep(0.05)
    return client


async def notices_say(
    bot: TestClient[Any, Any], connector: FakeConnector, service_url: str, words: str
) -> str:
    """`notices` in the channel, asked until it says `words` (the outbox works in the background)."""
    began = time.monotonic()
    while True:
        before = len(connector.messages)
        await say(bot, channel_message(service_url, "notices"))
        text = "\n".join(visible_text(m) for m in connector.messages[before:])
        if words in text:
            return text
        assert time.monotonic() - began < 15, text
        await asyncio.sleep(0.3)


async def test_a_card_whose_answer_was_lost_is_replaced_once_and_the_replacement_is_kept_up_to_date(
    bot: TestClient[Any, Any], connector: FakeConnector, service_url: str
) -> None:
    await subscribed(bot, service_url)
    connector.late_answers, connector.late_answer_seconds = 1, LATE_ANSWER_SECONDS
    assert await notify(bot, event("contoso")) == (202, {"conversations": 1})
    await notices_say(bot, connector, service_url, "Here: may not have arrived")

    await notify(bot, event("contoso", status="restoringService", posts=2))
    await connector.wait_until(lambda: len(created(connector)) == 2)
    await notify(bot, event("contoso", status="serviceRestored", posts=3, resolved=True))
    await connector.wait_until(lambda: len(updates(connector)) == 1)
    said = await notices_say(bot, connector, service_url, "Here: delivered")
    assert "(on a replacement card: the first may not have arrived and is no longer updated)" in said

    first, replacement = created(connector)
    assert first.conversation_id == replacement.conversation_id == CHANNEL
    assert REPLACES not in visible_text(first.activity)
    assert visible_text(replacement.activity).startswith(REPLACES)
    assert "Restoring service" in visible_text(replacement.activity)
    (update,) = updates(connector)
    thread = f"{CHANNEL};messageid={replacement.answered_id}"
    assert (update.conversation_id, update.reply_to_id) == (thread, replacement.answered_id), (
        "the resolve updates the replacement"
    )
    assert visible_text(update.activity).startswith(REPLACES) and "Resolved" in visible_text(update.activity)
    (reply,) = [s for s in connector.sent if s.method == "POST" and s.conversation_id == thread]
    assert reply.activity["text"].startswith("Resolved after"), "and says so in the replacement's thread"
    assert len(created(connector)) == 2, "one replacement, never a card per change"


async def test_when_the_replacement_is_lost_too_no_further_card_is_posted(
    bot: TestClient[Any, Any], connector: FakeConnector, service_url: str
) -> None:
    await subscribed(bot, service_url)
    connector.late_answers, connector.late_answer_seconds = 2, LATE_ANSWER_SECONDS
    await notify(bot, event("contoso"))
    await notices_say(bot, connector, service_url, "Here: may not have arrived")
    await notify(bot, event("contoso", status="restoringService", posts=2))
    await connector.wait_until(lambda: len(created(connector)) == 2)
    await asyncio.sleep(1.5)  # the replacement's answer is late as well
    await notify(bot, event("contoso", status="serviceRestored", posts=3, resolved=True))
    said = await notices_say(bot, connector, service_url, "no further card is posted")
    assert "Here: may not have arrived" in said
    await notify(bot, event("contoso", status="serviceRestored", posts=4, resolved=True))
    await asyncio.sleep(1)
    assert len(created(connector)) == 2 and updates(connector) == [], "nothing a third time"


async def test_a_shutdown_lets_a_card_on_its_way_get_its_answer_so_the_next_change_updates_it(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """The connector takes 1.5 s to answer; the bot is stopped (drain 0.1 s) while the card is on its way.
    The shutdown waits for the answer, so after a restart the next change updates that card."""
    bot = await start_bot(**QUIET_BOT, drain_seconds=0.1)
    await subscribed(bot, service_url)
    connector.delay_seconds = 1.5
    arrived = len(connector.attempts)
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: len(connector.attempts) > arrived)
    await bot.close()
    connector.delay_seconds = 0
    (card,) = created(connector)
    bot = await start_bot(**QUIET_BOT)
    await notify(bot, event("contoso", status="restoringService", posts=2))
    await connector.wait_until(lambda: len(updates(connector)) == 1)
    (update,) = updates(connector)
    assert update.reply_to_id == card.answered_id and len(created(connector)) == 1


async def test_a_send_a_shutdown_stopped_between_retries_is_sent_by_the_next_start_on_shared_blobs(
    start_bot: StartBot, connector: FakeConnector, service_url: str, azurite: Any
) -> None:
    """Teams refused the first attempt (503, retry after 2 s) and the bot stopped before the retry: the
    card never left, so the next start (same instance name) sends it at once, rather than waiting for
    the claim to lapse and taking it for a card that may have arrived."""
    location = BlobLocation(f"stopped-{uuid.uuid4().hex[:12]}", azurite.connection_string)
    shared = {**QUIET_BOT, "blob": location, "instance_id": "blue", "send_retry_seconds": 10}
    bot = await start_bot(**shared)
    await subscribed(bot, service_url)
    assert bot.app is not None
    began = time.monotonic()
    while not bot.app[LEADERSHIP].leading:
        assert time.monotonic() - began < 10
        await asyncio.sleep(0.05)
    connector.failures = [Failure(503, "2")]
    arrived = len(connector.attempts)
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: len(connector.attempts) > arrived)
    await asyncio.sleep(0.2)
    await bot.close()
    assert created(connector) == []
    bot = await start_bot(**shared)
    await connector.wait_until(lambda: len(created(connector)) == 1, 20)
    said = await notices_say(bot, connector, service_url, "Here: delivered")
    assert "may not have arrived" not in said
