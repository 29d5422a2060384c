"""Who did what with the bot's privileged reach, kept in the bot's SQLite store or on shared blobs.

Every service request filed, note added, SR number linked, subscription changed, notice acknowledged
and access refused is one row: when, who (Entra object id and display name, the two things an operator
needs to follow up), what, and in which conversation. The conversation id and anything typed (a note's
text, a request's description) are personal or confidential: the conversation is stored hashed, and
the detail names only ids (customer, SR number, incident), never the text.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from services.blob_container import BlobContainer
from services.blob_records import BlobRecords
from services.models import AuditEntry
from services.sqlite_database import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    conversation TEXT NOT NULL
);
"""
# Enough to follow up on anything recent; `audit n` never reads more.
MAX_ENTRIES_SHOWN = 50


class AuditLog:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(_SCHEMA)

    async def record(self, entry: AuditEntry) -> None:
        row = (
            entry.at.isoformat(),
            entry.actor_id,
            entry.actor_name,
            entry.action,
            entry.detail,
            entry.conversation,
        )
        await self._database.run(
            lambda db: db.execute(
                "INSERT INTO audit (at, actor_id, actor_name, action, detail, conversation) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )
        )

    async def latest(self, count: int) -> list[AuditEntry]:
        """The newest `count` entries (at most MAX_ENTRIES_SHOWN), newest first."""
        limit = max(1, min(count, MAX_ENTRIES_SHOWN))

        def select(db: sqlite3.Connection) -> list[tuple[str, str, str, str, str, str]]:
            return db.execute(
                "SELECT at, actor_id, actor_name, action, detail, conversation FROM audit "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()

        return [
            AuditEntry(datetime.fromisoformat(at), actor_id, name, action, detail, conversation)
            for at, actor_id, name, action, detail, conversation in await self._database.run(select)
        ]

    async def forget_before(self, moment: datetime) -> int:
        """Retention: entries recorded before `moment` go; how many."""
        cursor = await self._database.run(
            lambda db: db.execute("DELETE FROM audit WHERE at < ?", (moment.isoformat(),))
        )
        return int(cursor.rowcount)


class BlobAuditLog:
    """The same log on shared blobs (BOT_STORAGE=azureblob): one record per entry, never rewritten. Its
    name starts with the recording time counted down from a far date, so listing names in order lists
    the newest first and `latest(n)` reads n names, however long the log. The time is this instance's
    clock in nanoseconds, kept strictly increasing: entries keep the order they were recorded in, as the
    SQLite log's id keeps it, even when their `at` is the same (one clock reading for a whole turn); a
    random suffix keeps two instances' entries of the same nanosecond apart."""

    def __init__(self, container: BlobContainer, ticks: Callable[[], int] = time.time_ns) -> None:
        """`ticks`: the wall clock in nanoseconds, replaceable to test the order on a coarse one."""
        self._records = BlobRecords(container, "audit")
        self._ticks = ticks
        self._last_tick = 0

    async def record(self, entry: AuditEntry) -> None:
        self._last_tick = max(self._ticks(), self._last_tick + 1)
        record = {**asdict(entry), "at": entry.at.isoformat()}
        await self._records.create(record, f"{_FAR_FUTURE_NS - self._last_tick:020d}-{uuid.uuid4().hex[:12]}")

    async def latest(self, count: int) -> list[AuditEntry]:
        """The newest `count` entries (at most MAX_ENTRIES_SHOWN), newest first."""
        limit = max(1, min(count, MAX_ENTRIES_SHOWN))
        keys = await self._records.keys(limit=limit)
        found = await self._records.get_many(keys)
        return [
            AuditEntry(**{**found[key], "at": datetime.fromisoformat(found[key]["at"])})
            for key in keys
            if key in found
        ]

    async def forget_before(self, moment: datetime) -> int:
        """Retention: entries recorded before `moment` go; how many. Their names say when (no download),
        and the oldest are listed last."""
        before = int(moment.timestamp() * 1_000_000_000)
        doomed = [key for key in await self._records.keys() if _FAR_FUTURE_NS - int(key[0][:20]) < before]
        for key in doomed:
            await self._records.delete(*key)
        return len(doomed)


# Above any time.time_ns() for three thousand years: the countdown stays positive and 20 digits wide.
_FAR_FUTURE_NS = 10**20 - 1
