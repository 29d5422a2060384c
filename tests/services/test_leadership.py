"""Leadership by blob lease on Azurite: one leader at a time, handed over on release and on death."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.instances.leadership import LEASE_SECONDS, Leadership
from services.storage.blob_container import BlobContainer, BlobLocation
from tests.support.azurite import Azurite, own_azurite


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """An Azurite of this module's own: these tests time lease renewals, and late in a full run the
    session's emulator, holding every earlier test's blobs in memory, stalled a renewal past its lease."""
    yield from own_azurite(tmp_path_factory)


@pytest.fixture
async def container(azurite: Any) -> AsyncIterator[BlobContainer]:
    opened = BlobContainer(BlobLocation(f"leaders-{uuid.uuid4().hex[:12]}", azurite.connection_string))
    await opened.open()
    yield opened
    await opened.close()


class Work:
    """What a leader does: records who ran when, and whether two ran at once."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.overlap = False
        self.leaders: list[str] = []

    async def lead(self, name: str) -> None:
        self.overlap = self.overlap or bool(self.running)
        self.running.add(name)
        self.leaders.append(name)
        try:
            await asyncio.Event().wait()
        finally:
            self.running.discard(name)


async def _until(condition: Any, seconds: float) -> float:
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, "condition not met in time"
        await asyncio.sleep(0.05)
    return time.monotonic() - began


async def test_one_leader_and_a_shutdown_hands_over_at_once(container: BlobContainer) -> None:
    work = Work()
    first, second = (Leadership(container, "watcher", name) for name in ("a", "b"))
    running_first = asyncio.ensure_future(first.run(lambda: work.lead("a")))
    await _until(lambda: first.leading, 5)
    running_second = asyncio.ensure_future(second.run(lambda: work.lead("b")))
    await asyncio.sleep(1)
    assert work.running == {"a"} and not second.leading
    running_first.cancel()
    await asyncio.gather(running_first, return_exceptions=True)
    assert await _until(lambda: second.leading, 6) < 6
    assert work.leaders == ["a", "b"] and not work.overlap
    running_second.cancel()
    await asyncio.gather(running_second, return_exceptions=True)


async def test_a_leader_that_dies_is_succeeded_within_one_lease_period(container: BlobContainer) -> None:
    """The first leader's renewals stop without a release (as when its process is killed)."""
    work = Work()
    first, second = (Leadership(container, "watcher", name) for name in ("a", "b"))
    running_first = asyncio.ensure_future(first.run(lambda: work.lead("a")))
    await _until(lambda: first.leading, 5)
    running_second = asyncio.ensure_future(second.run(lambda: work.lead("b")))
    await asyncio.sleep(0.5)

    async def never(*_: Any, **__: Any) -> None:
        await asyncio.Event().wait()

    # From now on the first leader's storage calls hang: it must stop leading before the lease lapses.
    dead = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        for method in ("_renew", "_release", "_acquire"):
            patch.setattr(first, method, never)
        await _until(lambda: not first.leading, 15)
        stopped = time.monotonic()
        await _until(lambda: second.leading, 25)
    took_over = time.monotonic()
    assert stopped < took_over, "the old leader stopped before the new one started"
    assert took_over - dead < 15 + 5 + 1, "within one lease period and one attempt interval"
    assert work.leaders == ["a", "b"] and not work.overlap
    for task in (running_first, running_second):
        task.cancel()
    await asyncio.gather(running_first, running_second, return_exceptions=True)


async def test_a_leader_whose_renewals_are_slow_leads_alone_for_three_lease_periods(
    container: BlobContainer,
) -> None:
    """Every renewal takes 0.2 s of storage latency (a loaded storage account): each one that succeeds
    moves the leader's deadline on, so it keeps leading, and the other instance never does."""
    work = Work()
    first, second = (Leadership(container, "watcher", name) for name in ("a", "b"))
    renewals: list[float] = []

    async def slow_renew(lease: Any) -> None:
        await asyncio.sleep(0.2)
        await Leadership._renew(first, lease)
        renewals.append(time.monotonic())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(first, "_renew", slow_renew)
        running_first = asyncio.ensure_future(first.run(lambda: work.lead("a")))
        await _until(lambda: first.leading, 5)
        running_second = asyncio.ensure_future(second.run(lambda: work.lead("b")))
        began = time.monotonic()
        while time.monotonic() - began < 3 * LEASE_SECONDS:
            assert first.leading and not second.leading, f"leadership lost after {len(renewals)} renewals"
            await asyncio.sleep(0.1)
    assert len(renewals) >= 8, "renewed every third of the period throughout"
    assert work.leaders == ["a"] and not work.overlap
    for task in (running_first, running_second):
        task.cancel()
    await asyncio.gather(running_first, running_second, return_exceptions=True)
