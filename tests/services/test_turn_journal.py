from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.domain.models import Acceptance
from services.instances.turn_journal import TurnJournal
from services.storage.sqlite_database import SqliteDatabase

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
REFERENCE = {"activityId": "a1", "conversation": {"id": "19:c"}, "serviceUrl": "https://smba.example/amer/"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    opened = SqliteDatabase(tmp_path / "state.sqlite3")
    yield opened
    opened.close()


async def test_an_activity_id_is_accepted_once_per_conversation(database: SqliteDatabase) -> None:
    journal = TurnJournal(database)
    assert await journal.accept("19:c", "a1", REFERENCE, "health contoso", NOW) == Acceptance.NEW
    assert await journal.accept("19:c", "a1", REFERENCE, "health contoso", NOW) == Acceptance.UNANSWERED
    await journal.finish("19:c", "a1")
    assert await journal.accept("19:c", "a1", REFERENCE, "health contoso", NOW) == Acceptance.ANSWERED
    assert await journal.accept("19:other", "a1", REFERENCE, "", NOW) == Acceptance.NEW


async def test_what_was_accepted_and_not_finished_survives_reopening(tmp_path: Path) -> None:
    first = SqliteDatabase(tmp_path / "state.sqlite3")
    journal = TurnJournal(first)
    await journal.accept("19:c", "a1", REFERENCE, "health contoso", NOW)
    await journal.accept("19:c", "a2", REFERENCE, "help", NOW)
    await journal.finish("19:c", "a2")
    first.close()
    reopened = SqliteDatabase(tmp_path / "state.sqlite3")
    journal = TurnJournal(reopened)
    (unfinished,) = await journal.unfinished()
    assert (unfinished.activity_id, unfinished.asked, unfinished.reference) == (
        "a1",
        "health contoso",
        REFERENCE,
    )
    assert await journal.accept("19:c", "a2", REFERENCE, "help", NOW) == Acceptance.ANSWERED, "still known"
    reopened.close()


async def test_old_finished_ids_are_forgotten_but_unfinished_ones_kept(database: SqliteDatabase) -> None:
    journal = TurnJournal(database)
    await journal.accept("19:c", "old", REFERENCE, "", NOW - timedelta(days=3))
    await journal.finish("19:c", "old")
    await journal.accept("19:c", "stuck", REFERENCE, "", NOW - timedelta(days=3))
    await journal.forget_before(NOW - timedelta(days=2))
    assert await journal.accept("19:c", "old", REFERENCE, "", NOW) == Acceptance.NEW
    assert [t.activity_id for t in await journal.unfinished()] == ["stuck", "old"]


async def test_storage_is_not_held_up_by_a_full_default_thread_pool(database: SqliteDatabase) -> None:
    """Connector calls used to share the default pool with SQLite; a hanging serviceUrl stalled storage."""
    loop = asyncio.get_running_loop()
    release = threading.Event()
    busy = [loop.run_in_executor(None, release.wait) for _ in range(64)]
    try:
        journal = TurnJournal(database)
        assert await asyncio.wait_for(journal.accept("19:c", "a1", REFERENCE, "", NOW), 5) == Acceptance.NEW
    finally:
        release.set()
        await asyncio.gather(*busy)
