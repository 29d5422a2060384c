"""Who did what with the bot's privileged reach, kept in the bot's SQLite file or on shared blobs alike.

Every service request filed, note added, SR number linked, subscription changed, notice acknowledged
and access refused is one record: when, who (Entra object id and display name, the two things an
operator needs to follow up), what, and in which conversation. The conversation id and anything typed (a
note's text, a request's description) are personal or confidential: the conversation is stored hashed,
and the detail names only ids (customer, SR number, incident), never the text.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from services.domain.models import AuditEntry
from services.storage.places import Place, records_in
from services.storage.records import Key
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_upgrade import move_table

COLLECTION = "audit"
# Enough to follow up on anything recent; `audit n` never reads more.
MAX_ENTRIES_SHOWN = 50
# Above any time in nanoseconds for three thousand years: the countdown stays positive and 20 digits wide.
_FAR_FUTURE_NS = 10**20 - 1


class AuditLog:
    """One record per entry, never rewritten. Its name starts with when it was recorded (its `at`, in
    nanoseconds) counted down from a far date, so listing names in order lists the newest first and
    `latest(n)` reads n names, however long the log, and retention needs no download. Entries of one
    moment (one clock reading serves a whole turn) keep the order they were recorded in: each is named at
    least a nanosecond after the one before; a random suffix keeps two instances' entries apart."""

    def __init__(self, place: Place) -> None:
        self._records = records_in(place, COLLECTION)
        self._last_tick = 0
        if isinstance(place, SqliteDatabase):
            migrate_audit_rows(place)

    async def record(self, entry: AuditEntry) -> None:
        self._last_tick = max(_nanoseconds(entry.at), self._last_tick + 1)
        await self._records.create(_record(entry), _name(self._last_tick, uuid.uuid4().hex[:12]))

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
        before = _nanoseconds(moment)
        doomed = [key for key in await self._records.keys() if _FAR_FUTURE_NS - int(key[0][:20]) < before]
        for key in doomed:
            await self._records.delete(*key)
        return len(doomed)


def migrate_audit_rows(database: SqliteDatabase) -> None:
    """The `audit` table an earlier release wrote becomes one record per entry, in the order of its ids."""

    def to_records(rows: list[dict[str, Any]]) -> dict[Key, Any]:
        records: dict[Key, Any] = {}
        tick = 0
        for row in rows:
            tick = max(_nanoseconds(datetime.fromisoformat(row["at"])), tick + 1)
            entry = AuditEntry(
                datetime.fromisoformat(row["at"]),
                row["actor_id"],
                row["actor_name"],
                row["action"],
                row["detail"],
                row["conversation"],
            )
            records[(_name(tick, f"{row['id']:012x}"),)] = _record(entry)
        return records

    move_table(database, "audit", COLLECTION, "id", to_records)


def _record(entry: AuditEntry) -> dict[str, Any]:
    record = {**asdict(entry), "at": entry.at.isoformat()}
    if not entry.actor_upn:
        # Acted as the app: the shape every release before Teams SSO wrote (and reads).
        del record["actor_upn"]
    return record


def _name(tick: int, suffix: str) -> str:
    return f"{_FAR_FUTURE_NS - tick:020d}-{suffix}"


def _nanoseconds(moment: datetime) -> int:
    """Exactly (a float's nanoseconds are not): whole seconds, then the microseconds."""
    return int(moment.replace(microsecond=0).timestamp()) * 1_000_000_000 + moment.microsecond * 1000
