"""Questions about the Microsoft 365 message center: a customer's open messages in the order a desk acts on
them, one message by id across customers, and what needs action soon across customers.

Microsoft posts one message to many tenants under the same id, so questions across customers group by id
and name every tenant it reaches (services.domain.models.ServiceMessage holds one message).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from services.domain.customer_search import normalize
from services.domain.errors import MessageNotFound, SupportDeskError, UnknownMessageService
from services.domain.models import (
    ACTION_DUE,
    CHANGE_CLASSIFICATION,
    DUE_WITHIN,
    MAJOR_CHANGE,
    Customer,
    DueChange,
    DueChanges,
    Incident,
    MessageLookup,
    ServiceMessage,
    ServiceStatus,
    TenantMessages,
)
from services.domain.ports import MessageReader
from services.domain.service_words import names_service

# Message center ids: 'MC' and a number (MC123456), upper case as Graph writes them.
MESSAGE_ID_PATTERN = r"^MC[0-9]{3,12}$"
# Customers whose messages are read at once for a question across customers.
CONCURRENCY = 8


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
        named = {s for m in messages.messages for s in m.services if names_service(service_filter, s)}
        if not named:
            known = sorted({s for m in messages.messages for s in m.services}, key=normalize)
            raise UnknownMessageService(service_filter, messages.customer.name, known)
        chosen = [m for m in chosen if named & set(m.services)]
    return tuple(sorted(chosen, key=_attention_order))


def _find(messages: TenantMessages, message_id: str) -> ServiceMessage | None:
    wanted = message_id.strip().upper()
    return next((m for m in messages.messages if m.message_id == wanted), None)


async def _each_tenant(
    backend: MessageReader, customers: Sequence[Customer]
) -> tuple[list[TenantMessages], int]:
    """Every readable customer's message center, and how many couldn't be read now (left out; the error
    is the one answer only when it is the only customer)."""
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
    return read_ones, len(customers) - len(read_ones)


async def _readable(backend: MessageReader) -> list[Customer]:
    return sorted(
        (c for c in await backend.list_customers() if c.delegated_access), key=lambda c: normalize(c.name)
    )


async def find_message(backend: MessageReader, message_id: str) -> MessageLookup:
    """The message in every customer's tenant the backend lets the reader see, the first by name shown."""
    hits = [
        (tenant.customer, found)
        for tenant in (await _each_tenant(backend, await _readable(backend)))[0]
        if (found := _find(tenant, message_id)) is not None
    ]
    if not hits:
        raise MessageNotFound(message_id.strip().upper())
    (customer, message), others = hits[0], hits[1:]
    return MessageLookup(message, customer, tuple(c for c, _ in others))


async def due_changes(backend: MessageReader, now: datetime, window: timedelta = DUE_WITHIN) -> DueChanges:
    """What needs action within `window` across the reader's customers: one row per message, nearest
    act-by date first, listing every customer it applies to; and how many couldn't be read."""
    tenants, not_read = await _each_tenant(backend, await _readable(backend))
    return DueChanges(due_across(tenants, now, window), not_read)


def due_across(
    tenants: Iterable[TenantMessages], now: datetime, window: timedelta = DUE_WITHIN
) -> tuple[DueChange, ...]:
    """The open messages of `tenants` due within `window` (overdue ones too), one row per message id
    listing its customers in the order given, nearest act-by date first."""
    by_id: dict[str, tuple[ServiceMessage, list[Customer]]] = {}
    for tenant in tenants:
        for message in tenant.messages:
            if message.is_open(now) and message.due_within(now, window):
                by_id.setdefault(message.message_id, (message, []))[1].append(tenant.customer)
    rows = [DueChange(message, tuple(customers)) for message, customers in by_id.values()]
    return tuple(sorted(rows, key=lambda r: (r.message.act_by or now, r.message.message_id)))


# The longest body a notice keeps: its card shows a few lines, `change <MC id>` the whole message.
NOTICE_BODY_CHARS = 1_000


def worth_telling(message: ServiceMessage, now: datetime, act_by_within: timedelta) -> bool:
    """Whether subscribers to `changes` hear of the message now: it is open and a major change, or its
    act-by date is at most `act_by_within` away (or past, the message still open: it needs action most)."""
    if not message.is_open(now):
        return False
    return message.is_major_change or message.due_within(now, act_by_within)


def waits_for_act_by(message: ServiceMessage, now: datetime, act_by_within: timedelta) -> bool:
    """An open message whose act-by date has yet to come within the window: the watcher keeps it, and
    tells of it (or, a major change already told, of its date) when it does."""
    return message.is_open(now) and message.act_by is not None and message.act_by > now + act_by_within


def as_notice_incident(message: ServiceMessage, now: datetime, act_by_within: timedelta) -> Incident:
    """A message as the notice board keeps an incident (one card per message id across the tenants it
    reaches, updated in place when Microsoft changes it): its services are the service (so `subscribe
    <customer> exchange changes` names them), its category the feature, and its status says whether its
    act-by date is near, so coming within the window is news on a major change's card."""
    start = message.start or message.last_modified
    near = message.due_within(now, act_by_within)
    return Incident(
        incident_id=message.message_id,
        title=message.title or message.message_id,
        service=", ".join(message.services),
        feature=message.category.value,
        feature_group="major" if message.is_major_change else "",
        status=ServiceStatus(ACTION_DUE if near else MAJOR_CHANGE),
        classification=CHANGE_CLASSIFICATION,
        impact=message.body[:NOTICE_BODY_CHARS],
        start=start,
        end=message.end,
        last_modified=message.last_modified,
        is_resolved=not message.is_open(now),
        act_by=message.act_by,
    )
