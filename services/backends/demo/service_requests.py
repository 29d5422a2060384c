"""The demo service-request desk, alive over simulated time, on the SQLite file or on shared blobs alike.

Exactly once per idempotency key: `request-keys/<key>` is created only if absent, so of two instances
filing with one key at once, one names the number and the other finds it. Numbers come from
`request-serials/<prefix>`, a counter changed so that no write is lost: a number is handed out only
after its increment was written over the value it read, so two instances never hand out the same one (a
filing that loses the key race leaves a gap, which Partner Center's own numbers have too). A request's
notes live in its record, appended by a change, so notes added at once on two instances are both kept.
Statuses move as a real request's would (open -> Microsoft responded -> attention needed -> closed),
computed from the age of the request, so `requests` looks alive.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from services.backends.partner_center.handoff import PARTNER_CENTER_NEW_REQUEST, handoff_summary
from services.backends.support_catalogue import (
    FIELD_LIMITS,
    SEVERITIES,
    load_azure_support_topics,
    load_support_topics,
)
from services.domain.errors import (
    AlreadyLinked,
    ServiceRequestNotFound,
    ServiceRequestOfAnotherCustomer,
    SupportDeskError,
)
from services.domain.models import (
    Contact,
    Customer,
    Filing,
    Handoff,
    OpenRequestCounts,
    RequestDraft,
    RequestNote,
    RequestStatus,
    ServiceRequest,
    Severity,
    SupportCatalogue,
    SupportTopic,
)
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_records import insert_records

_COLUMNS = (
    "number, idempotency_key, customer_id, customer_name, topic_id, severity, title, description, "
    "contact_name, contact_email, contact_phone, incident_id, requested_by, created, handed_off, sr_number"
)
# Where a request's row (in `_COLUMNS` order) keeps what the desk looks up.
_KEY, _CUSTOMER, _CUSTOMER_NAME, _CREATED, _HANDED_OFF, _SR_NUMBER = 1, 2, 3, 13, 14, 15
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


def demo_catalogue(data_dir: Path) -> SupportCatalogue:
    """The demo dataset's support topics, Microsoft 365's then Azure's (as the live desk lists them), with
    what the demo desk accepts."""
    topics = load_support_topics(data_dir / "supporttopics.json")
    azure = load_azure_support_topics(data_dir / "azure-support")
    return SupportCatalogue((*topics, *azure), DEMO_SEVERITIES, DEMO_LIMITS)


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
    """The desk over records: `requests/<number>` holds a request's row and notes, `request-keys/<key>`
    names the number filed under an idempotency key, `request-serials/<prefix>` counts each day's numbers,
    and `request-links/<SR number>` names the hand-off that number is linked to."""

    def __init__(
        self,
        place: Place,
        catalogue: SupportCatalogue,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> None:
        """Requests for `handoff_products` are handed off as Partner Center's would be; the rest are filed."""
        self._requests = records_in(place, "requests")
        self._keys = records_in(place, "request-keys")
        self._serials = records_in(place, "request-serials")
        self._links = records_in(place, "request-links")
        if isinstance(place, SqliteDatabase):
            migrate_service_requests_rows(place)
        self._catalogue = catalogue
        self._clock = clock
        self._handoff_products = handoff_products

    @classmethod
    def open(
        cls,
        place: Place,
        data_dir: Path,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> DemoServiceRequests:
        return cls(place, demo_catalogue(data_dir), clock, handoff_products)

    async def support_catalogue(self) -> SupportCatalogue:
        return self._catalogue

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        now = self._clock()
        handed_off = draft.topic.product in self._handoff_products
        named = await self._keys.get(idempotency_key)
        already = named is not None
        if named is None:
            number = await self._next_number(number_prefix(now, handed_off))
            already = not await self._keys.create({"number": number}, idempotency_key)
            named = await self._keys.get(idempotency_key) if already else {"number": number}
        assert named is not None
        number = named["number"]
        # Written by whoever named the number; again here if that instance stopped before writing it.
        row = request_row(number, idempotency_key, draft, requested_by, now, handed_off)
        await self._requests.create({"row": list(row), "notes": []}, number)
        return filing(await self.service_request(number), already)

    async def _next_number(self, prefix: str) -> str:
        """The counter never gives one number twice, but it can be taken back (an operator's clean-up, a
        restore of its record): a number whose request is there is passed over, or the new filing would
        answer with that other request as its own."""
        while True:
            counter = await self._serials.change(lambda c: {"last": (c or {"last": 0})["last"] + 1}, prefix)
            assert counter is not None
            number = f"{prefix}{counter['last']:06d}"
            if await self._requests.get(number) is None:
                return number

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        named = await self._keys.get(idempotency_key)
        if named is None:
            return None
        record = await self._requests.get(named["number"])
        return self._request(record) if record else None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        records = (await self._requests.values()).values()
        rows = sorted(
            (r for r in records if customer is None or r["row"][_CUSTOMER] == customer.customer_id),
            key=lambda r: (r["row"][_CREATED], r["row"][0]),
            reverse=True,
        )[offset : offset + limit]
        found = [self._request(r) for r in rows]
        return sorted(found, key=lambda r: (r.last_modified, r.number), reverse=True)

    async def count_requests(self, customer: Customer | None = None) -> int:
        records = (await self._requests.values()).values()
        return sum(customer is None or r["row"][_CUSTOMER] == customer.customer_id for r in records)

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        records = (await self._requests.values()).values()
        ids = None if customers is None else {c.customer_id for c in customers}
        found = (self._request(r) for r in records if ids is None or r["row"][_CUSTOMER] in ids)
        return Counter((r.status, r.severity) for r in found if r.status is not RequestStatus.CLOSED)

    async def service_request(self, number: str) -> ServiceRequest:
        record = await self._requests.get(await self._stored_number(number))
        if record is None:
            raise ServiceRequestNotFound(number)
        return self._request(record)

    async def _stored_number(self, number: str) -> str:
        """Our own number for `number`, which may be the SR number linked to a handed-off request."""
        linked = await self._links.get(number)
        return str(linked["number"]) if linked else number

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        now = self._clock()
        stored = await self._stored_number(number)

        def append(record: dict[str, Any] | None) -> Any:
            if record is None:
                return NO_CHANGE
            return {**record, "notes": [*record["notes"], [stored, now.isoformat(), author, text]]}

        if await self._requests.change(append, stored) is None:
            raise ServiceRequestNotFound(number)
        return await self.service_request(stored)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        """The number is claimed for `reference` first (`request-links/<number>`, created only if absent),
        so of two hand-offs linking one number at once, on two instances, one gets it and the other is
        told whose it is; a claim whose hand-off turns out not to take it is given back."""
        claimed = await self._links.create({"number": reference}, number)
        holder = await self._links.get(number) if not claimed else {"number": reference}
        if holder and holder["number"] != reference:
            mine, theirs = await self._requests.get(reference), await self._requests.get(holder["number"])
            if mine is not None and theirs is not None and not mine["row"][_SR_NUMBER]:
                row, held = mine["row"], theirs["row"]
                raise taken_elsewhere(
                    number,
                    reference,
                    (row[_CUSTOMER], row[_CUSTOMER_NAME]),
                    (held[0], held[_CUSTOMER], held[_CUSTOMER_NAME]),
                )
        before: list[str] = []

        def link(record: dict[str, Any] | None) -> Any:
            before.clear()
            if record is None or not record["row"][_HANDED_OFF]:
                return NO_CHANGE
            before.append(record["row"][_SR_NUMBER])
            if before[0]:
                return NO_CHANGE
            row = list(record["row"])
            row[_SR_NUMBER] = number
            return {**record, "row": row}

        await self._requests.change(link, reference)
        if claimed and (not before or before[0] not in ("", number)):
            await self._links.change(lambda c: None if c == {"number": reference} else NO_CHANGE, number)
        if not before:
            raise ServiceRequestNotFound(reference)
        if before[0] and before[0] != number:
            raise AlreadyLinked(reference, before[0])
        return await self.service_request(reference)

    def _request(self, record: dict[str, Any]) -> ServiceRequest:
        return request_from_row(record["row"], record["notes"], self._clock(), self._catalogue)


def migrate_service_requests_rows(database: SqliteDatabase) -> None:
    """Move the requests and notes an earlier release kept in the `service_requests` and
    `service_request_notes` tables into the desk's records, in one transaction, once: each request with
    its notes (in the order they were added), its idempotency key, its linked SR number, and each day's
    counter at the last number filed. The old tables are kept as `<table>_before_records`."""

    def move(db: sqlite3.Connection) -> None:
        present = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'service_requests'"
        ).fetchone()
        if present is None:
            return
        notes: dict[str, list[list[str]]] = {}
        for note in db.execute(
            "SELECT number, created, author, text FROM service_request_notes ORDER BY created, rowid"
        ):
            notes.setdefault(note[0], []).append(list(note))
        records: dict[tuple[str, str], Any] = {}
        for row in db.execute(f"SELECT {_COLUMNS} FROM service_requests ORDER BY number"):
            number, key, sr_number = row[0], row[_KEY], row[_SR_NUMBER]
            records["requests", number] = {"row": list(row), "notes": notes.get(number, [])}
            records["request-keys", key] = {"number": number}
            if sr_number:
                records["request-links", sr_number] = {"number": number}
            prefix, serial = number[:-6], int(number[-6:])
            last = records.get(("request-serials", prefix), {"last": 0})["last"]
            records["request-serials", prefix] = {"last": max(last, serial)}
        insert_records(db, {(collection, (name,)): value for (collection, name), value in records.items()})
        for table in ("service_request_notes", "service_requests"):
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_before_records")

    database.upgrade(move)


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
