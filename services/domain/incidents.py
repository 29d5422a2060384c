"""Questions about incidents: a customer's list, and one incident by id."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from services.domain.customer_search import normalize
from services.domain.errors import AzureEventNotFound, IncidentNotFound, SupportDeskError, UnknownService
from services.domain.models import (
    AzureEvent,
    AzureEventLookup,
    Customer,
    Incident,
    IncidentLookup,
    ServiceHealth,
    TenantHealth,
    is_incident_id,
)
from services.domain.ports import Backend
from services.domain.service_words import names_service


def looks_like_incident_id(text: str) -> bool:
    """Graph issue ids are a service prefix and a number: EX1100014, MO226784 (typed in any case)."""
    return is_incident_id(text.strip().upper())


def match_services(health: TenantHealth, wanted: str) -> tuple[ServiceHealth, ...]:
    """The services a filter such as 'exchange' or 'teams' names; every word must start a word."""
    words = normalize(wanted).split()
    if not words:
        return health.services
    hits = tuple(s for s in health.services if names_service(wanted, f"{s.name} {s.service_id}"))
    if not hits:
        raise UnknownService(wanted, health.customer.name, sorted(s.name for s in health.services))
    return hits


def list_incidents(
    health: TenantHealth, service_filter: str = "", include_resolved: bool = False
) -> tuple[Incident, ...]:
    """Newest first; resolved ones only when asked for."""
    services = match_services(health, service_filter)
    chosen = [i for s in services for i in s.incidents if include_resolved or not i.is_resolved]
    return tuple(sorted(chosen, key=lambda i: (i.start, i.incident_id), reverse=True))


async def read_healths(
    backend: Backend, customers: Sequence[Customer]
) -> dict[str, TenantHealth | SupportDeskError]:
    """Each customer's health or why it can't be read (no delegated access, its tenant not answering),
    read side by side, by customer id: one customer that can't be read never fails a question about many."""
    results = await asyncio.gather(*(backend.tenant_health(c) for c in customers), return_exceptions=True)
    read: dict[str, TenantHealth | SupportDeskError] = {}
    for customer, result in zip(customers, results, strict=True):
        if not isinstance(result, TenantHealth | SupportDeskError):
            raise result
        read[customer.customer_id] = result
    return read


def _find(health: TenantHealth, incident_id: str) -> Incident | None:
    wanted = incident_id.strip().upper()
    return next((i for i in health.incidents if i.incident_id == wanted), None)


async def find_incident(
    backend: Backend, incident_id: str, customer: Customer | None = None
) -> IncidentLookup:
    """Look in one customer's tenant, or in every tenant the partner can read."""
    if customer is not None:
        found = _find(await backend.tenant_health(customer), incident_id)
        if found is None:
            raise IncidentNotFound(incident_id.upper(), customer.name)
        return IncidentLookup(found, customer)

    readable = [c for c in await backend.list_customers() if c.delegated_access]
    results = await asyncio.gather(*(backend.tenant_health(c) for c in readable), return_exceptions=True)
    hits: list[tuple[Customer, Incident]] = []
    for tenant, result in zip(readable, results, strict=True):
        if isinstance(result, SupportDeskError):
            continue
        if isinstance(result, BaseException):
            raise result
        found = _find(result, incident_id)
        if found is not None:
            hits.append((tenant, found))
    if not hits:
        raise IncidentNotFound(incident_id.upper())
    hits.sort(key=lambda hit: normalize(hit[0].name))
    (customer, incident), others = hits[0], hits[1:]
    return IncidentLookup(incident, customer, tuple(c for c, _ in others))


async def find_azure_event(
    backend: Backend, tracking_id: str, customer: Customer | None = None
) -> AzureEventLookup:
    """An Azure event by tracking id: in one customer's subscriptions, or in those of every customer the
    backend lists (a scoped backend lists only the person's); every customer it affects is named."""
    wanted = tracking_id.strip().upper()
    customers = [customer] if customer is not None else list(await backend.list_customers())
    results = await asyncio.gather(*(backend.azure_health(c) for c in customers), return_exceptions=True)
    hits: list[tuple[AzureEvent, Customer]] = []
    for tenant, result in zip(customers, results, strict=True):
        if isinstance(result, SupportDeskError) and customer is None:
            continue
        if isinstance(result, BaseException):
            raise result
        found = result.event(wanted)
        if found is not None:
            hits.append((found, tenant))
    if not hits:
        raise AzureEventNotFound(wanted, customer.name if customer else "")
    hits.sort(key=lambda hit: normalize(hit[1].name))
    (event, shown), others = hits[0], hits[1:]
    return AzureEventLookup(event, shown, tuple(c for _, c in others))
