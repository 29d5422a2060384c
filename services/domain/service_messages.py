"""Microsoft 365 message center: planned changes and retirements, with the dates they must be acted on by.

A ServiceMessage is Graph's serviceUpdateMessage in a customer's tenant. Microsoft posts one message to
many tenants under the same id, so questions across customers group by id and name every tenant it
reaches. Graph adds enum values over time: an unknown category or severity is kept as OTHER, never
rejected.
"""

from __future__ import annotations

import asyncio
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from services.domain.customer_search import normalize
from services.domain.errors import MessageNotFound, SupportDeskError, UnknownMessageService
from services.domain.models import Customer

if TYPE_CHECKING:  # ports imports this module's value types
    from services.domain.ports import MessageReader

# Message center ids: 'MC' and a number (MC123456), upper case as Graph writes them.
MESSAGE_ID_PATTERN = r"^MC[0-9]{3,12}$"
# `changes` across customers lists what must be acted on within this many days.
DUE_WITHIN = timedelta(days=30)
# Customers whose messages are read at once for a question across customers.
CONCURRENCY = 8


class MessageCategory(enum.StrEnum):
    PLAN_FOR_CHANGE = "planForChange"
    PREVENT_OR_FIX_ISSUE = "preventOrFixIssue"
    STAY_INFORMED = "stayInformed"
    OTHER = "other"

    @classmethod
    def of(cls, value: str) -> MessageCategory:
        """Graph's value in either case; one Graph adds later (or `unknownFutureValue`) is OTHER."""
        folded = value.casefold()
        return next((c for c in cls if c.value.casefold() == folded and c is not cls.OTHER), cls.OTHER)


class MessageSeverity(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"
    OTHER = "other"

    @classmethod
    def of(cls, value: str) -> MessageSeverity:
        folded = value.casefold()
        return next((s for s in cls if s.value == folded and s is not cls.OTHER), cls.OTHER)


@dataclass(frozen=True)
class ServiceMessage:
    """One message center post; `body` is already plain text (services.domain.html_text)."""

    message_id: str
    title: str
    services: tuple[str, ...]
    category: MessageCategory
    severity: MessageSeverity
    is_major_change: bool
    act_by: datetime | None
    start: datetime | None
    end: datetime | None
    last_modified: datetime
    tags: tuple[str, ...] = ()
    body: str = ""

    def is_open(self, now: datetime) -> bool:
        """Still in the message center: Microsoft ends a message at its `endDateTime`."""
        return self.end is None or self.end > now

    def due_within(self, now: datetime, window: timedelta) -> bool:
        """Its act-by date is at most `window` from now: an overdue one that is still open needs action
        most of all."""
        return self.act_by is not None and self.act_by <= now + window


@dataclass(frozen=True)
class TenantMessages:
    """A customer's message center, as of the moment it was read."""

    customer: Customer
    messages: tuple[ServiceMessage, ...]
    as_of: datetime


@dataclass(frozen=True)
class MessageLookup:
    """A message found by id, the customer it was found for, and the other customers it reaches."""

    message: ServiceMessage
    customer: Customer
    also_for: tuple[Customer, ...] = ()


@dataclass(frozen=True)
class DueChange:
    """A message that must be acted on soon, and every customer it applies to."""

    message: ServiceMessage
    customers: tuple[Customer, ...]


def is_message_id(text: str) -> bool:
    return re.fullmatch(MESSAGE_ID_PATTERN, text) is not None


def looks_like_message_id(text: str) -> bool:
    """A message center id typed in any case: MC123456, mc123456."""
    return is_message_id(text.strip().upper())


def _attention_order(message: ServiceMessage) -> tuple[bool, datetime, bool, float]:
    """Those needing something first (a major change or an act-by date), nearest act-by first and major
    before minor at the same date; then the rest, newest first."""
    needs_action = message.is_major_change or message.act_by is not None
    act_by = message.act_by or datetime.max.replace(tzinfo=message.last_modified.tzinfo)
    return (not needs_action, act_by, not message.is_major_change, -message.last_modified.timestamp())


def open_messages(
    messages: TenantMessages, now: datetime, service_filter: str = ""
) -> tuple[ServiceMessage, ...]:
    """The open messages about the services `service_filter` names (each word starts a word of a
    service's name: 'exchange', 'teams'), major changes and nearest act-by dates first. A filter that
    names no service any message is about raises UnknownMessageService listing the ones there are."""
    chosen = [m for m in messages.messages if m.is_open(now)]
    words = normalize(service_filter).split()
    if words:
        named = {
            s
            for m in messages.messages
            for s in m.services
            if all(any(w.startswith(q) for w in normalize(s).split()) for q in words)
        }
        if not named:
            known = sorted({s for m in messages.messages for s in m.services}, key=normalize)
            raise UnknownMessageService(service_filter, messages.customer.name, known)
        chosen = [m for m in chosen if named & set(m.services)]
    return tuple(sorted(chosen, key=_attention_order))


def _find(messages: TenantMessages, message_id: str) -> ServiceMessage | None:
    wanted = message_id.strip().upper()
    return next((m for m in messages.messages if m.message_id == wanted), None)


async def _each_tenant(backend: MessageReader, customers: Sequence[Customer]) -> list[TenantMessages]:
    """Every readable customer's message center; a tenant that can't be read now is left out (its
    error is the one answer only when it is the only customer)."""
    limiter = asyncio.Semaphore(CONCURRENCY)

    async def read(customer: Customer) -> TenantMessages:
        async with limiter:
            return await backend.tenant_messages(customer)

    results = await asyncio.gather(*(read(c) for c in customers), return_exceptions=True)
    read_ones: list[TenantMessages] = []
    for result in results:
        if isinstance(result, SupportDeskError):
            if len(customers) == 1:
                raise result
            continue
        if isinstance(result, BaseException):
            raise result
        read_ones.append(result)
    return read_ones


async def _readable(backend: MessageReader) -> list[Customer]:
    return sorted(
        (c for c in await backend.list_customers() if c.delegated_access), key=lambda c: normalize(c.name)
    )


async def find_message(backend: MessageReader, message_id: str) -> MessageLookup:
    """The message in every customer's tenant the backend lets the reader see, the first by name shown."""
    hits = [
        (tenant.customer, found)
        for tenant in await _each_tenant(backend, await _readable(backend))
        if (found := _find(tenant, message_id)) is not None
    ]
    if not hits:
        raise MessageNotFound(message_id.strip().upper())
    (customer, message), others = hits[0], hits[1:]
    return MessageLookup(message, customer, tuple(c for c, _ in others))


async def due_changes(
    backend: MessageReader, now: datetime, window: timedelta = DUE_WITHIN
) -> tuple[DueChange, ...]:
    """What needs action within `window` across the reader's customers: one row per message, nearest
    act-by date first, listing every customer it applies to."""
    by_id: dict[str, tuple[ServiceMessage, list[Customer]]] = {}
    for tenant in await _each_tenant(backend, await _readable(backend)):
        for message in tenant.messages:
            if message.is_open(now) and message.due_within(now, window):
                by_id.setdefault(message.message_id, (message, []))[1].append(tenant.customer)
    rows = [DueChange(message, tuple(customers)) for message, customers in by_id.values()]
    return tuple(sorted(rows, key=lambda r: (r.message.act_by or now, r.message.message_id)))
