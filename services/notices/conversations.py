"""Conversations the bot can post into without being asked: where each one is, and whether it still can.

The reference is the Teams edge's business (an opaque JSON object here); this store keeps it with what
delivery needs to know: whether the conversation still accepts the bot (403/404 mark it inactive), and
whether it asked for quiet until some time. One record per conversation, every field of
KnownConversation (so fields added later are kept), in the SQLite file or on shared blobs alike.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from services.domain.models import KnownConversation
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE, Key
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_upgrade import move_table

COLLECTION = "conversations"


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ConversationStore:
    """`remember` writes only when something changed, since it runs on every turn."""

    def __init__(self, place: Place) -> None:
        self._records = records_in(place, COLLECTION)
        if isinstance(place, SqliteDatabase):
            migrate_conversations_rows(place)

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
        """Change these fields of a known conversation (an unknown one stays unknown)."""
        await self._records.change(
            lambda current: {**current, **values} if current else NO_CHANGE, conversation
        )


def migrate_conversations_rows(database: SqliteDatabase) -> None:
    """The `conversations` table an earlier release wrote becomes one record per conversation."""

    def to_records(rows: list[dict[str, Any]]) -> dict[Key, Any]:
        return {
            (row["conversation"],): {
                "conversation": row["conversation"],
                "reference": json.loads(row["reference"]),
                "active": bool(row["active"]),
                "inactive_reason": row["inactive_reason"],
                "quiet_since": row["quiet_since"],
                "quiet_until": row["quiet_until"],
                "language": row.get("language") or "",
                "updated_at": row["updated_at"],
            }
            for row in rows
        }

    move_table(database, "conversations", COLLECTION, "conversation", to_records)


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
