"""The real aiohttp app on a loopback port, talking to a fake Bot Connector over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from services.domain.ports import Backend
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.support import harness
from tests.support.harness import DEMO_NOW

StartBot = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def connector(aiohttp_server: Any) -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    server = await aiohttp_server(fake.app())
    fake.service_url = str(server.make_url("/amer/"))
    yield fake
    fake.release_hanging.set()


@pytest.fixture
def service_url(connector: FakeConnector) -> str:
    return connector.service_url


@pytest.fixture
def start_bot(connector: FakeConnector, aiohttp_client: Any, tmp_path: Path) -> StartBot:
    """Bots started here stop before the fake connector does, as a real Bot Connector outlives a bot."""

    async def start(backend: Backend | None = None, **settings: Any) -> TestClient[Any, Any]:
        app = create_app(
            Settings(data_dir=tmp_path, **settings),
            backend=backend or harness.default_backend(),
            clock=lambda: DEMO_NOW,
        )
        return await aiohttp_client(app)

    return start
