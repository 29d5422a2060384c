"""Which runs are alive, on shared blobs: alive while they beat, over once a beat is a lapse old or they
stop, and alive again when they beat again. Time is a clock the test moves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.instances.instance_heartbeats import BlobHeartbeats, LocalHeartbeats
from tests.support.azurite import open_container

LAPSE = timedelta(seconds=15)


async def test_a_run_is_alive_while_it_beats_and_over_once_its_beat_lapsed_or_it_stopped(
    request: pytest.FixtureRequest,
) -> None:
    container = await open_container(request)
    now = [1_800_000_000.0]
    blue, green, grey = (
        BlobHeartbeats(container, run, LAPSE, lambda: now[0]) for run in ("blue/1", "green/1", "grey/1")
    )
    try:
        for run in (blue, green, grey):
            await run.beat()
        assert await blue.alive() == {"blue/1", "green/1", "grey/1"}
        assert blue.interval == 5.0, "beats every third of the lapse"
        await grey.stop()
        assert await blue.alive() == {"blue/1", "green/1"}, "a stopped run is over at once"
        now[0] += 14
        await blue.beat()
        assert await green.alive() == {"blue/1", "green/1"}, "14 s after its beat, green still counts"
        now[0] += 2
        assert await blue.alive() == {"blue/1"}, "16 s after its last beat green is over"
        assert await green.alive() == {"blue/1", "green/1"}, "a run always counts itself"
        await green.beat()
        assert await blue.alive() == {"blue/1", "green/1"}, "and is alive again once it beats"
    finally:
        await container.close()


async def test_with_sqlite_only_this_run_is_alive() -> None:
    local = LocalHeartbeats("blue/2")
    await local.beat()
    assert await local.alive() == {"blue/2"} and local.interval == 0
