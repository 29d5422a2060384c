"""Which conversations want to hear about which customers' incidents: in SQLite, or on shared blobs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from services.blob_container import BlobContainer
from services.blob_records import NO_CHANGE, BlobRecords
from services.models import ALL_CUSTOMERS, Incident, Subscription
from services.sqlite_database import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    conversation TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    services TEXT NOT NULL,
    kinds TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (conversation, customer_id, services)
);
CREATE INDEX IF NOT EXISTS subscriptions_by_customer ON subscriptions (customer_id);
"""


def _subscription(row: tuple[Any, ...]) -> Subscription:
    conversation, customer_id, services, kinds = row
    return Subscription(conversation, customer_id, tuple(json.loads(services)), kinds)


class SubscriptionStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(_SCHEMA)

    async def add(self, subscription: Subscription, now: datetime) -> None:
        """Subscribing again to the same customer and services replaces what it hears (kinds)."""
        row = (
            subscription.conversation,
            subscription.customer_id,
            json.dumps(sorted(subscription.services)),
            subscription.kinds,
            now.isoformat(),
        )
        await self._database.run(
            lambda db: db.execute(
                "INSERT INTO subscriptions (conversation, customer_id, services, kinds, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(conversation, customer_id, services) "
                "DO UPDATE SET kinds = excluded.kinds",
                row,
            )
        )

    async def of_conversation(self, conversation: str) -> list[Subscription]:
        def select(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return db.execute(
                "SELECT conversation, customer_id, services, kinds FROM subscriptions "
                "WHERE conversation = ? ORDER BY created_at, customer_id",
                (conversation,),
            ).fetchall()

        return [_subscription(row) for row in await self._database.run(select)]

    async def remove(self, subscriptions: list[Subscription]) -> int:
        """Remove exactly these subscriptions; returns how many there were."""
        rows = [(s.conversation, s.customer_id, json.dumps(sorted(s.services))) for s in subscriptions]

        def delete(db: sqlite3.Connection) -> int:
            with SqliteDatabase.transaction(db):
                return sum(
                    db.execute(
                        "DELETE FROM subscriptions "
                        "WHERE conversation = ? AND customer_id = ? AND services = ?",
                        row,
                    ).rowcount
                    for row in rows
                )

        return await self._database.run(delete)

    async def forget_conversation(self, conversation: str) -> int:
        return await self._database.run(
            lambda db: (
                db.execute("DELETE FROM subscriptions WHERE conversation = ?", (conversation,)).rowcount
            )
        )

    async def watched_customers(self) -> tuple[bool, set[str]]:
        """Whether some conversation wants every customer, and the customers named one by one."""

        def select(db: sqlite3.Connection) -> list[tuple[str]]:
            return db.execute("SELECT DISTINCT customer_id FROM subscriptions").fetchall()

        ids = {row[0] for row in await self._database.run(select)}
        return ALL_CUSTOMERS in ids, ids - {ALL_CUSTOMERS}

    async def audience(self, customer_ids: list[str], incident: Incident) -> dict[str, list[str]]:
        return await self._database.run(lambda db: audience_in(db, customer_ids, incident))


def audience_in(db: sqlite3.Connection, customer_ids: list[str], incident: Incident) -> dict[str, list[str]]:
    """Each conversation that wants to hear about `incident`, with which of `customer_ids` it follows.

    Runs on the database's thread, so the notice board can call it inside its own transaction."""
    wanted = [*customer_ids, ALL_CUSTOMERS]
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        "SELECT conversation, customer_id, services, kinds FROM subscriptions "
        f"WHERE customer_id IN ({marks}) ORDER BY conversation, created_at",
        wanted,
    ).fetchall()
    return covering(map(_subscription, rows), customer_ids, incident)


