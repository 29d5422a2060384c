"""Storage out of reach: /readyz says so in time and names it, a person who writes hears why, and both
come back once storage answers. On Azurite behind a relay that freezes or goes down, and on an SQLite
file locked by another process."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from services.storage.blob_container import BlobLocation
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.doubles.tcp_proxy import Mode, TcpProxy
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.support import harness
from tests.support.harness import DEMO_NOW
from tests.support.visible import visible_text

STORAGE_DOWN = "I can't reach my storage right now, so I can't take this in; please try again in a minute."
# /readyz must answer a load balancer's probe within 2 s; a little slack for a busy test machine.
READYZ_DEADLINE = 2.5


async def _readyz(bot: TestClient[Any, Any]) -> tuple[int, dict[str, Any]]:
    response = await asyncio.wait_for(bot.get("/readyz"), READYZ_DEADLINE)
    return response.status, await response.json()


async def _until_ready(bot: TestClient[Any, Any], seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status, body = await _readyz(bot)
        if status == 200:
            return body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


async def _said(bot: TestClient[Any, Any], connector: FakeConnector, text: str, service_url: str) -> str:
    before = len(connector.messages)
    response = await asyncio.wait_for(bot.post("/api/messages", json=channel_message(service_url, text)), 10)
    assert response.status in (200, 201), response.status
    return "\n".join(visible_text(m) for m in connector.messages[before:])


@pytest.fixture
async def relay(azurite: Any) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(azurite.port)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.mark.parametrize("outage", [Mode.FROZEN, Mode.DOWN], ids=["frozen", "down"])
async def test_blob_storage_out_of_reach_is_named_by_readyz_in_time_and_told_to_whoever_writes(
    outage: Mode,
    relay: TcpProxy,
    azurite: Any,
    aiohttp_client: Any,
    connector: FakeConnector,
    service_url: str,
    tmp_path: Path,
) -> None:
    location = BlobLocation(
        f"outage-{uuid.uuid4().hex[:12]}", relay.connection_string(azurite.connection_string)
    )
    settings = Settings(data_dir=tmp_path, blob=location, demo_tick_seconds=0, watch_interval_seconds=3600)
    bot = await aiohttp_client(
        create_app(settings, backend=harness.default_backend(), clock=lambda: DEMO_NOW)
    )
    # Ready once the relay's first connection is up (a first probe on a busy machine can miss its second).
    ready = {"status": "ready", "checks": {"storage": "ok", "blob_storage": "ok"}}
    assert await _until_ready(bot, 5) == ready

    await relay.set(outage)
    status, body = await _readyz(bot)
    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["storage"] == "ok" and body["checks"]["blob_storage"] != "ok", body
    assert await _said(bot, connector, "health contoso", service_url) == STORAGE_DOWN

    await relay.set(Mode.OPEN)
    await _until_ready(bot, 5)
    assert (await _said(bot, connector, "health contoso", service_url)).startswith("Service health · Contoso")


async def test_a_locked_sqlite_file_is_named_by_readyz_in_time_and_told_to_whoever_writes(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    bot = await start_bot()
    assert await _readyz(bot) == (200, {"status": "ready", "checks": {"storage": "ok"}})
    # Another process holds the write lock (a backup, a stuck maintenance job): every write waits.
    other = sqlite3.connect(tmp_path / "bot-state.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        status, body = await _readyz(bot)
        assert (status, body) == (
            503,
            {"status": "unavailable", "checks": {"storage": "no answer within 1.5 s"}},
        )
        korean = channel_message(service_url, "health contoso")
        korean["locale"] = "ko-KR"
        before = len(connector.messages)
        response = await asyncio.wait_for(bot.post("/api/messages", json=korean), 10)
        assert response.status == 201
        assert [visible_text(m) for m in connector.messages[before:]] == [
            "지금 저장소에 연결할 수 없어 요청을 받을 수 없습니다. 1분 후에 다시 시도해 주세요."
        ]
    finally:
        other.execute("ROLLBACK")
        other.close()
    await _until_ready(bot, 10)
    assert (await _said(bot, connector, "health contoso", service_url)).startswith("Service health · Contoso")
    # What was recorded late, once the lock went, is closed: no restart apology for it.
    await bot.close()
    sent = len(connector.messages)
    await start_bot()
    await asyncio.sleep(0.5)
    assert len(connector.messages) == sent
