"""Azure service health from Azure Resource Manager: `GET /subscriptions/{id}/providers/
Microsoft.ResourceHealth/events` (api-version 2022-10-01), paged with `nextLink`. Reader on the
subscription is enough. It goes out like Azure Support's calls (the same Upstream: token source, CSP
on-behalf-of auxiliary token, retries and breaker), into the same subscriptions.

The shape (azure-rest-api-specs, resourcehealth 2022-10-01, `Events_ListBySubscriptionId`): each item's
`name` is the tracking id, and `properties` carry `eventType`, `status`, `title`, `summary`, `trackingId`,
`impactStartTime`, `impactMitigationTime`, `lastUpdateTime` and `impact[]` of `{impactedService,
impactedRegions[] of {impactedRegion, status, lastUpdateTime, updates[] of {summary, updateDateTime}}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from services.backends.azure_support.client import arm_values
from services.backends.live.upstream import Upstream
from services.domain.html_text import html_to_text
from services.domain.models import AzureEvent, AzureEventType, AzureImpact, AzureUpdate, is_tracking_id
from services.domain.timestamps import parse_timestamp

API = "Azure Resource Health"
API_VERSION = "2022-10-01"
# Events whose last update is older than this are not asked for (`queryStartTime`).
LOOKBACK = timedelta(days=14)
MAX_PAGES = 10


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _impact(raw: Mapping[str, Any]) -> tuple[AzureImpact, list[AzureUpdate]]:
    regions = _list(raw.get("impactedRegions"))
    updates = [
        AzureUpdate(moment, html_to_text(_text(u.get("summary"))), _text(r.get("impactedRegion")))
        for r in regions
        for u in _list(r.get("updates"))
        if (moment := parse_timestamp(u.get("updateDateTime"))) is not None and _text(u.get("summary"))
    ]
    names = tuple(dict.fromkeys(n for r in regions if (n := _text(r.get("impactedRegion")))))
    return AzureImpact(_text(raw.get("impactedService")), names), updates


def parse_event(raw: Mapping[str, Any]) -> AzureEvent | None:
    """One `Microsoft.ResourceHealth/events` item; None when it carries no tracking id we can use."""
    p = raw.get("properties")
    p = p if isinstance(p, Mapping) else {}
    tracking_id = (_text(p.get("trackingId")) or _text(raw.get("name"))).upper()
    if not is_tracking_id(tracking_id):
        return None
    impacts = [_impact(i) for i in _list(p.get("impact"))]
    updates: dict[tuple[datetime, str], AzureUpdate] = {}
    for _, found in impacts:
        for update in found:
            # One update posted to several regions is one entry on the timeline.
            updates.setdefault((update.created, update.text), update)
    type_name = _text(p.get("eventType"))
    return AzureEvent(
        tracking_id=tracking_id,
        event_type=AzureEventType.of(type_name),
        type_name=type_name,
        status=_text(p.get("status")) or "Active",
        title=html_to_text(_text(p.get("title"))),
        summary=html_to_text(_text(p.get("summary"))),
        impact=tuple(i for i, _ in impacts if i.service),
        start=parse_timestamp(p.get("impactStartTime")),
        mitigated=parse_timestamp(p.get("impactMitigationTime")),
        last_updated=parse_timestamp(p.get("lastUpdateTime")),
        updates=tuple(sorted(updates.values(), key=lambda u: u.created)),
    )


def parse_events(values: list[Mapping[str, Any]]) -> list[AzureEvent]:
    return [e for e in (parse_event(v) for v in values) if e is not None]


class AzureEventsClient:
    def __init__(self, upstream: Upstream, management_url: str) -> None:
        self._upstream = upstream
        self._root = management_url.rstrip("/")

    def events_url(self, subscription_id: str) -> str:
        return (
            f"{self._root}/subscriptions/{quote(subscription_id)}/providers/Microsoft.ResourceHealth/events"
        )

    async def list_events(
        self, tenant_id: str, subscription_id: str, since: datetime, *, max_pages: int = MAX_PAGES
    ) -> list[AzureEvent]:
        """The subscription's events updated since `since` (every page)."""
        params = {"api-version": API_VERSION, "queryStartTime": f"{since.month}/{since.day}/{since.year}"}
        url = self.events_url(subscription_id)
        return parse_events(await arm_values(self._upstream, tenant_id, url, params, max_pages))
