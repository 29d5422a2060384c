"""Which incoming activities the bot accepted and whether each got its answer, kept in SQLite.

Teams redelivers an activity it thinks failed; an id already accepted in a conversation is not handled
again, across restarts too. An activity accepted but never finished (the process was stopped or killed
mid-turn) is still here at the next start, so the person who asked is told rather than forgotten.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.sqlite_database import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    conversation TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    reference TEXT,
    asked TEXT,
    accepted_at TEXT NOT NULL,
    PRIMARY KEY (conversation, activity_id)
);
CREATE INDEX IF NOT EXISTS turns_unfinished ON turns (finished, accepted_at);
"""


class Acceptance(enum.Enum):
    NEW = "new"
    # Seen before and answered: a redelivery.
    ANSWERED = "answered"
    # Seen before and not answered yet: in progress, or abandoned by an attempt that was cut off.
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class UnfinishedTurn:
    """An accepted activity that never got its answer: where to reply, and what was asked."""

    conversation: str
    activity_id: str
    reference: dict[str, Any]
    # What the person typed, '' for a button press, None when nobody waits for an answer.
    asked: str | None
    accepted_at: datetime


class TurnJournal:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(_SCHEMA)

    async def accept(
        self,
        conversation: str,
        activity_id: str,
        reference: Mapping[str, Any],
        asked: str | None,
        now: datetime,
    ) -> Acceptance:
        """Record the activity, or say what is already known of this id in this conversation."""
        row = (conversation, activity_id, json.dumps(dict(reference)), asked, now.isoformat())

        def insert(db: sqlite3.Connection) -> Acceptance:
            cursor = db.execute(
                "INSERT OR IGNORE INTO turns (conversation, activity_id, reference, asked, accepted_at) "
                "VALUES (?, ?, ?, ?, ?)",
                row,
            )
            if cursor.rowcount == 1:
                return Acceptance.NEW
            finished = db.execute(
                "SELECT finished FROM turns WHERE conversation = ? AND activity_id = ?",
                (conversation, activity_id),
            ).fetchone()
            return Acceptance.ANSWERED if finished and finished[0] else Acceptance.UNANSWERED

        return await self._database.run(insert)

    async def finish(self, conversation: str, activity_id: str) -> None:
        """The activity got its answer; keep only its id, for recognising redeliveries."""
        await self._database.run(
            lambda db: db.execute(
                "UPDATE turns SET finished = 1, reference = NULL, asked = NULL "
                "WHERE conversation = ? AND activity_id = ?",
                (conversation, activity_id),
            )
        )

    async def unfinished(self) -> list[UnfinishedTurn]:
        def select(db: sqlite3.Connection) -> list[tuple[str, str, str, str | None, str]]:
            return db.execute(
                "SELECT conversation, activity_id, reference, asked, accepted_at FROM turns "
                "WHERE finished = 0 ORDER BY accepted_at"
            ).fetchall()

        return [
            UnfinishedTurn(
                conversation, activity_id, json.loads(reference), asked, datetime.fromisoformat(at)
            )
            for conversation, activity_id, reference, asked, at in await self._database.run(select)
        ]

    async def forget_before(self, moment: datetime) -> None:
        """Drop finished ids older than any redelivery could be."""
        await self._database.run(
            lambda db: db.execute(
                "DELETE FROM turns WHERE finished = 1 AND accepted_at < ?", (moment.isoformat(),)
            )
        )
