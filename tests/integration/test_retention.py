"""Retention as the running bot does it: the leader forgets what is past its period every
BOT_RETENTION_INTERVAL_SECONDS, on SQLite and on blobs, and start-up never reads the whole history."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob.aio import ContainerClient

from app import create_app
from services.domain.models import Acceptance, AuditEntry
from services.domain.ports import ActivityJournal, AuditRecords
from services.instances.turn_journal import TurnJournal
from services.storage.audit_log import AuditLog
from services.storage.blob_container import BlobContainer, BlobLocation
from services.storage.sqlite_database import SqliteDatabase
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.teams import channel_message
from tests.support import harness
from tests.support.harness import DEMO_NOW
from tests.support.visible import visible_text

DAY = timedelta(days=1)


def _entry(days_ago: int) -> AuditEntry:
    return AuditEntry(DEMO_NOW - days_ago * DAY, "oid-1", "Ana Bowman", "filed", f"{days_ago} days", "h")


async def _seed(journal: ActivityJournal, audit: AuditRecords) -> None:
    """A finished turn 3 days old and one 1 day old; audit entries 400 and 10 days old."""
    for activity_id, days_ago in (("old", 3), ("young", 1)):
        await journal.accept("19:c", activity_id, {}, "help", DEMO_NOW - days_ago * DAY)
        await journal.finish("19:c", activity_id)
    for days_ago in (400, 10):
        await audit.record(_entry(days_ago))


async def _forgotten(journal: ActivityJournal, audit: AuditRecords) -> bool:
    return [e.detail for e in await audit.latest(10)] == ["10 days"] and await journal.accept(
        "19:c", "old", {}, "", DEMO_NOW
    ) == Acceptance.NEW


async def _check_kept(journal: ActivityJournal) -> None:
    assert await journal.accept("19:c", "young", {}, "", DEMO_NOW) == Acceptance.ANSWERED


@pytest.fixture
def blob_location(azurite: Any) -> BlobLocation:
    return BlobLocation(f"retention-{uuid.uuid4().hex[:12]}", azurite.connection_string)


@pytest.mark.parametrize("storage", ["sqlite", "azureblob"])
async def test_the_leader_forgets_what_is_past_retention_every_interval(
    storage: str, request: pytest.FixtureRequest, aiohttp_client: Any, tmp_path: Path
) -> None:
    blob = request.getfixturevalue("blob_location") if storage == "azureblob" else None
    if blob is None:
        database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
        journal: ActivityJournal = TurnJournal(database)
        audit: AuditRecords = AuditLog(database)
    else:
        container = BlobContainer(blob)
        await container.open()
        journal = TurnJournal(container)
        audit = AuditLog(container)
    await _seed(journal, audit)
    settings = Settings(
        data_dir=tmp_path,
        blob=blob,
        demo_tick_seconds=0,
        watch_interval_seconds=3600,
        retention_interval_seconds=0.3,
    )
    await aiohttp_client(create_app(settings, backend=harness.default_backend(), clock=lambda: DEMO_NOW))
    for _ in range(100):
        if await _forgotten(journal, audit):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("nothing was forgotten")
    await _check_kept(journal)
    if blob is None:
        database.close()
    else:
        await container.close()


async def test_start_up_on_blobs_lists_no_history_however_long(
    blob_location: BlobLocation,
    aiohttp_client: Any,
    connector: FakeConnector,
    service_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two days of answered turns (here 60) and one a killed run left unanswered: start-up lists only the
    open turns, answers the one, and never lists the journal."""
    container = BlobContainer(blob_location)
    await container.open()
    history = TurnJournal(container, "an-earlier-run")
    for n in range(60):
        await history.accept("19:c", f"answered-{n}", {}, "help", DEMO_NOW - timedelta(minutes=n))
        await history.finish("19:c", f"answered-{n}")
    asked = channel_message(service_url, "health contoso")
    reference = {"activityId": asked["id"], "conversation": asked["conversation"], "serviceUrl": service_url}
    await history.accept(asked["conversation"]["id"], asked["id"], reference, "health contoso", DEMO_NOW)
    await container.close()

    listed: Counter[str] = Counter()
    real_list_blobs = ContainerClient.list_blobs

    def counting_list_blobs(self: ContainerClient, name_starts_with: str | None = None, **kwargs: Any) -> Any:
        listing = real_list_blobs(self, name_starts_with=name_starts_with, **kwargs)

        async def count() -> AsyncIterator[Any]:
            async for blob in listing:
                listed[(name_starts_with or "").split("/")[0]] += 1
                yield blob

        return count()

    monkeypatch.setattr(ContainerClient, "list_blobs", counting_list_blobs)
    settings = Settings(
        data_dir=tmp_path, blob=blob_location, demo_tick_seconds=0, watch_interval_seconds=3600
    )
    await aiohttp_client(create_app(settings, backend=harness.default_backend(), clock=lambda: DEMO_NOW))
    (apology,) = await connector.wait_for_messages(1)
    assert "You asked 'health contoso' just before I restarted" in visible_text(apology)
    await asyncio.sleep(0.3)
    assert listed["turns"] == 0, listed
    assert sum(listed.values()) < 10, listed
