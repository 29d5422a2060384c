"""Azure service health: the events Azure Resource Manager reports for a customer's subscriptions
(`Microsoft.ResourceHealth/events`), and the questions asked of them.

One Azure event (a tracking id) reaches many subscriptions and many customers, as one Microsoft 365
incident reaches many tenants: it is kept once, with the customers it affects beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from services.domain.customer_search import normalize
from services.domain.models import (
    AzureEvent,
    AzureEventAcross,
    AzureHealth,
    AzureImpact,
    Customer,
    Incident,
    IncidentPost,
    ServiceStatus,
    is_tracking_id,
)
from services.domain.service_words import names_service


def looks_like_tracking_id(text: str) -> bool:
    """A tracking id typed in any case."""
    return is_tracking_id(text.strip().upper())


def _words(text: str) -> set[str]:
    return {w.removesuffix("s") if len(w) > 3 else w for w in normalize(text).split()}


def _same_name(arm_service: str, wanted: str) -> bool:
    """Whether `wanted` (an Azure Support product such as 'Virtual Machine running Linux', or what was
    typed) is `arm_service` ('Virtual Machines'): every word of ARM's name is one of its words, plural or
    not. 'Virtual Machine Scale Sets' is not 'Virtual Machine running Linux'."""
    words = _words(arm_service)
    return bool(words) and words <= _words(wanted)


def support_products_for(arm_service: str, products: Iterable[str]) -> tuple[str, ...]:
    """The Azure Support products (services' display names) that Resource Health's `impactedService`
    name means: a best-effort name match (`_same_name`), the one both desks and the guard use. Neither API
    documents a map between the two (Azure Support's services list names resource types, Resource Health's
    events name services only), so 'Virtual Machines' means both 'Virtual Machine running Windows' and
    '... Linux', and a product named otherwise ('Web App (Windows)' for 'App Service') is not found."""
    return tuple(p for p in products if _same_name(arm_service, p))


def _same_region(a: str, b: str) -> bool:
    """'East US' is the region ARM writes, 'eastus' the one people type."""
    return normalize(a).replace(" ", "") == normalize(b).replace(" ", "")


def regions_of(event: AzureEvent, service: str) -> tuple[str, ...]:
    return tuple(r for i in event.impact if _same_name(i.service, service) for r in i.regions)


def touches(event: AzureEvent, service: str, region: str = "") -> bool:
    """Whether `event` touches `service` (named as Azure Support or ARM names it), in `region` if given."""
    if not any(_same_name(i.service, service) for i in event.impact):
        return False
    return not region or any(_same_region(r, region) for r in regions_of(event, service))


def merge_events(events: Iterable[AzureEvent]) -> tuple[AzureEvent, ...]:
    """One event per tracking id (several subscriptions report the same one): the latest updated copy
    with every region and update any of them had; active ones first, then newest."""
    by_id: dict[str, AzureEvent] = {}
    for event in events:
        known = by_id.get(event.tracking_id)
        by_id[event.tracking_id] = event if known is None else _merge(known, event)
    return tuple(sorted(by_id.values(), key=_order))


def _merge(a: AzureEvent, b: AzureEvent) -> AzureEvent:
    newer, older = (a, b) if (a.last_updated or _EPOCH) >= (b.last_updated or _EPOCH) else (b, a)
    services: dict[str, dict[str, None]] = {}
    for impact in (*newer.impact, *older.impact):
        services.setdefault(impact.service, {}).update(dict.fromkeys(impact.regions))
    updates = tuple(sorted(set(newer.updates) | set(older.updates), key=lambda u: (u.created, u.text)))
    return AzureEvent(
        newer.tracking_id,
        newer.event_type,
        newer.type_name,
        newer.status,
        newer.title,
        newer.summary,
        tuple(AzureImpact(s, tuple(r)) for s, r in services.items()),
        newer.start or older.start,
        newer.mitigated or older.mitigated,
        newer.last_updated or older.last_updated,
        updates,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _order(event: AzureEvent) -> tuple[bool, float, str]:
    moment = event.start or event.last_updated
    return (not event.is_active, -(moment.timestamp() if moment else 0.0), event.tracking_id)


def list_azure_events(
    health: AzureHealth, service_filter: str = "", include_resolved: bool = False
) -> tuple[AzureEvent, ...]:
    """Active first (resolved ones only when asked for); `service_filter` names services by their words
    or an alias ('vm')."""
    return tuple(
        e
        for e in health.events
        if (include_resolved or e.is_active) and names_service(service_filter, " ".join(e.services))
    )


def active_issue_for(health: AzureHealth, service: str, region: str = "") -> AzureEvent | None:
    """The active service issue on `service` (in `region` when known) an Azure ticket should see first."""
    hits = [e for e in health.active_issues if touches(e, service, region)]
    return min(hits, key=_order, default=None)


def across_customers(healths: Sequence[AzureHealth], active_only: bool = True) -> list[AzureEventAcross]:
    """Each tracking id once, with every customer it affects, in `_order`."""
    events: dict[str, list[AzureEvent]] = {}
    customers: dict[str, list[Customer]] = {}
    for health in healths:
        for event in health.active_events if active_only else health.events:
            events.setdefault(event.tracking_id, []).append(event)
            customers.setdefault(event.tracking_id, []).append(health.customer)
    merged = merge_events(e for found in events.values() for e in found)
    return [
        AzureEventAcross(e, tuple(sorted(set(customers[e.tracking_id]), key=lambda c: normalize(c.name))))
        for e in merged
    ]


def as_incident(event: AzureEvent, as_of: datetime) -> Incident:
    """An Azure event as the notice board keeps an incident (one card per tracking id, updated in place):
    its service reads 'Azure <services>' (so `subscribe <customer> azure` names exactly these), service
    issues are incidents and every other type an advisory, and its updates are the posts."""
    start = event.start or event.last_updated or as_of
    return Incident(
        incident_id=event.tracking_id,
        title=event.title or event.tracking_id,
        service=" ".join(("Azure", ", ".join(event.services))).strip(),
        feature=", ".join(event.regions),
        feature_group="",
        status=ServiceStatus("Active" if event.is_active else "Resolved"),
        classification="incident" if event.is_service_issue else "advisory",
        impact=event.summary[:500],
        start=start,
        end=None if event.is_active else event.mitigated,
        last_modified=event.last_updated or start,
        is_resolved=not event.is_active,
        posts=tuple(IncidentPost(u.created, u.text) for u in event.updates),
    )
