"""Microsoft Graph service communications (`/v1.0/admin/serviceAnnouncement`: health, issues and the
message center) in a customer's tenant,
and the one pager every Graph collection is read with (services/backends/graph/gdap.py reads GDAP too).

Collections are paged by following `@odata.nextLink` (absolute) until it is absent; `$skip` is never
built here. Each health request takes from the tenant's Graph budget first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.backends.graph.message_parsing import parse_messages
from services.backends.graph.parsing import parse_health_overviews, parse_issue
from services.backends.live.caching import BudgetExhausted, TenantBudget
from services.backends.live.upstream import Upstream, UpstreamError
from services.domain.models import Incident, ServiceHealth, ServiceMessage

API = "Microsoft Graph"
MAX_PAGES = 100


def read_graph_error(payload: Any) -> tuple[str, str]:
    """`{"error": {"code", "message", "innerError"|"innererror"}}`; branch on the code, never the message."""
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return "", ""
    return str(error.get("code", "")), str(error.get("message", ""))


def is_collection(payload: Any) -> bool:
    """A page of a collection: `{"@odata.context", "value": [...], "@odata.nextLink"?}`."""
    return isinstance(payload, Mapping) and isinstance(payload.get("value"), list)


class TooManyPages(UpstreamError):
    """A collection still had a next page after MAX_PAGES: its answer would be partial."""

    def __init__(self) -> None:
        super().__init__(API, None, "tooManyPages", f"more than {MAX_PAGES} pages")


async def graph_pages(
    upstream: Upstream,
    tenant_id: str,
    url: str,
    params: Mapping[str, str],
    headers: Mapping[str, str] | None = None,
    *,
    budget: TenantBudget | None = None,
    whole: bool = False,
) -> list[Mapping[str, Any]]:
    """Every page of a collection, following the absolute `@odata.nextLink` (which carries the query).
    `budget` is the tenant's service-communications budget (health reads take from it; directory reads
    don't). At MAX_PAGES the rest is dropped, or, when the caller needs the `whole` collection (who may
    see what), TooManyPages is raised rather than a partial answer returned."""
    pages: list[Mapping[str, Any]] = []
    next_url: str | None = url
    next_params: Mapping[str, str] | None = params
    while next_url is not None:
        if len(pages) >= MAX_PAGES:
            if whole:
                raise TooManyPages()
            break
        if budget is not None:
            try:
                budget.take(tenant_id)
            except BudgetExhausted as spent:
                raise UpstreamError(API, 429, "budgetExhausted", str(spent), spent.retry_after) from None
        reply = await upstream.call(
            "GET", next_url, tenant_id=tenant_id, params=next_params, headers=headers, expect=is_collection
        )
        page = reply.payload if isinstance(reply.payload, Mapping) else {}
        pages.append(page)
        link = page.get("@odata.nextLink")
        next_url, next_params = (link, None) if isinstance(link, str) and link else (None, None)
    return pages


class GraphHealthClient:
    def __init__(self, upstream: Upstream, base_url: str, budget: TenantBudget) -> None:
        self._upstream = upstream
        self._root = f"{base_url.rstrip('/')}/v1.0/admin/serviceAnnouncement"
        self._budget = budget

    async def _pages(
        self, tenant_id: str, url: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> list[Mapping[str, Any]]:
        return await graph_pages(self._upstream, tenant_id, url, params, headers, budget=self._budget)

    async def health_overviews(self, tenant_id: str) -> tuple[ServiceHealth, ...]:
        pages = await self._pages(tenant_id, f"{self._root}/healthOverviews", {"$expand": "issues"})
        return tuple(service for page in pages for service in parse_health_overviews(page))

    async def issues(
        self,
        tenant_id: str,
        *,
        filter_expression: str = "",
        top: int | None = None,
        page_size: int | None = None,
    ) -> list[Incident]:
        """Issues, e.g. `filter_expression="isResolved eq false"`; `page_size` asks Graph for bigger pages
        (`Prefer: odata.maxpagesize`, up to 1000)."""
        params = {}
        if filter_expression:
            params["$filter"] = filter_expression
        if top is not None:
            params["$top"] = str(top)
        headers = {"Prefer": f"odata.maxpagesize={page_size}"} if page_size else None
        pages = await self._pages(tenant_id, f"{self._root}/issues", params, headers)
        raws = [raw for page in pages if isinstance(page.get("value"), list) for raw in page["value"]]
        parsed = (parse_issue(raw) for raw in raws if isinstance(raw, Mapping))
        incidents = [incident for incident in parsed if incident is not None]
        return incidents[:top] if top is not None else incidents

    async def messages(self, tenant_id: str, modified_since: str = "") -> tuple[ServiceMessage, ...]:
        """The tenant's message center (serviceUpdateMessage), every page, from the same budget as health;
        `modified_since` (ISO 8601) asks only for messages changed since then."""
        params = {"$filter": f"lastModifiedDateTime ge {modified_since}"} if modified_since else {}
        pages = await self._pages(tenant_id, f"{self._root}/messages", params)
        return tuple(message for page in pages for message in parse_messages(page))
