"""The demo service-request desk: requests in the bot's SQLite database, alive over simulated time.

Filing is exactly once per idempotency key: the key is UNIQUE in the same table and transaction that
stores the request, so a double click, a redelivered activity or a retry after a crash finds the first
request instead of making a second. Statuses move as a real request's would (open -> Microsoft
responded -> attention needed -> closed), computed from the age of the request, so `requests` looks alive.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.errors import (
    AlreadyLinked,
    ServiceRequestNotFound,
    ServiceRequestOfAnotherCustomer,
    SupportDeskError,
)
from services.models import (
    Contact,
    Customer,
    Filing,
    Handoff,
    RequestDraft,
    RequestNote,
    RequestStatus,
    ServiceRequest,
    Severity,
    SupportCatalogue,
    SupportTopic,
)
from services.partner_center.handoff import PARTNER_CENTER_NEW_REQUEST, handoff_summary
from services.sqlite_database import SqliteDatabase
from services.support_catalogue import FIELD_LIMITS, SEVERITIES, load_support_topics

_SCHEMA = """
CREATE TABLE IF NOT EXISTS service_requests (
    number TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    topic_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    created TEXT NOT NULL,
    handed_off INTEGER NOT NULL DEFAULT 0,
    sr_number TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS service_request_notes (
    number TEXT NOT NULL REFERENCES service_requests (number),
    created TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS service_requests_by_created ON service_requests (created);
"""

_COLUMNS = (
    "number, idempotency_key, customer_id, customer_name, topic_id, severity, title, description, "
    "contact_name, contact_email, contact_phone, incident_id, requested_by, created, handed_off, sr_number"
)
# What the demo desk accepts; the live desk offers the same.
DEMO_LIMITS = FIELD_LIMITS
DEMO_SEVERITIES = SEVERITIES

# (age at which the status begins, status); the last one that has begun applies.
_LIFECYCLE = (
    (timedelta(0), RequestStatus.OPEN),
    (timedelta(hours=1), RequestStatus.MICROSOFT_RESPONDED),
    (timedelta(hours=6), RequestStatus.ATTENTION_NEEDED),
    (timedelta(days=2), RequestStatus.CLOSED),
)


def simulated_status(created: datetime, now: datetime) -> tuple[RequestStatus, datetime]:
    """The status a request of this age has reached, and when it got there."""
    status, since = RequestStatus.OPEN, created
    for age, step in _LIFECYCLE:
        if now - created >= age:
            status, since = step, created + age
    return status, since


_BY_NUMBER = "(number = ? OR (sr_number = ? AND sr_number != ''))"


def demo_catalogue(data_dir: Path) -> SupportCatalogue:
    """The demo dataset's support topics, with what the demo desk accepts."""
    topics = load_support_topics(data_dir / "supporttopics.json")
    return SupportCatalogue(tuple(topics), DEMO_SEVERITIES, DEMO_LIMITS)


def number_prefix(now: datetime, handed_off: bool) -> str:
    """Numbers are the date and a serial (16 digits, like Partner Center's); handed-off ones start 'E'."""
    return f"{'E' if handed_off else ''}{now:%y%m%d}0010"


def request_row(
    number: str, key: str, draft: RequestDraft, requested_by: str, now: datetime, handed_off: bool
) -> tuple[str | int, ...]:
    """A new request as stored, in `_COLUMNS` order."""
    return (
        number,
        key,
        draft.customer.customer_id,
        draft.customer.name,
        draft.topic.topic_id,
        draft.severity.value,
        draft.title,
        draft.description,
        draft.contact.name,
        draft.contact.email,
        draft.contact.phone,
        draft.incident_id,
        requested_by,
        now.isoformat(),
        int(handed_off),
        "",
    )


def filing(request: ServiceRequest, already: bool) -> Filing:
    """The filing of a stored request; a handed-off one comes with what to paste into Partner Center."""
    handoff = None
    if request.status is RequestStatus.AWAITING_NUMBER:
        handoff = Handoff(PARTNER_CENTER_NEW_REQUEST, handoff_summary(request))
    return Filing(request, already_filed=already, handoff=handoff)


class DemoServiceRequests:
    def __init__(
        self,
        database: SqliteDatabase,
        catalogue: SupportCatalogue,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> None:
        """Requests for `handoff_products` are handed off as Partner Center's would be; the rest are filed."""
        self._database = database
        self._catalogue = catalogue
        self._clock = clock
        self._handoff_products = handoff_products
        database.create_schema(_SCHEMA)

    @classmethod
    def open(
        cls,
        database: SqliteDatabase,
        data_dir: Path,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> DemoServiceRequests:
        return cls(database, demo_catalogue(data_dir), clock, handoff_products)

    async def support_catalogue(self) -> SupportCatalogue:
        return self._catalogue

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        now = self._clock()
        handed_off = draft.topic.product in self._handoff_products

        def file(db: sqlite3.Connection) -> tuple[str, bool]:
            with SqliteDatabase.transaction(db):
                row = db.execute(
                    "SELECT number FROM service_requests WHERE idempotency_key = ?", (idempotency_key,)
                ).fetchone()
                if row:
                    return str(row[0]), True
                prefix = number_prefix(now, handed_off)
                last = db.execute(
                    "SELECT max(number) FROM service_requests WHERE number LIKE ?", (prefix + "%",)
                ).fetchone()[0]
                number = f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:06d}"
                db.execute(
                    f"INSERT INTO service_requests ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                    request_row(number, idempotency_key, draft, requested_by, now, handed_off),
                )
                return number, False

        number, already = await self._database.run(file)
        return filing(await self.service_request(number), already)

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        rows = await self._select("WHERE idempotency_key = ?", (idempotency_key,))
        return rows[0] if rows else None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        if customer is None:
            found = await self._select("ORDER BY created DESC, number DESC LIMIT ? OFFSET ?", (limit, offset))
        else:
            found = await self._select(
                "WHERE customer_id = ? ORDER BY created DESC, number DESC LIMIT ? OFFSET ?",
                (customer.customer_id, limit, offset),
            )
        return sorted(found, key=lambda r: (r.last_modified, r.number), reverse=True)

    async def count_requests(self, customer: Customer | None = None) -> int:
        where, args = ("WHERE customer_id = ?", (customer.customer_id,)) if customer else ("", ())

        def count(db: sqlite3.Connection) -> int:
            return int(db.execute(f"SELECT COUNT(*) FROM service_requests {where}", args).fetchone()[0])

        return await self._database.run(count)

    async def service_request(self, number: str) -> ServiceRequest:
        rows = await self._select(f"WHERE {_BY_NUMBER}", (number, number))
        if not rows:
            raise ServiceRequestNotFound(number)
        return rows[0]

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        now = self._clock()

        def add(db: sqlite3.Connection) -> bool:
            with SqliteDatabase.transaction(db):
                row = db.execute(
                    f"SELECT number FROM service_requests WHERE {_BY_NUMBER}", (number, number)
                ).fetchone()
                if not row:
                    return False
                db.execute(
                    "INSERT INTO service_request_notes (number, created, author, text) VALUES (?, ?, ?, ?)",
                    (row[0], now.isoformat(), author, text),
                )
                return True

        if not await self._database.run(add):
            raise ServiceRequestNotFound(number)
        return await self.service_request(number)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        def link(db: sqlite3.Connection) -> str:
            with SqliteDatabase.transaction(db):
                row = db.execute(
                    "SELECT sr_number, customer_id, customer_name FROM service_requests "
                    "WHERE number = ? AND handed_off = 1",
                    (reference,),
                ).fetchone()
                if row is None:
                    raise ServiceRequestNotFound(reference)
                taken = db.execute(
                    "SELECT number, customer_id, customer_name FROM service_requests "
                    "WHERE sr_number = ? AND number != ?",
                    (number, reference),
                ).fetchone()
                if not row[0] and taken is not None:
                    raise taken_elsewhere(number, reference, (row[1], row[2]), taken)
                if not row[0]:
                    db.execute(
                        "UPDATE service_requests SET sr_number = ? WHERE number = ?", (number, reference)
                    )
                return str(row[0])

        linked_before = await self._database.run(link)
        if linked_before and linked_before != number:
            raise AlreadyLinked(reference, linked_before)
        return await self.service_request(reference)

    async def _select(self, where: str, args: tuple[object, ...]) -> list[ServiceRequest]:
        def read(db: sqlite3.Connection) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
            rows = db.execute(f"SELECT {_COLUMNS} FROM service_requests {where}", args).fetchall()
            numbers = [r[0] for r in rows]
            notes = db.execute(
                f"SELECT number, created, author, text FROM service_request_notes "
                f"WHERE number IN ({', '.join('?' * len(numbers))}) ORDER BY created, rowid",
                numbers,
            ).fetchall()
            return rows, notes

        rows, notes = await self._database.run(read)
        now = self._clock()
        return [self._request(row, [n for n in notes if n[0] == row[0]], now) for row in rows]

    def _request(self, row: tuple[str, ...], notes: list[tuple[str, ...]], now: datetime) -> ServiceRequest:
        return request_from_row(row, notes, now, self._catalogue)


def taken_elsewhere(
    number: str, reference: str, customer: tuple[str, str], holder: tuple[str, str, str]
) -> SupportDeskError:
    """`number` is already linked to `holder` (its reference, customer id and name): another customer's
    service request, or, for the same customer, a number another of its hand-offs holds."""
    holder_reference, holder_customer_id, holder_customer_name = holder
    if holder_customer_id != customer[0]:
        return ServiceRequestOfAnotherCustomer(number, reference, customer[1], holder_customer_name)
    return AlreadyLinked(holder_reference, number)


def request_from_row(
    row: Sequence[Any], notes: Sequence[Sequence[str]], now: datetime, catalogue: SupportCatalogue
) -> ServiceRequest:
    """A stored request (its `_COLUMNS`, and its notes as (number, created, author, text)) as of `now`."""
    (number, _, customer_id, customer_name, topic_id, severity, title, description) = row[:8]
    (contact_name, contact_email, contact_phone, incident_id, _, created_text, handed_off, sr_number) = row[
        8:
    ]
    created = datetime.fromisoformat(created_text)
    status, since = simulated_status(created, now)
    if handed_off and not sr_number:
        status, since = RequestStatus.AWAITING_NUMBER, created
    parsed_notes = tuple(RequestNote(datetime.fromisoformat(n[1]), n[2], n[3]) for n in notes)
    last = max([since, *(n.created for n in parsed_notes)])
    topic = catalogue.topic(topic_id)
    if topic is None:  # the catalogue changed since filing; keep the request readable
        topic = SupportTopic(topic_id, "Unknown product", f"Topic {topic_id}")
    return ServiceRequest(
        number=sr_number or number,
        reference=number if handed_off else "",
        customer_id=customer_id,
        customer_name=customer_name,
        topic=topic,
        severity=Severity(severity),
        title=title,
        description=description,
        contact=Contact(contact_name, contact_email, contact_phone),
        status=status,
        created=created,
        last_modified=last,
        incident_id=incident_id,
        notes=parsed_notes,
    )
