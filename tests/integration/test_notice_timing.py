"""What notice delivery does as time passes, on a clock the test moves: a send that failed is tried
again a minute later (once, not before), and a quiet channel's digest ends the quiet, so the next
incident is a card of its own again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import DELIVERY, create_app
from bot.outbound.notice_delivery import RETRY_AFTER_FAILURE
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.teams import channel_message
from tests.integration.test_notifications import AUTH, TOKEN, created, event, say
from tests.support import harness
from tests.support.visible import visible_text


class Clock:
    def __init__(self) -> None:
        self.now = harness.DEMO_NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot_on_clock(
    connector: FakeConnector, aiohttp_client: Any, tmp_path: Path, clock: Clock
) -> Callable[[], Awaitable[TestClient[Any, Any]]]:
    async def start() -> TestClient[Any, Any]:
        settings = Settings(
            data_dir=tmp_path,
            send_retry_seconds=0.2,
            notify_token=TOKEN,
            watch_interval_seconds=3600,
            demo_tick_seconds=0,
        )
        return await aiohttp_client(create_app(settings, backend=harness.default_backend(), clock=clock))

    return start


async def later(bot: TestClient[Any, Any], clock: Clock, by: timedelta) -> None:
    """Time passes and the delivery loop looks at the outbox, as its own timer would make it."""
    clock.now += by
    assert bot.app is not None
    bot.app[DELIVERY].wake()
    await asyncio.sleep(0.3)


async def test_a_notice_that_could_not_be_sent_is_sent_once_a_minute_later_and_not_before(
    bot_on_clock: Callable[[], Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    service_url: str,
    clock: Clock,
) -> None:
    bot = await bot_on_clock()
    await say(bot, channel_message(service_url, "subscribe contoso"))
    connector.fail_with = 500
    await bot.post("/api/notify", json=event("contoso"), headers=AUTH)
    await connector.wait_until(lambda: len(connector.attempts) >= 2)
    await asyncio.sleep(0.3)
    connector.fail_with = None
    tried = len(connector.attempts)

    await later(bot, clock, RETRY_AFTER_FAILURE - timedelta(seconds=5))
    assert len(connector.attempts) == tried and created(connector) == []
    await say(bot, channel_message(service_url, "notices"))
    assert "Here: not delivered yet just now (Teams answered 500)" in visible_text(connector.messages[-1])

    await later(bot, clock, timedelta(seconds=10))
    await connector.wait_until(lambda: bool(created(connector)))
    await later(bot, clock, RETRY_AFTER_FAILURE * 3)
    (card,) = created(connector)
    assert "EX2200001" in visible_text(card.activity)


async def test_after_the_digest_the_channel_is_no_longer_quiet_and_the_next_incident_is_its_own_card(
    bot_on_clock: Callable[[], Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    service_url: str,
    clock: Clock,
) -> None:
    bot = await bot_on_clock()
    await say(bot, channel_message(service_url, "subscribe contoso"))
    await say(bot, channel_message(service_url, "quiet 2"))
    await bot.post("/api/notify", json=event("contoso"), headers=AUTH)
    await later(bot, clock, timedelta(hours=1))
    assert created(connector) == []

    await later(bot, clock, timedelta(hours=1, minutes=1))
    await connector.wait_until(lambda: bool(created(connector)))
    (digest,) = created(connector)
    assert visible_text(digest.activity).startswith("While it was quiet")

    await bot.post("/api/notify", json=event("contoso", "SP2200002"), headers=AUTH)
    await connector.wait_until(lambda: len(created(connector)) == 2)
    card = created(connector)[1]
    text = visible_text(card.activity)
    assert "SP2200002" in text and not text.startswith("While it was quiet")
