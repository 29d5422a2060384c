"""Which incoming activities the bot accepted and whether each got its answer, kept in SQLite.

Teams redelivers an activity it thinks failed; an id already accepted in a conversation is not handled
again, across restarts too. An activity accepted but never finished (the process was stopped or killed
mid-turn) is still here, under the run of the process that owned it: once that run's heartbeat has
lapsed (services/instance_heartbeats.py), a sweep claims it, exactly once, and the person who asked is
told rather than forgotten. When the answer was handed to the Bot Connector, and whether the Connector
confirmed it, is recorded too, so what they are told is true.
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
# Added after the first release: ensure_column keeps a database an older version made.
_COLUMNS = (
    ("owner", "TEXT NOT NULL DEFAULT ''"),
    ("answer", "TEXT"),
    ("claimed", "INTEGER NOT NULL DEFAULT 0"),
)


class Acceptance(enum.Enum):
    NEW = "new"
    # Seen before and answered: a redelivery.
    ANSWERED = "answered"
    # Seen before and not answered yet: in progress, or abandoned by an attempt that was cut off.
    UNANSWERED = "unanswered"


class Answer(enum.Enum):
    """How far a turn's answer got: handed to the Bot Connector (it may have arrived), or confirmed."""

    HANDED = "handed"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class UnfinishedTurn:
    """An accepted activity that never got its answer: where to reply, and what was asked."""

    conversation: str
    activity_id: str
    reference: dict[str, Any]
    # What the person typed, '' for a button press, None when nobody waits for an answer.
    asked: str | None
    accepted_at: datetime
    # The run (instance and process start) that accepted it; '' from a version that didn't say.
    owner: str = ""
    answer: Answer | None = None


class TurnJournal:
    def __init__(self, database: SqliteDatabase, owner: str = "") -> None:
        """`owner` names this run in each turn it accepts."""
        self._database = database
        self._owner = owner
        database.create_schema(_SCHEMA)
        for column, definition in _COLUMNS:
            database.ensure_column("turns", column, definition)

    async def accept(
        self,
        conversation: str,
        activity_id: str,
        reference: Mapping[str, Any],
        asked: str | None,
        now: datetime,
    ) -> Acceptance:
        """Record the activity, or say what is already known of this id in this conversation."""
        row = (conversation, activity_id, json.dumps(dict(reference)), asked, now.isoformat(), self._owner)

        def insert(db: sqlite3.Connection) -> Acceptance:
            cursor = db.execute(
                "INSERT OR IGNORE INTO turns "
                "(conversation, activity_id, reference, asked, accepted_at, owner) VALUES (?, ?, ?, ?, ?, ?)",
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

    async def answering(self, conversation: str, activity_id: str, answer: Answer) -> None:
        """The answer was handed to the Connector, or the Connector confirmed it (never taken back)."""
        await self._database.run(
            lambda db: db.execute(
                "UPDATE turns SET answer = ? WHERE conversation = ? AND activity_id = ? AND finished = 0 "
                "AND (answer IS NULL OR answer = ?)",
                (answer.value, conversation, activity_id, Answer.HANDED.value),
            )
        )

    async def unfinished(self) -> list[UnfinishedTurn]:
        """Turns not finished and not claimed by a sweep, oldest first."""

        def select(db: sqlite3.Connection) -> list[tuple[str, str, str, str | None, str, str, str | None]]:
            return db.execute(
                "SELECT conversation, activity_id, reference, asked, accepted_at, owner, answer FROM turns "
                "WHERE finished = 0 AND claimed = 0 ORDER BY accepted_at"
            ).fetchall()

        return [
            UnfinishedTurn(
                conversation,
                activity_id,
                json.loads(reference),
                asked,
                datetime.fromisoformat(at),
                owner,
                Answer(answer) if answer else None,
            )
            for conversation, activity_id, reference, asked, at, owner, answer in await self._database.run(
                select
            )
        ]

    async def claim(self, conversation: str, activity_id: str) -> bool:
        """Take an abandoned turn to tell its person: True for exactly one caller, before anything is sent."""
        cursor = await self._database.run(
            lambda db: db.execute(
                "UPDATE turns SET claimed = 1 WHERE conversation = ? AND activity_id = ? "
                "AND finished = 0 AND claimed = 0",
                (conversation, activity_id),
            )
        )
        return bool(cursor.rowcount == 1)

    async def forget_before(self, moment: datetime) -> int:
        """Drop finished (or claimed) ids older than any redelivery could be; how many went."""
        cursor = await self._database.run(
            lambda db: db.execute(
                "DELETE FROM turns WHERE (finished = 1 OR claimed = 1) AND accepted_at < ?",
                (moment.isoformat(),),
            )
        )
        return int(cursor.rowcount)
