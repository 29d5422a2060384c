"""The live desk's record of what the bot escalated, on the SQLite file or on shared blobs alike.

`escalations/<key>` holds each one, created only if absent, so of two instances recording one key at
once, one writes and the other finds it; `escalation-numbers/<reference or number>` names its key.
Partner Center hand-offs get an E-reference from a per-day counter in `escalation-serials/<prefix>`,
changed so that no write is lost, so two instances never hand out the same reference; the counter
names the key each serial went to, so twins recording one key at once get the same one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.domain.models import Contact, RequestNote, RequestStatus, ServiceRequest, Severity, SupportTopic
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_records import insert_records

AZURE = "azure"
PARTNER_CENTER = "partner_center"


@dataclass(frozen=True)
class Escalation:
    """One row of the bot's record: what was asked for, where it went, and its number once known."""

    key: str
    kind: str
    reference: str
    number: str
    customer_id: str
    customer_name: str
    tenant_id: str
    subscription_id: str
    topic: SupportTopic
    severity: Severity
    title: str
    description: str
    contact: Contact
    incident_id: str
    requested_by: str
    created: datetime

    def as_request(
        self,
        status: RequestStatus,
        last_modified: datetime | None = None,
        notes: tuple[RequestNote, ...] = (),
    ) -> ServiceRequest:
        return ServiceRequest(
            number=self.number or self.reference,
            reference=self.reference,
            customer_id=self.customer_id,
            customer_name=self.customer_name,
            topic=self.topic,
            severity=self.severity,
            title=self.title,
            description=self.description,
            contact=self.contact,
            status=status,
            created=self.created,
            last_modified=max([last_modified or self.created, *(n.created for n in notes)]),
            incident_id=self.incident_id,
            notes=notes,
        )


def reference_prefix(now: datetime) -> str:
    """Hand-off references: 'E', the date and a serial, 17 characters, unlike any Microsoft number."""
    return f"E{now:%y%m%d}0020"


_COLUMNS = (
    "idempotency_key, kind, reference, number, customer_id, customer_name, tenant_id, subscription_id, "
    "topic_id, product, topic_name, severity, title, description, contact_name, contact_email, "
    "contact_phone, incident_id, requested_by, created"
)


def _values(e: Escalation) -> list[str]:
    """An escalation in `_COLUMNS` order."""
    return [
        e.key,
        e.kind,
        e.reference,
        e.number,
        e.customer_id,
        e.customer_name,
        e.tenant_id,
        e.subscription_id,
        e.topic.topic_id,
        e.topic.product,
        e.topic.name,
        e.severity.value,
        e.title,
        e.description,
        e.contact.name,
        e.contact.email,
        e.contact.phone,
        e.incident_id,
        e.requested_by,
        e.created.isoformat(),
    ]


def _escalation(row: Sequence[str]) -> Escalation:
    (key, kind, reference, number, customer_id, customer_name, tenant_id, subscription_id) = row[:8]
    (topic_id, product, topic_name, severity, title, description, name, email, phone) = row[8:17]
    (incident_id, requested_by, created) = row[17:]
    return Escalation(
        key=key,
        kind=kind,
        reference=reference,
        number=number,
        customer_id=customer_id,
        customer_name=customer_name,
        tenant_id=tenant_id,
        subscription_id=subscription_id,
        topic=SupportTopic(topic_id, product, topic_name),
        severity=Severity(severity),
        title=title,
        description=description,
        contact=Contact(name, email, phone),
        incident_id=incident_id,
        requested_by=requested_by,
        created=datetime.fromisoformat(created),
    )


