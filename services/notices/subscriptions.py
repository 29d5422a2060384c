"""Which conversations want to hear about which customers' incidents: one record per conversation, the
list of its subscriptions in the order they were made, in the SQLite file or on shared blobs alike.
Reading every subscription (the watcher, each notice's audience) is one listing (on blobs, plus the
records changed since this instance last read them)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from services.domain.models import ALL_CUSTOMERS, CHANGES, Incident, Subscription
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE, Key
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_upgrade import move_table

COLLECTION = "subscriptions"


class SubscriptionStore:
    def __init__(self, place: Place) -> None:
        self._records = records_in(place, COLLECTION)
        if isinstance(place, SqliteDatabase):
            migrate_subscriptions_rows(place)

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
        # Counted on what the delete removed, not on an earlier read another instance may have changed.
        gone = [0]

        def change(current: list[dict[str, Any]] | None) -> Any:
            gone[0] = len(current or [])
            return None if current is not None else NO_CHANGE

        await self._records.change(change, conversation)
        return gone[0]

    async def watched_customers(self, kind: str | None = None) -> tuple[bool, set[str]]:
        """Whether some conversation wants every customer, and the customers named one by one; of
        subscriptions of `kind` only, when given (the watcher reads message centers for `changes`)."""
        ids = {s.customer_id for s in await self._all() if kind is None or s.kinds == kind}
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
    """The same customer and services, both to health (any of its kinds, which subscribing again
    replaces) or both to message center changes: `subscribe contoso changes` joins `subscribe contoso`."""
    return bool(
        stored["customer_id"] == wanted["customer_id"]
        and sorted(stored["services"]) == wanted["services"]
        and (stored.get("kinds") == CHANGES) == (wanted.get("kinds") == CHANGES)
    )


def _from_entry(conversation: str, entry: dict[str, Any]) -> Subscription:
    known = {f.name for f in fields(Subscription)} - {"conversation", "services"}
    values = {name: value for name, value in entry.items() if name in known}
    return Subscription(conversation=conversation, services=tuple(entry["services"]), **values)


def migrate_subscriptions_rows(database: SqliteDatabase) -> None:
    """The `subscriptions` table an earlier release wrote becomes one record per conversation, its
    subscriptions in the order that release listed them (when made, then by customer, then by services:
    the order of its table's key)."""

    def to_records(rows: list[dict[str, Any]]) -> dict[Key, Any]:
        records: dict[Key, Any] = {}
        for row in rows:
            records.setdefault((row["conversation"],), []).append(
                {
                    "customer_id": row["customer_id"],
                    "services": sorted(json.loads(row["services"])),
                    "kinds": row["kinds"],
                    "created_at": row["created_at"],
                }
            )
        return records

    move_table(
        database, "subscriptions", COLLECTION, "conversation, created_at, customer_id, services", to_records
    )


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
