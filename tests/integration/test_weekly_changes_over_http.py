"""The weekly message center digest over HTTP, on the SQLite file and on shared blobs in Azurite: two
instances of the bot over the same store, both running the weekly round when the digest falls due, post
it once, in the language the channel subscribed in; while the channel is quiet it waits, and goes when
quiet ends."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import WATCHER, WEEKLY, create_app
from services.backends.demo.backend import DemoBackend
from services.storage.blob_container import BlobLocation
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.teams import CHANNEL, channel_message
from tests.integration.test_change_notices_over_http import CONTOSO_TENANT, RECORDINGS
from tests.integration.test_notifications import QUIET_BOT, created, in_korean, say
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import visible_text

Start = Callable[[], Awaitable[TestClient[Any, Any]]]


@pytest.fixture(params=["sqlite", "azureblob"])
def storage(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "sqlite":
        return {}
    azurite = request.getfixturevalue("azurite")
    return {"blob": BlobLocation(f"weekly-{uuid.uuid4().hex[:12]}", azurite.connection_string)}


class Instances:
    """Bots over one store and one demo world, at a moment the test moves."""

    def __init__(self, aiohttp_client: Any, tmp_path: Path, storage: dict[str, Any]) -> None:
        self.now: datetime = DEMO_NOW  # a Tuesday, 09:00 UTC
        self.backend: DemoBackend = demo_backend()
        self._client, self._path, self._storage = aiohttp_client, tmp_path, storage

    async def start(self) -> TestClient[Any, Any]:
        options: dict[str, Any] = {**QUIET_BOT, **self._storage}
        settings = Settings(data_dir=self._path, **options)
        app = create_app(settings, backend=self.backend, clock=lambda: self.now)
        client: TestClient[Any, Any] = await self._client(app)
        return client


def digests(connector: FakeConnector, heading: str) -> list[str]:
    texts = [visible_text(s.activity) for s in created(connector) if s.conversation_id == CHANNEL]
    return [t for t in texts if t.startswith(heading)]


async def subscribed_in_korean_with_a_change(
    instances: Instances, bot: TestClient[Any, Any], service_url: str
) -> None:
    await say(bot, in_korean(channel_message(service_url, "구독 contoso 변경")))
    await say(bot, in_korean(channel_message(service_url, "변경 매주 화 11")))
    await bot.app[WATCHER].poll_once()  # the message center's baseline
    instances.backend.add_message(CONTOSO_TENANT, RECORDINGS)
    await bot.app[WATCHER].poll_once()


async def test_two_instances_post_the_weekly_digest_once_in_korean(
    aiohttp_client: Any, tmp_path: Path, storage: dict[str, Any], connector: FakeConnector, service_url: str
) -> None:
    instances = Instances(aiohttp_client, tmp_path, storage)
    one, two = await instances.start(), await instances.start()
    await subscribed_in_korean_with_a_change(instances, one, service_url)
    assert await one.app[WEEKLY].post_due() == 0, "before Tuesday 11:00 in Vienna (the Teams client's zone)"

    instances.now = DEMO_NOW + timedelta(hours=1, minutes=2)
    posted = await asyncio.gather(one.app[WEEKLY].post_due(), two.app[WEEKLY].post_due())
    assert sorted(posted) == [0, 1]
    await connector.wait_until(lambda: bool(digests(connector, "이번 주 메시지 센터")))
    (digest,) = digests(connector, "이번 주 메시지 센터")
    # New: the major change told this week; due: it, and Contoso's two demo messages due in December,
    # which the watcher keeps from its first read (their act-by dates are further than 7 days away).
    assert "새 메시지 1건 · 앞으로 30일 안에 조치할 메시지 3건" in digest
    assert digest.index("MC910001") < digest.index("MC905123") < digest.index("MC903311")
    assert "MC910001 · Microsoft Teams: classic meeting recordings move to Stream" in digest
    assert "Microsoft Teams · Contoso Ltd" in digest

    instances.now += timedelta(minutes=30)
    assert await one.app[WEEKLY].post_due() + await two.app[WEEKLY].post_due() == 0, "once a week"
    instances.now += timedelta(days=7)
    assert await two.app[WEEKLY].post_due() == 1, "and again the next week"


async def test_a_quiet_channel_gets_its_weekly_digest_when_quiet_ends(
    aiohttp_client: Any, tmp_path: Path, connector: FakeConnector, service_url: str
) -> None:
    instances = Instances(aiohttp_client, tmp_path, {})
    bot = await instances.start()
    await subscribed_in_korean_with_a_change(instances, bot, service_url)
    await say(bot, channel_message(service_url, "quiet 2"))
    instances.now = DEMO_NOW + timedelta(hours=1, minutes=2)
    assert await bot.app[WEEKLY].post_due() == 0
    assert digests(connector, "이번 주 메시지 센터") == []
    await say(bot, channel_message(service_url, "quiet off"))
    assert await bot.app[WEEKLY].post_due() == 1
    assert len(digests(connector, "이번 주 메시지 센터")) == 1
