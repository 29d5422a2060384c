"""Turns a dead instance left unanswered, on shared storage (BOT_STORAGE=azureblob, Azurite): while the
instance lives nobody else touches them; once its heartbeat lapses, a sweep of whichever instance comes
first tells each person exactly once, with the sentence that is true of how far the answer got. Time is
driven with short settings (a 3 s heartbeat period, a sweep every 0.3 s)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from app import create_app
from services.domain.ports import Backend
from services.storage.blob_container import BlobLocation
from settings import Settings
from tests.doubles.backends import GatedBackend
from tests.doubles.connector import FakeConnector
from tests.integration.teams import channel_message
from tests.integration.test_leader_handover import ConnectorThread, Instance
from tests.integration.test_leader_handover import _post as post
from tests.integration.test_leader_handover import _wait as wait_until
from tests.support import harness
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import visible_text

LEASE = 3.0
SWEEP = 0.3
NO_ANSWER_YET = "You asked 'health contoso' just before I restarted, so it has no answer yet."
MAYBE_ARRIVED = "You asked 'health contoso' just before I restarted, and my answer was on its way"


class StoppableClock:
    """Wall time until stopped: an instance whose heartbeats stand still is one that was killed."""

    def __init__(self) -> None:
        self.stopped_at: float | None = None

    def __call__(self) -> float:
        return self.stopped_at if self.stopped_at is not None else time.time()

    def stop(self) -> None:
        self.stopped_at = time.time()


async def _instance(
    aiohttp_client: Any,
    tmp_path: Path,
    location: BlobLocation,
    name: str,
    backend: Backend | None = None,
    wall_clock: StoppableClock | None = None,
    sweep: float = SWEEP,
) -> TestClient[Any, Any]:
    settings = Settings(
        data_dir=tmp_path / name,
        blob=location,
        instance_id=name,
        demo_tick_seconds=0,
        watch_interval_seconds=3600,
        reply_budget_seconds=1.5,
        drain_seconds=0,
        instance_lease_seconds=LEASE,
        recovery_sweep_seconds=sweep,
    )
    app = create_app(
        settings,
        backend=backend or harness.default_backend(),
        clock=lambda: DEMO_NOW,
        wall_clock=wall_clock or StoppableClock(),
    )
    return await aiohttp_client(app)


def _location(azurite: Any) -> BlobLocation:
    return BlobLocation(f"recovery-{uuid.uuid4().hex[:12]}", azurite.connection_string)


def _per_conversation(connector: FakeConnector) -> dict[str, list[str]]:
    said: dict[str, list[str]] = {}
    for sent in list(connector.sent):
        if sent.activity.get("type") == "message":
            said.setdefault(sent.conversation_id, []).append(visible_text(sent.activity))
    return said


async def test_a_killed_instances_cut_off_people_each_get_one_apology_within_a_lease_and_a_sweep(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    location = _location(azurite)
    other = await _instance(aiohttp_client, tmp_path, location, "green")
    blue_clock = StoppableClock()
    stuck = GatedBackend(demo_backend())
    blue = await _instance(aiohttp_client, tmp_path, location, "blue", stuck, blue_clock)
    burst = [channel_message(service_url, "health contoso") for _ in range(8)]
    responses = await asyncio.gather(*(blue.post("/api/messages", json=a) for a in burst))
    assert {r.status for r in responses} == {201}
    await connector.wait_until(lambda: len(connector.messages) == len(burst))  # "Still working…" each
    cut_off = {a["conversation"]["id"] for a in burst}

    # Alive and slow is not dead: for more than a heartbeat period nobody apologises for blue's turns.
    await asyncio.sleep(LEASE + 2 * SWEEP)
    assert all(len(said) == 1 for said in _per_conversation(connector).values())

    # Killed: its heartbeat stops (nothing is released, nothing finished), and it is restarted at once.
    blue_clock.stop()
    killed = time.monotonic()
    restarted = await _instance(aiohttp_client, tmp_path, location, "blue")
    await connector.wait_until(
        lambda: all(len(_per_conversation(connector).get(c, [])) == 2 for c in cut_off),
        seconds=LEASE + SWEEP + 3,
    )
    told_within = time.monotonic() - killed
    assert told_within < LEASE + SWEEP + 3
    await asyncio.sleep(4 * SWEEP)  # later sweeps, by either instance, tell nobody again
    said = _per_conversation(connector)
    for conversation in cut_off:
        still_working, apology = said[conversation]
        assert still_working.startswith("Still working on that")
        assert apology.startswith("I restarted before I could answer") and NO_ANSWER_YET in apology
    answer = await restarted.post("/api/messages", json=channel_message(service_url, "help"))
    assert answer.status == 201, "the restarted instance serves"
    del other


async def test_an_answer_handed_to_the_connector_gets_the_apology_that_says_it_may_have_arrived(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    """The connector stalls on the answer when the instance dies: the person gets the answer late and an
    apology that says so, not one claiming there was none."""
    location = _location(azurite)
    blue_clock = StoppableClock()
    blue = await _instance(aiohttp_client, tmp_path, location, "blue", wall_clock=blue_clock)
    await _instance(aiohttp_client, tmp_path, location, "green")
    connector.open.clear()
    asked = channel_message(service_url, "health contoso")
    assert (await blue.post("/api/messages", json=asked)).status == 201
    await connector.wait_until(lambda: any(kind == "message" for _, kind in connector.attempts))
    blue_clock.stop()
    await asyncio.sleep(LEASE + 3 * SWEEP)
    connector.open.set()
    await connector.wait_until(lambda: len(connector.messages) >= 2, seconds=5)
    await asyncio.sleep(3 * SWEEP)
    said = Counter(visible_text(m).split("\n")[0] for m in connector.messages)
    assert said == Counter({"Service health · Contoso Ltd": 1, "I restarted while answering": 1}), said
    (apology,) = [visible_text(m) for m in connector.messages if "restarted" in visible_text(m)]
    assert MAYBE_ARRIVED in apology


def test_two_processes_one_killed_mid_burst_and_restarted_at_once_each_cut_off_person_hears_once(
    tmp_path: Path, azurite: Any
) -> None:
    """As the issue measured it: two `app.py` processes on Azurite, one SIGKILLed while its answers wait
    on a slow Bot Connector, and started again at once. Every person it cut off gets exactly one apology,
    the one that says the answer was on its way, within a heartbeat period and a sweep (2 s of slack
    for a busy machine)."""
    connector = ConnectorThread()
    container = f"killed-{uuid.uuid4().hex[:12]}"
    env = {
        "BOT_INSTANCE_LEASE_SECONDS": str(LEASE),
        "BOT_RECOVERY_SWEEP_SECONDS": "1",
        "BOT_REPLY_BUDGET_SECONDS": "0.5",
        "BOT_WATCH_INTERVAL_SECONDS": "3600",
    }
    blue, green = (
        Instance(tmp_path, n, azurite.connection_string, container, **env) for n in ("blue", "green")
    )
    restarted: Instance | None = None
    try:
        wait_until(lambda: all(i.said("serving http://") for i in (blue, green)), 30)
        connector.fake.delay_seconds = 60.0  # the answers are on their way when the process dies
        burst = [channel_message(connector.fake.service_url, "health contoso") for _ in range(10)]
        for activity in burst:
            assert post(f"{blue.url}/api/messages", activity) == 201
        wait_until(lambda: sum(kind == "message" for _, kind in list(connector.fake.attempts)) >= 10, 20)
        blue.process.kill()
        killed = time.monotonic()
        restarted = Instance(tmp_path, "blue", azurite.connection_string, container, **env)
        connector.fake.delay_seconds = 0.0

        def apologies() -> Counter[str]:
            return Counter(
                sent.conversation_id
                for sent in list(connector.fake.sent)
                if "restarted" in visible_text(sent.activity)
            )

        cut_off = {activity["conversation"]["id"] for activity in burst}
        wait_until(lambda: set(apologies()) >= cut_off, LEASE + 1 + 2)
        assert time.monotonic() - killed < LEASE + 1 + 2
        time.sleep(3)  # later sweeps, by either process, tell nobody again
        assert apologies() == Counter({conversation: 1 for conversation in cut_off})
        for sent in list(connector.fake.sent):
            if "restarted" in visible_text(sent.activity):
                assert MAYBE_ARRIVED in visible_text(sent.activity)
        # At LOG_LEVEL=INFO the Azure SDK's request logs stay out of stderr, and no line holds a Teams id,
        # raw or percent-encoded as blob URLs carry it.
        lines = [line for instance in (blue, green, restarted) for _, line in instance.lines]
        assert lines and not any("Request URL" in line or "azure.core" in line for line in lines)
        assert not any("thread.tacv2" in line or "Ana-Bowman" in line for line in lines)
    finally:
        for instance in (blue, green, restarted):
            if instance is not None:
                instance.stop()


async def test_a_cut_off_turn_redelivered_to_another_instance_is_answered_there_and_not_apologised_for(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    """Teams retries an activity whose instance stopped mid-turn: the instance that takes the retry
    answers it, and no sweep apologises for it meanwhile, however long the answer takes."""
    location = _location(azurite)
    blue = await _instance(aiohttp_client, tmp_path, location, "blue", GatedBackend(demo_backend()))
    slow = GatedBackend(demo_backend())
    green = await _instance(aiohttp_client, tmp_path, location, "green", slow, sweep=1.0)
    asked = channel_message(service_url, "health contoso")
    assert (await blue.post("/api/messages", json=asked)).status == 201
    await connector.wait_for_messages(1)  # "Still working…"
    await blue.close()  # the turn is cut off; blue's heartbeat goes with it
    assert (await green.post("/api/messages", json=asked)).status == 201
    await asyncio.sleep(2.5)  # two of green's sweeps while its answer is still on the way
    slow.gate.set()
    await connector.wait_until(lambda: any("Contoso" in visible_text(m) for m in connector.messages))
    await asyncio.sleep(1.5)
    said = [visible_text(m).split("\n")[0] for m in connector.messages]
    assert not any("restarted" in line for line in said), said
    assert said[-1] == "Service health · Contoso Ltd" and said.count("Service health · Contoso Ltd") == 1
