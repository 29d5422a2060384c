"""Which conversations want to hear about which customers' incidents, kept in SQLite."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

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
        f"WHERE customer_id IN ({marks}) ORDER BY conversation",
        wanted,
    ).fetchall()
    audience: dict[str, list[str]] = {}
    for subscription in map(_subscription, rows):
        for customer_id in customer_ids:
            if subscription.covers(customer_id, incident):
                followed = audience.setdefault(subscription.conversation, [])
                if customer_id not in followed:
                    followed.append(customer_id)
    return audience