class EscalationLedger:
    def __init__(self, place: Place) -> None:
        self._escalations = records_in(place, "escalations")
        self._numbers = records_in(place, "escalation-numbers")
        self._serials = records_in(place, "escalation-serials")
        if isinstance(place, SqliteDatabase):
            migrate_live_escalations_rows(place)

    async def record(self, escalation: Escalation) -> None:
        """Store `escalation` unless its key is there already; a Partner Center one without a reference
        gets the next one of its day."""
        if await self._escalations.get(escalation.key) is not None:
            return
        values = _values(escalation)
        if escalation.kind == PARTNER_CENTER and not escalation.reference:
            prefix, key = reference_prefix(escalation.created), escalation.key

            def take(counter: dict[str, Any] | None) -> Any:
                """The day's next serial, unless this key has one: twins recording one key at once (on
                two instances) share it, and only one reference is used up."""
                counter = counter or {"last": 0}
                taken = counter.get("keys", {})
                if key in taken:
                    return NO_CHANGE
                return {"last": counter["last"] + 1, "keys": {**taken, key: counter["last"] + 1}}

            counter = await self._serials.change(take, prefix)
            assert counter is not None
            values[2] = f"{prefix}{counter['keys'][key]:06d}"
        if await self._escalations.create({"row": values}, escalation.key):
            for number in {values[2], values[3]} - {""}:
                await self._numbers.create({"key": escalation.key}, number)

    async def with_key(self, key: str) -> Escalation | None:
        record = await self._escalations.get(key)
        return _escalation(record["row"]) if record else None

    async def by_number(self, number: str) -> Escalation | None:
        """By reference, or by the number Microsoft gave."""
        named = await self._numbers.get(number)
        return await self.with_key(named["key"]) if named else None

    async def recent(self, customer_id: str | None, limit: int, offset: int = 0) -> list[Escalation]:
        """Newest first, the first `offset` skipped."""
        rows = [r["row"] for r in (await self._escalations.values()).values()]
        chosen = [row for row in rows if customer_id is None or row[4] == customer_id]
        chosen.sort(key=lambda row: row[19], reverse=True)
        return [_escalation(row) for row in chosen[offset : offset + limit]]

    async def count(self, customer_id: str | None) -> int:
        """How many `recent` could list."""
        rows = [r["row"] for r in (await self._escalations.values()).values()]
        return sum(customer_id is None or row[4] == customer_id for row in rows)

    async def of_customers(self, customer_ids: Collection[str] | None) -> list[Escalation]:
        """Every escalation of `customer_ids` (None: of every customer), in no particular order."""
        rows = [r["row"] for r in (await self._escalations.values()).values()]
        return [_escalation(row) for row in rows if customer_ids is None or row[4] in customer_ids]

    async def link(self, reference: str, number: str) -> str:
        """Attach `number` to the hand-off `reference` unless one is attached; the one attached before
        ('' when none). Raises KeyError when there is no such hand-off."""
        found = await self.by_number(reference)
        if found is None or found.kind != PARTNER_CENTER or found.reference != reference:
            raise KeyError(reference)
        before: list[str] = []

        def attach(record: dict[str, Any] | None) -> Any:
            before.clear()
            if record is None:
                return NO_CHANGE
            before.append(record["row"][3])
            if before[0]:
                return NO_CHANGE
            row = list(record["row"])
            row[3] = number
            return {"row": row}

        await self._escalations.change(attach, found.key)
        if not before[0]:
            await self._numbers.change(lambda current: current or {"key": found.key}, number)
        return before[0]


def migrate_live_escalations_rows(database: SqliteDatabase) -> None:
    """Move the escalations an earlier release kept in the `live_escalations` table into the ledger's
    records, in one transaction, once: each with its row, its reference and number naming it (the first
    recorded keeps a number two rows hold), and each day's counter at the last reference handed out. The
    old table is kept as `live_escalations_before_records`."""

    def move(db: sqlite3.Connection) -> None:
        present = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'live_escalations'"
        ).fetchone()
        if present is None:
            return
        records: dict[tuple[str, str], Any] = {}
        for row in db.execute(f"SELECT {_COLUMNS} FROM live_escalations ORDER BY created, rowid"):
            key, kind, reference, number = row[:4]
            records["escalations", key] = {"row": list(row)}
            for named in (reference, number):
                if named:
                    records.setdefault(("escalation-numbers", named), {"key": key})
            if kind == PARTNER_CENTER and reference:
                prefix, serial = reference[:-6], int(reference[-6:])
                last = records.get(("escalation-serials", prefix), {"last": 0})["last"]
                records["escalation-serials", prefix] = {"last": max(last, serial)}
        insert_records(db, {(collection, (name,)): value for (collection, name), value in records.items()})
        db.execute("ALTER TABLE live_escalations RENAME TO live_escalations_before_records")

    database.upgrade(move)
