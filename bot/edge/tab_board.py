"""What the overview tab shows, read as one person sees it: every customer worst first, a service x
customer status grid, each customer's nearest message center act-by date, active incidents with when they
started, the message center's messages due within 30 days (overdue ones too), active Azure service health
events of the customers with subscriptions, open service requests, and when it was read.

It is read through the person's ScopedBackend and ScopedDesk (the same ones their turns read through), so
the tab can't show what the bot wouldn't. Words come from the catalogues in the reader's language; times
are instants (ISO 8601) the page turns into ages, so the body, and its ETag, only change when the data does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from cards.azure import azure_type
from cards.parts import status_label
from locales.translator import Translator
from services.domain.azure_events import across_customers
from services.domain.errors import (
    AzureHealthAccessDenied,
    ConsentMissing,
    DelegatedAccessMissing,
    HealthAccessDenied,
    MessageCenterAccessDenied,
    SupportDeskError,
)
from services.domain.models import (
    DUE_WITHIN,
    AzureEventAcross,
    AzureHealth,
    Customer,
    DueChange,
    RequestStatus,
    ServiceRequest,
    TenantHealth,
    TenantMessages,
)
from services.domain.ports import Backend, ServiceRequestDesk
from services.domain.service_messages import due_across

CONCURRENCY = 8
Read = TypeVar("Read")
# Open requests are read from the newest this many filed; the tab lists them all.
OPEN_REQUESTS_READ = 200
# Refusals that stand until someone grants something: a board showing them is as true in a minute. Any
# other failure (not answering, throttled) is a read to try again, so that board is not kept.
STANDING_REFUSALS = (
    DelegatedAccessMissing,
    ConsentMissing,
    HealthAccessDenied,
    MessageCenterAccessDenied,
    AzureHealthAccessDenied,
)


@dataclass(frozen=True)
class Board:
    """The body the tab's data endpoint answers (JSON without `read_at`) and its version, the ETag: a
    digest of that body, so it changes only when what is shown does."""

    body: bytes
    etag: str
    read_at: datetime
    # Every customer read, or refused for good (STANDING_REFUSALS): only such a board may be kept.
    complete: bool = True

    def json_bytes(self) -> bytes:
        return self.body[:-1] + b', "read_at": ' + json.dumps(self.read_at.isoformat()).encode() + b"}"


def _customer_row(
    customer: Customer,
    health: TenantHealth | SupportDeskError,
    messages: TenantMessages | SupportDeskError,
    due: dict[str, list[str]],
    columns: dict[str, int],
    statuses: dict[str, int],
    t: Translator,
) -> dict[str, Any]:
    """A grid row: each service's cell is [level, index of its words in `statuses`] (1,000 customers would
    otherwise repeat 'Operational' ten thousand times); `due` is [nearest act-by, how many due], or
    `changes_unread` says why its message center couldn't be read."""
    if not isinstance(health, TenantHealth):
        reason = "no_access" if isinstance(health, DelegatedAccessMissing) else "not_answering"
        return {"name": customer.name, "worst": -1, "active": 0, "unread": t(f"tab.unread.{reason}")}
    cells: list[list[int] | None] = [None] * len(columns)
    for service in health.services:
        label = status_label(service.status, t)
        cells[columns[service.service_id]] = [
            int(service.status.level),
            statuses.setdefault(label, len(statuses)),
        ]
    active = sum(len(s.active_incidents) for s in health.services)
    worst = max((int(s.status.level) for s in health.services), default=0)
    row: dict[str, Any] = {"name": customer.name, "worst": worst, "active": active, "cells": cells}
    if isinstance(messages, SupportDeskError):
        reason = "no_permission" if isinstance(messages, MessageCenterAccessDenied) else "not_answering"
        row["changes_unread"] = t(f"tab.changes_unread.{reason}")
    elif dates := due.get(customer.tenant_id):
        row["due"] = [dates[0], len(dates)]
    return row


def _azure(events: Sequence[AzureEventAcross], t: Translator) -> list[dict[str, Any]]:
    """Active Azure service health events of the customers with subscriptions, each tracking id once with
    every customer it affects, newest first."""
    return [
        {
            "id": across.event.tracking_id,
            "type": azure_type(across.event, t),
            "title": across.event.title,
            "services": list(across.event.services),
            "start": across.event.start.isoformat() if across.event.start else None,
            "customers": sorted((c.name for c in across.customers), key=str.casefold),
        }
        for across in events
    ]


def _azure_unread(
    customers: Sequence[Customer], azure: Sequence[AzureHealth | SupportDeskError], t: Translator
) -> list[dict[str, str]]:
    """The customers whose Azure service health couldn't be read, and why."""
    rows = []
    for customer, health in zip(customers, azure, strict=True):
        if isinstance(health, SupportDeskError) and not isinstance(health, DelegatedAccessMissing):
            reason = "no_permission" if isinstance(health, AzureHealthAccessDenied) else "not_answering"
            rows.append({"name": customer.name, "reason": t(f"tab.azure_unread.{reason}")})
    return sorted(rows, key=lambda r: r["name"].casefold())


