"""The live desk's record of what the bot escalated: in the SQLite file, or on shared blobs.

Once per idempotency key in both: SQLite checks and inserts in one transaction; blobs create the key's
record with If-None-Match: *, so of two instances recording one key at once, one writes and the other
finds it. Partner Center hand-offs get an E-reference from a per-day serial (a SQL max in SQLite; an
ETag-guarded counter on blobs, so two instances never hand out the same reference).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.blob_container import BlobContainer
from services.blob_records import NO_CHANGE, BlobRecords
from services.models import Contact, RequestNote, RequestStatus, ServiceRequest, Severity, SupportTopic
from services.sqlite_database import SqliteDatabase

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


class EscalationLedger(Protocol):
    async def record(self, escalation: Escalation) -> None:
        """Store `escalation` unless its key is there already; a Partner Center one without a reference
        gets the next one of its day."""

    async def with_key(self, key: str) -> Escalation | None: ...

    async def by_number(self, number: str) -> Escalation | None:
        """By reference, or by the number Microsoft gave."""

    async def recent(self, customer_id: str | None, limit: int, offset: int = 0) -> list[Escalation]:
        """Newest first, the first `offset` skipped."""

    async def count(self, customer_id: str | None) -> int:
        """How many `recent` could list."""

    async def link(self, reference: str, number: str) -> str:
        """Attach `number` to the hand-off `reference` unless one is attached; the one attached before
        ('' when none). Raises KeyError when there is no such hand-off."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS live_escalations (
    idempotency_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    reference TEXT NOT NULL,
    number TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    topic_id TEXT NOT NULL,
    product TEXT NOT NULL,
    topic_name TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS live_escalations_by_created ON live_escalations (created);
"""
_COLUMNS = (
    "idempotency_key, kind, reference, number, customer_id, customer_name, tenant_id, subscription_id, "
    "topic_id, product, topic_name, severity, title, description, contact_name, contact_email, "
    "contact_phone, incident_id, requested_by, created"
)
_BY_NUMBER = "(reference = ? OR (number = ? AND number != ''))"


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


class SqliteEscalationLedger:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(_SCHEMA)

    async def record(self, escalation: Escalation) -> None:
        def record(db: sqlite3.Connection) -> None:
            with SqliteDatabase.transaction(db):
                key = escalation.key
                if db.execute("SELECT 1 FROM live_escalations WHERE idempotency_key = ?", (key,)).fetchone():
                    return
                values = _values(escalation)
                if escalation.kind == PARTNER_CENTER and not escalation.reference:
                    prefix = reference_prefix(escalation.created)
                    last = db.execute(
                        "SELECT max(reference) FROM live_escalations WHERE reference LIKE ?", (prefix + "%",)
                    ).fetchone()[0]
                    values[2] = f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"
                db.execute(
                    f"INSERT INTO live_escalations ({_COLUMNS}) VALUES ({', '.join('?' * 20)})", values
                )

        await self._database.run(record)

    async def with_key(self, key: str) -> Escalation | None:
        rows = await self._select("WHERE idempotency_key = ?", (key,))
        return rows[0] if rows else None

    async def by_number(self, number: str) -> Escalation | None:
        rows = await self._select(f"WHERE {_BY_NUMBER}", (number, number))
        return rows[0] if rows else None

    async def recent(self, customer_id: str | None, limit: int, offset: int = 0) -> list[Escalation]:
        if customer_id is None:
            return await self._select("ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?", (limit, offset))
        return await self._select(
            "WHERE customer_id = ? ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?",
            (customer_id, limit, offset),
        )

    async def count(self, customer_id: str | None) -> int:
        where, args = ("WHERE customer_id = ?", (customer_id,)) if customer_id else ("", ())

        def count(db: sqlite3.Connection) -> int:
            return int(db.execute(f"SELECT COUNT(*) FROM live_escalations {where}", args).fetchone()[0])

        return await self._database.run(count)

    async def link(self, reference: str, number: str) -> str:
        def link(db: sqlite3.Connection) -> str:
            with SqliteDatabase.transaction(db):
                row = db.execute(
                    "SELECT number FROM live_escalations WHERE reference = ? AND kind = ?",
                    (reference, PARTNER_CENTER),
                ).fetchone()
                if row is None:
                    raise KeyError(reference)
                if not row[0]:
                    db.execute(
                        "UPDATE live_escalations SET number = ? WHERE reference = ?", (number, reference)
                    )
                return str(row[0])

        return await self._database.run(link)

    async def _select(self, where: str, args: tuple[object, ...]) -> list[Escalation]:
        def read(db: sqlite3.Connection) -> list[tuple[str, ...]]:
            return db.execute(f"SELECT {_COLUMNS} FROM live_escalations {where}", args).fetchall()

        return [_escalation(r) for r in await self._database.run(read)]


class BlobEscalationLedger:
    """`escalations/<key>` holds each one; `escalation-numbers/<reference or number>` names its key."""

    def __init__(self, container: BlobContainer) -> None:
        self._escalations = BlobRecords(container, "escalations")
        self._numbers = BlobRecords(container, "escalation-numbers")
        self._serials = BlobRecords(container, "escalation-serials")

    async def record(self, escalation: Escalation) -> None:
        if await self._escalations.get(escalation.key) is not None:
            return
        values = _values(escalation)
        if escalation.kind == PARTNER_CENTER and not escalation.reference:
            prefix = reference_prefix(escalation.created)
            counter = await self._serials.change(lambda c: {"last": (c or {"last": 0})["last"] + 1}, prefix)
            assert counter is not None
            values[2] = f"{prefix}{counter['last']:06d}"
        if await self._escalations.create({"row": values}, escalation.key):
            for number in {values[2], values[3]} - {""}:
                await self._numbers.create({"key": escalation.key}, number)

    async def with_key(self, key: str) -> Escalation | None:
        record = await self._escalations.get(key)
        return _escalation(record["row"]) if record else None

    async def by_number(self, number: str) -> Escalation | None:
        named = await self._numbers.get(number)
        return await self.with_key(named["key"]) if named else None

    async def recent(self, customer_id: str | None, limit: int, offset: int = 0) -> list[Escalation]:
        rows = [r["row"] for r in (await self._escalations.values()).values()]
        chosen = [row for row in rows if customer_id is None or row[4] == customer_id]
        chosen.sort(key=lambda row: row[19], reverse=True)
        return [_escalation(row) for row in chosen[offset : offset + limit]]

    async def count(self, customer_id: str | None) -> int:
        rows = [r["row"] for r in (await self._escalations.values()).values()]
        return sum(customer_id is None or row[4] == customer_id for row in rows)

    async def link(self, reference: str, number: str) -> str:
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
