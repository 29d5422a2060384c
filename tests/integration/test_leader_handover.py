"""Two `python app.py` processes on different ports sharing Azurite (BOT_STORAGE=azureblob): one leads
the watcher and the outbox; killing it (SIGKILL, no release) hands leadership to the other within one
lease period plus one attempt interval, and the killed leader never shared it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from services.leadership import LEASE_SECONDS

ROOT = Path(__file__).resolve().parents[2]


class Instance:
    def __init__(self, tmp_path: Path, name: str, connection_string: str, container: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.name = name
        self.lines: list[tuple[float, str]] = []
        env = {
            **os.environ,
            "PORT": str(port),
            "BOT_DATA_DIR": str(tmp_path / name),
            "BOT_STORAGE": "azureblob",
            "AZURE_STORAGE_CONNECTION_STRING": connection_string,
            "AZURE_STORAGE_CONTAINER": container,
            "WEBSITE_INSTANCE_ID": name,
            "BOT_DEMO_TICK_SECONDS": "0",
        }
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        threading.Thread(target=self._read, args=(self.process.stderr,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append((time.monotonic(), line))

    def said(self, words: str) -> float | None:
        return next((at for at, line in self.lines if words in line), None)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def instances(tmp_path: Path, azurite: Any) -> Iterator[list[Instance]]:
    container = f"handover-{uuid.uuid4().hex[:12]}"
    started = [Instance(tmp_path, name, azurite.connection_string, container) for name in ("blue", "green")]
    yield started
    for instance in started:
        instance.stop()


def _wait(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.1)


def test_killing_the_leader_hands_the_watcher_over_within_one_lease_period(instances: list[Instance]) -> None:
    _wait(lambda: all(i.said("serving http://") for i in instances), 30)
    _wait(lambda: any(i.said("leading role=notices") for i in instances), 10)
    time.sleep(1)
    leaders = [i for i in instances if i.said("leading role=notices")]
    assert len(leaders) == 1, "only one instance runs the watcher"
    (leader,) = leaders
    (follower,) = [i for i in instances if i is not leader]
    leader.process.kill()
    killed = time.monotonic()
    _wait(lambda: follower.said("leading role=notices"), LEASE_SECONDS + LEASE_SECONDS / 3 + 3)
    took_over = follower.said("leading role=notices")
    assert took_over is not None and took_over - killed >= 0
