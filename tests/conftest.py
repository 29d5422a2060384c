"""Shared fixtures: the demo world at its own asOf instant, so every timestamp is as in the files."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.backends.demo.backend import DemoBackend
from services.domain.models import Customer
from tests.doubles.live_world import LiveWorld, start_live_world
from tests.doubles.tls import LoopbackCA, make_test_ca
from tests.support import harness
from tests.support.azurite import Azurite, emptied, own_azurite
from tests.support.harness import demo_backend


@pytest.fixture(scope="session")
def demo() -> DemoBackend:
    return demo_backend()


@pytest.fixture
async def customers(demo: DemoBackend) -> list[Customer]:
    return list(await demo.list_customers())


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCA:
    return make_test_ca(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def live_world(aiohttp_server: Any, test_ca: LoopbackCA) -> AsyncIterator[LiveWorld]:
    world = await start_live_world(aiohttp_server, test_ca)
    yield world
    await world.backend.close()


EACH_LIVE_WORLD = pytest.StashKey[LiveWorld]()


@pytest.fixture(params=["demo", "live"])
async def each_backend(
    request: pytest.FixtureRequest, aiohttp_server: Any, test_ca: LoopbackCA, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """Runs a test on the demo backend, then on the live backend against the doubles (same dataset)."""
    if request.param == "demo":
        yield "demo"
        return
    world = await start_live_world(aiohttp_server, test_ca)
    monkeypatch.setattr(harness, "default_backend", lambda: world.backend)
    request.node.stash[EACH_LIVE_WORLD] = world
    yield "live"
    await world.backend.close()


@pytest.fixture
def each_live_world(request: pytest.FixtureRequest, each_backend: str) -> LiveWorld | None:
    """The doubles behind `each_backend` when it runs live (to arrange what Microsoft's side holds)."""
    return request.node.stash.get(EACH_LIVE_WORLD, None)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """One Azurite for the session; tests keep apart by using containers of their own."""
    yield from own_azurite(tmp_path_factory)


@pytest.fixture(autouse=True)
def _azurite_emptied_after_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that used Azurite leaves it empty, so the session's emulator stays as quick as a fresh one."""
    yield
    if "azurite" in request.fixturenames:
        emptied(request.getfixturevalue("azurite"))