def _changes(due: Sequence[DueChange]) -> list[dict[str, Any]]:
    """The message center's messages due soon, nearest act-by first, each with every customer it reaches."""
    return [
        {
            "id": change.message.message_id,
            "title": change.message.title,
            "act_by": change.message.act_by.isoformat() if change.message.act_by else None,
            "major": change.message.is_major_change,
            "services": list(change.message.services),
            "customers": sorted((c.name for c in change.customers), key=str.casefold),
        }
        for change in due
    ]


def _incidents(healths: Sequence[TenantHealth], t: Translator) -> list[dict[str, Any]]:
    rows = [
        {
            "id": incident.incident_id,
            "customer": health.customer.name,
            "service": service.name,
            "title": incident.title,
            "level": int(incident.status.level),
            "status": status_label(incident.status, t),
            "start": incident.start.isoformat(),
        }
        for health in healths
        for service in health.services
        for incident in service.active_incidents
    ]
    return sorted(rows, key=lambda r: (-r["level"], r["start"], r["customer"].casefold(), r["id"]))


def _requests(requests: Sequence[ServiceRequest], t: Translator) -> list[dict[str, Any]]:
    return [
        {
            "number": r.number,
            "customer": r.customer_name,
            "title": r.title,
            "status": t(f"request_status.{r.status.value}"),
            "severity": t(f"severity.{r.severity.value}"),
            "created": r.created.isoformat(),
        }
        for r in requests
        if r.status is not RequestStatus.CLOSED
    ]


async def read_board(
    backend: Backend, desk: ServiceRequestDesk, clock: Callable[[], datetime], t: Translator
) -> Board:
    """The board as the current person (services/access/person.py) sees it. A customer whose health can't
    be read is still listed, last, saying why; raises AccessUnavailable when who may see what can't be
    known now."""
    customers = await backend.list_customers()
    limit = asyncio.Semaphore(CONCURRENCY)

    async def attempt(reading: Awaitable[Read]) -> Read | SupportDeskError:
        try:
            return await reading
        except SupportDeskError as error:
            return error

    async def read(
        customer: Customer,
    ) -> tuple[
        TenantHealth | SupportDeskError, TenantMessages | SupportDeskError, AzureHealth | SupportDeskError
    ]:
        async with limit:
            return await asyncio.gather(
                attempt(backend.tenant_health(customer)),
                attempt(backend.tenant_messages(customer)),
                attempt(backend.azure_health(customer)),
            )

    reads, requests = await asyncio.gather(
        asyncio.gather(*(read(c) for c in customers)),
        desk.recent_requests(None, OPEN_REQUESTS_READ) if customers else asyncio.sleep(0, ()),
    )
    read_at = clock()
    healths = [health for health, _, _ in reads]
    readable = [h for h in healths if isinstance(h, TenantHealth)]
    due = due_across((m for _, m, _ in reads if isinstance(m, TenantMessages)), read_at, DUE_WITHIN)
    azure = [a for _, _, a in reads]
    with_azure = [a for a in azure if isinstance(a, AzureHealth) and a.has_azure]
    due_dates: dict[str, list[str]] = {}
    for change in due:
        for customer in change.customers:
            due_dates.setdefault(customer.tenant_id, []).append(_instant(change))
    services: dict[str, str] = {}
    for health in readable:
        for service in health.services:
            services.setdefault(service.service_id, service.name)
    ordered = sorted(services.items(), key=lambda s: s[1].casefold())
    columns = {service_id: index for index, (service_id, _) in enumerate(ordered)}
    statuses: dict[str, int] = {}
    rows = [
        _customer_row(c, health, messages, due_dates, columns, statuses, t)
        for c, (health, messages, _) in zip(customers, reads, strict=True)
    ]
    rows.sort(key=lambda r: (-r["worst"], -r["active"], r["name"].casefold()))
    body = {
        "language": t.language,
        "services": [{"id": service_id, "name": name} for service_id, name in ordered],
        "statuses": list(statuses),
        "customers": rows,
        "incidents": _incidents(readable, t),
        "changes": _changes(due),
        "azure": _azure(across_customers(with_azure), t),
        "azure_unread": _azure_unread(customers, azure, t),
        "requests": _requests(requests, t),
    }
    # Everything above is built in a fixed order, so the same data is the same bytes.
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    complete = all(
        not isinstance(result, SupportDeskError) or isinstance(result, STANDING_REFUSALS)
        for each in reads
        for result in each
    )
    return Board(encoded, f'"{hashlib.sha256(encoded).hexdigest()[:32]}"', read_at, complete)


def _instant(change: DueChange) -> str:
    # due_across keeps only messages with an act-by date.
    return change.message.act_by.isoformat() if change.message.act_by else ""
