"""What the overview tab shows, read as one person sees it: every customer worst first, a service x
customer status grid, active incidents with when they started, open service requests, and when it was read.

It is read through the person's ScopedBackend and ScopedDesk (the same ones their turns read through), so
the tab can't show what the bot wouldn't. Words come from the catalogues in the reader's language; times
are instants (ISO 8601) the page turns into ages, so the body, and its ETag, only change when the data does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cards.parts import status_label
from locales.translator import Translator
from services.domain.errors import DelegatedAccessMissing, SupportDeskError
from services.domain.models import Customer, RequestStatus, ServiceRequest, TenantHealth
from services.domain.ports import Backend, ServiceRequestDesk

CONCURRENCY = 8
# Open requests are read from the newest this many filed; the tab lists them all.
OPEN_REQUESTS_READ = 200


@dataclass(frozen=True)
class Board:
    """The body the tab's data endpoint answers (JSON without `read_at`) and its version, the ETag: a
    digest of that body, so it changes only when what is shown does."""

    body: bytes
    etag: str
    read_at: datetime

    def json_bytes(self) -> bytes:
        return self.body[:-1] + b', "read_at": ' + json.dumps(self.read_at.isoformat()).encode() + b"}"


def _customer_row(
    customer: Customer,
    health: TenantHealth | SupportDeskError,
    columns: dict[str, int],
    statuses: dict[str, int],
    t: Translator,
) -> dict[str, Any]:
    """A grid row: each service's cell is [level, index of its words in `statuses`] (1,000 customers would
    otherwise repeat 'Operational' ten thousand times)."""
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
    return {"name": customer.name, "worst": worst, "active": active, "cells": cells}


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

    async def read(customer: Customer) -> TenantHealth | SupportDeskError:
        async with limit:
            try:
                return await backend.tenant_health(customer)
            except SupportDeskError as error:
                return error

    healths, requests = await asyncio.gather(
        asyncio.gather(*(read(c) for c in customers)),
        desk.recent_requests(None, OPEN_REQUESTS_READ) if customers else asyncio.sleep(0, ()),
    )
    read_at = clock()
    readable = [h for h in healths if isinstance(h, TenantHealth)]
    services: dict[str, str] = {}
    for health in readable:
        for service in health.services:
            services.setdefault(service.service_id, service.name)
    ordered = sorted(services.items(), key=lambda s: s[1].casefold())
    columns = {service_id: index for index, (service_id, _) in enumerate(ordered)}
    statuses: dict[str, int] = {}
    rows = [_customer_row(c, h, columns, statuses, t) for c, h in zip(customers, healths, strict=True)]
    rows.sort(key=lambda r: (-r["worst"], -r["active"], r["name"].casefold()))
    body = {
        "language": t.language,
        "services": [{"id": service_id, "name": name} for service_id, name in ordered],
        "statuses": list(statuses),
        "customers": rows,
        "incidents": _incidents(readable, t),
        "requests": _requests(requests, t),
    }
    # Everything above is built in a fixed order, so the same data is the same bytes.
    encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Board(encoded, f'"{hashlib.sha256(encoded).hexdigest()[:32]}"', read_at)
