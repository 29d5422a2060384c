"""Conversations the bot can post into without being asked: where each one is, and whether it still can.

The reference is the Teams edge's business (an opaque JSON object here); this store keeps it with what
delivery needs to know: whether the conversation still accepts the bot (403/404 mark it inactive), and
whether it asked for quiet until some time.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from services.blob_container import BlobContainer
from services.blob_records import NO_CHANGE, BlobRecords
from services.sqlite_database import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    inactive_reason TEXT NOT NULL DEFAULT '',
    quiet_since TEXT,
    quiet_until TEXT,
    updated_at TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT ''
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
    # The language notices are posted in: the subscriber's, set by `subscribe` ('' until then: English).
    language: str = ""

    def quiet_at(self, moment: datetime) -> bool:
        return self.quiet_until is not None and moment < self.quiet_until


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ConversationStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(SCHEMA)
        # Made before notices had a language: the column joins the existing rows, as English.
        database.ensure_column("conversations", "language", "TEXT NOT NULL DEFAULT ''")

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
                "SELECT conversation, reference, active, inactive_reason, quiet_since, quiet_until, language "
                f"FROM conversations WHERE conversation IN ({marks})",
                conversations,
            ).fetchall()

        return {
            row[0]: KnownConversation(
                row[0], json.loads(row[1]), bool(row[2]), row[3], _moment(row[4]), _moment(row[5]), row[6]
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

    async def set_language(self, conversation: str, language: str) -> None:
        await self._database.run(
            lambda db: db.execute(
                "UPDATE conversations SET language = ? WHERE conversation = ?", (language, conversation)
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


class BlobConversationStore:
    """The same store on shared blobs (BOT_STORAGE=azureblob): one record per conversation, every field
    of KnownConversation (so fields added later are kept). `remember` writes only when something changed,
    since it runs on every turn."""

    def __init__(self, container: BlobContainer) -> None:
        self._records = BlobRecords(container, "conversations")

    async def remember(self, conversation: str, reference: Mapping[str, Any], now: datetime) -> None:
        """Keep the newest reference; a conversation that writes to the bot is active again."""
        wanted = json.loads(json.dumps(dict(reference), sort_keys=True))

        def change(current: dict[str, Any] | None) -> Any:
            if current is None:
                fresh = KnownConversation(conversation, wanted, True, "", None, None)
                return {**_record(fresh), "updated_at": now.isoformat()}
            if current["reference"] == wanted and current["active"]:
                return NO_CHANGE
            return {
                **current,
                "reference": wanted,
                "active": True,
                "inactive_reason": "",
                "updated_at": now.isoformat(),
            }

        await self._records.change(change, conversation)

    async def get(self, conversation: str) -> KnownConversation | None:
        found = await self.many([conversation])
        return found.get(conversation)

    async def many(self, conversations: list[str]) -> dict[str, KnownConversation]:
        found = await self._records.get_many((c,) for c in conversations)
        return {key[0]: _known(record) for key, record in found.items()}

    async def deactivate(self, conversation: str, reason: str) -> None:
        await self._update(conversation, active=False, inactive_reason=reason)

    async def set_quiet(self, conversation: str, since: datetime | None, until: datetime | None) -> None:
        await self._update(
            conversation,
            quiet_since=since.isoformat() if since else None,
            quiet_until=until.isoformat() if until else None,
        )

    async def set_language(self, conversation: str, language: str) -> None:
        await self._update(conversation, language=language)

    async def end_quiet(self, conversation: str, now: datetime) -> None:
        """Quiet ends now; when it began is kept, so the digest can say 'since'."""

        def change(current: dict[str, Any] | None) -> Any:
            until = _moment(current.get("quiet_until")) if current else None
            if current is None or until is None or until <= now:
                return NO_CHANGE
            return {**current, "quiet_until": now.isoformat()}

        await self._records.change(change, conversation)

    async def forget(self, conversation: str) -> None:
        await self._records.delete(conversation)

    async def count(self) -> int:
        return len(await self._records.keys())

    async def _update(self, conversation: str, **values: Any) -> None:
        """Change these fields of a known conversation (an unknown one stays unknown, as in SQLite)."""
        await self._records.change(
            lambda current: {**current, **values} if current else NO_CHANGE, conversation
        )


def _record(known: KnownConversation) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in asdict(known).items()
    }


def _known(record: dict[str, Any]) -> KnownConversation:
    values: dict[str, Any] = {}
    for field in fields(KnownConversation):
        if field.name in record:
            value = record[field.name]
            values[field.name] = _moment(value) if "datetime" in str(field.type) else value
    return KnownConversation(**values)