def covering(
    subscriptions: Iterable[Subscription], customer_ids: list[str], incident: Incident
) -> dict[str, list[str]]:
    """Each conversation among `subscriptions` that wants to hear about `incident`, with which of
    `customer_ids` it follows (in the order given), by conversation."""
    audience: dict[str, list[str]] = {}
    for subscription in sorted(subscriptions, key=lambda s: s.conversation):
        for customer_id in customer_ids:
            if subscription.covers(customer_id, incident):
                followed = audience.setdefault(subscription.conversation, [])
                if customer_id not in followed:
                    followed.append(customer_id)
    return audience


class BlobSubscriptionStore:
    """The same store on shared blobs (BOT_STORAGE=azureblob): one record per conversation, the list of
    its subscriptions in the order they were made. Reading every subscription (the watcher, each notice's
    audience) is one listing plus the records changed since this instance last read them."""

    def __init__(self, container: BlobContainer) -> None:
        self._records = BlobRecords(container, "subscriptions")

    async def add(self, subscription: Subscription, now: datetime) -> None:
        """Subscribing again to the same customer and services replaces what it hears (kinds, and any
        field Subscription gains later); it keeps its place in the order."""
        entry = {**_entry(subscription), "created_at": now.isoformat()}

        def change(current: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
            kept = list(current or [])
            for index, existing in enumerate(kept):
                if _same(existing, entry):
                    kept[index] = {**existing, **entry, "created_at": existing["created_at"]}
                    return kept
            return [*kept, entry]

        await self._records.change(change, subscription.conversation)

    async def of_conversation(self, conversation: str) -> list[Subscription]:
        entries = await self._records.get(conversation) or []
        return [_from_entry(conversation, entry) for entry in entries]

    async def remove(self, subscriptions: list[Subscription]) -> int:
        """Remove exactly these subscriptions; returns how many there were."""
        removed = 0
        by_conversation: dict[str, list[dict[str, Any]]] = {}
        for subscription in subscriptions:
            by_conversation.setdefault(subscription.conversation, []).append(_entry(subscription))
        for conversation, gone in by_conversation.items():
            # Counted on what the write replaced, not on an earlier read another instance may have changed.
            dropped = [0]

            def change(
                current: list[dict[str, Any]] | None,
                gone: list[dict[str, Any]] = gone,
                dropped: list[int] = dropped,
            ) -> Any:
                kept = [e for e in current or [] if not any(_same(e, g) for g in gone)]
                dropped[0] = len(current or []) - len(kept)
                return (kept or None) if dropped[0] else NO_CHANGE

            await self._records.change(change, conversation)
            removed += dropped[0]
        return removed

    async def forget_conversation(self, conversation: str) -> int:
        before = len(await self._records.get(conversation) or [])
        await self._records.delete(conversation)
        return before

    async def watched_customers(self) -> tuple[bool, set[str]]:
        """Whether some conversation wants every customer, and the customers named one by one."""
        ids = {s.customer_id for s in await self._all()}
        return ALL_CUSTOMERS in ids, ids - {ALL_CUSTOMERS}

    async def audience(self, customer_ids: list[str], incident: Incident) -> dict[str, list[str]]:
        return covering(await self._all(), customer_ids, incident)

    async def _all(self) -> list[Subscription]:
        records = await self._records.values()
        return [_from_entry(key[0], entry) for key, entries in records.items() for entry in entries]


def _entry(subscription: Subscription) -> dict[str, Any]:
    """A subscription as stored, without the conversation (the record's key); every field, so fields added
    to Subscription later are kept."""
    entry = asdict(subscription)
    del entry["conversation"]
    entry["services"] = sorted(subscription.services)
    return entry


def _same(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return bool(
        stored["customer_id"] == wanted["customer_id"] and sorted(stored["services"]) == wanted["services"]
    )


def _from_entry(conversation: str, entry: dict[str, Any]) -> Subscription:
    known = {f.name for f in fields(Subscription)} - {"conversation", "services"}
    values = {name: value for name, value in entry.items() if name in known}
    return Subscription(conversation=conversation, services=tuple(entry["services"]), **values)
