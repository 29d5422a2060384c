"""Conversations the bot can post into without being asked: where each one is, and whether it still can.

The reference is the Teams edge's business (an opaque JSON object here); this store keeps it with what
delivery needs to know: whether the conversation still accepts the bot (403/404 mark it inactive), and
whether it asked for quiet until some time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.sqlite_database import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    inactive_reason TEXT NOT NULL DEFAULT '',
    quiet_since TEXT,
    quiet_until TEXT,
    updated_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class KnownConversation:
    conversation: str
    reference: dict[str, Any]
    active: bool
    inactive_reason: str
    quiet_since: datetime | None
    quiet_until: datetime | None

    def quiet_at(self, moment: datetime) -> bool:
        return self.quiet_until is not None and moment < self.quiet_until


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ConversationStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(SCHEMA)

    async def remember(self, conversation: str, reference: Mapping[str, Any], now: datetime) -> None:
        """Keep the newest reference; a conversation that writes to the bot is active again."""
        body = json.dumps(dict(reference), sort_keys=True)
        await self._database.run(
            lambda db: db.execute(
                "INSERT INTO conversations (conversation, reference, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(conversation) DO UPDATE SET reference = excluded.reference, active = 1, "
                "inactive_reason = '', updated_at = excluded.updated_at",
                (conversation, body, now.isoformat()),
            )
        )

    async def get(self, conversation: str) -> KnownConversation | None:
        found = await self.many([conversation])
        return found.get(conversation)

    async def many(self, conversations: list[str]) -> dict[str, KnownConversation]:
        if not conversations:
            return {}

        def select(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
            marks = ",".join("?" * len(conversations))
            return db.execute(
                "SELECT conversation, reference, active, inactive_reason, quiet_since, quiet_until "
                f"FROM conversations WHERE conversation IN ({marks})",
                conversations,
            ).fetchall()

        return {
            row[0]: KnownConversation(
                row[0], json.loads(row[1]), bool(row[2]), row[3], _moment(row[4]), _moment(row[5])
            )
            for row in await self._database.run(select)
        }

    async def deactivate(self, conversation: str, reason: str) -> None:
        await self._database.run(
            lambda db: db.execute(
                "UPDATE conversations SET active = 0, inactive_reason = ? WHERE conversation = ?",
                (reason, conversation),
            )
        )

    async def set_quiet(self, conversation: str, since: datetime | None, until: datetime | None) -> None:
        await self._database.run(
            lambda db: db.execute(
                "UPDATE conversations SET quiet_since = ?, quiet_until = ? WHERE conversation = ?",
                (since.isoformat() if since else None, until.isoformat() if until else None, conversation),
            )
        )

    async def end_quiet(self, conversation: str, now: datetime) -> None:
        """Quiet ends now; when it began is kept, so the digest can say 'since'."""
        await self._database.run(
            lambda db: db.execute(
                "UPDATE conversations SET quiet_until = ? WHERE conversation = ? AND quiet_until > ?",
                (now.isoformat(), conversation, now.isoformat()),
            )
        )

    async def forget(self, conversation: str) -> None:
        await self._database.run(
            lambda db: db.execute("DELETE FROM conversations WHERE conversation = ?", (conversation,))
        )

    async def count(self) -> int:
        row = await self._database.run(lambda db: db.execute("SELECT count(*) FROM conversations").fetchone())
        return int(row[0])
