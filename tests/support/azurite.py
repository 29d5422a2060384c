"""Azurite, the Azure Storage emulator, on a loopback port for the BOT_STORAGE=azureblob tests.

`make test` installs it from tools/azurite's lock file when Node is present; without Node the tests that
need it skip and say why. It keeps everything in memory, so each session starts empty.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from services.storage.blob_container import BlobContainer, BlobLocation

AZURITE = Path(__file__).resolve().parents[2] / "tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's one well-known development account (public, documented by Microsoft).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    port: int

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{ACCOUNT};"
        )


def missing() -> str | None:
    """Why Azurite can't run here, or None."""
    if shutil.which("node") is None:
        return "Node.js is not installed, so Azurite (the Azure Storage emulator) can't run"
    if not AZURITE.exists():
        raise RuntimeError(f"{AZURITE} is missing: run `make azurite` (make test does)")
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_azurite(workdir: Path) -> Iterator[Azurite]:
    port = _free_port()
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--blobHost=127.0.0.1",
            f"--blobPort={port}",
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--silent",
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
                    raise RuntimeError(f"Azurite did not start on port {port}: {error}") from None
                time.sleep(0.05)
        yield Azurite(port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def emptied(azurite: Azurite) -> None:
    """Delete every container: Azurite keeps all blobs in memory, and a session's worth of them slowed its
    answers past /readyz's one-second probe late in a full run (a failed CI run)."""
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    with service:
        for container in service.list_containers():
            service.delete_container(container.name)


def own_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """An Azurite for a fixture to yield (the session's, or a module's own); skips when it can't run."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    with running_azurite(tmp_path_factory.mktemp("azurite")) as emulator:
        yield emulator


async def open_container(request: pytest.FixtureRequest) -> BlobContainer:
    """A fresh, opened container of its own in the session's Azurite (skips when Azurite can't run)."""
    azurite: Azurite = request.getfixturevalue("azurite")
    container = BlobContainer(BlobLocation(f"t-{uuid.uuid4().hex[:16]}", azurite.connection_string))
    await container.open()
    return container
