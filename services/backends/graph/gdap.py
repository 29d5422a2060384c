"""GDAP as Microsoft Graph tells it, in the partner tenant: delegated admin relationships, their access
assignments, and a person's groups (transitively). Parsers shared by the demo directory and the live one.

Parsing is tolerant the way access must be: an item without what the rule needs (an id, a customer, a
group) is skipped, an unknown status never grants (statuses are casefolded and only `active` grants, in
services/domain/access.py), and both `@odata.type`s of a relationship (direct and indirect reseller) read
the same. Reading is app-only in the partner tenant (`DelegatedAdminRelationship.Read.All`,
`GroupMember.Read.All`), over the Graph client's pager, retries and breaker; any failure is
UpstreamUnavailable, so access is refused and never widened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from services.backends.graph.client import API, graph_pages
from services.backends.live.upstream import Upstream, UpstreamError
from services.backends.tokens import TokenError
from services.domain.access import Assignment, Relationship
from services.domain.errors import UpstreamUnavailable
from services.domain.timestamps import parse_timestamp

# Graph's largest pages: 300 for GDAP collections, 999 for directory objects.
RELATIONSHIPS_TOP = 300
GROUPS_TOP = 999
GROUP_TYPE = "#microsoft.graph.group"
SECURITY_GROUP = "securitygroup"
# The cast to groups with $count is an advanced query: it needs this header
# (learn.microsoft.com/graph/aad-advanced-queries).
EVENTUAL = {"ConsistencyLevel": "eventual"}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _items(page: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    values = page.get("value")
    return [item for item in values if isinstance(item, Mapping)] if isinstance(values, list) else []


def _role_ids(raw: Mapping[str, Any]) -> frozenset[str]:
    """`accessDetails.unifiedRoles[].roleDefinitionId` (role template ids, compared lowercase)."""
    details = raw.get("accessDetails")
    roles = details.get("unifiedRoles") if isinstance(details, Mapping) else None
    if not isinstance(roles, list):
        return frozenset()
    ids = (_text(r.get("roleDefinitionId")).casefold() for r in roles if isinstance(r, Mapping))
    return frozenset(i for i in ids if i)


def parse_relationships(page: Mapping[str, Any]) -> tuple[Relationship, ...]:
    """A page of `delegatedAdminRelationships` (either `@odata.type`); items with no id or customer
    tenant are skipped. A null `endDateTime` (not active yet) reads as None, which never grants."""
    found = []
    for raw in _items(page):
        customer = raw.get("customer")
        tenant_id = _text(customer.get("tenantId")).casefold() if isinstance(customer, Mapping) else ""
        relationship_id = _text(raw.get("id"))
        if not relationship_id or not tenant_id:
            continue
        found.append(
            Relationship(
                relationship_id=relationship_id,
                customer_tenant_id=tenant_id,
                status=_text(raw.get("status")).casefold(),
                end=parse_timestamp(raw.get("endDateTime")),
                role_ids=_role_ids(raw),
            )
        )
    return tuple(found)


def parse_assignments(page: Mapping[str, Any]) -> tuple[Assignment, ...]:
    """A page of a relationship's `accessAssignments`; only security-group containers are kept."""
    found = []
    for raw in _items(page):
        container = raw.get("accessContainer")
        if not isinstance(container, Mapping):
            continue
        group_id = _text(container.get("accessContainerId")).casefold()
        kind = _text(container.get("accessContainerType")).casefold()
        assignment_id = _text(raw.get("id"))
        if not group_id or not assignment_id or kind != SECURITY_GROUP:
            continue
        found.append(
            Assignment(
                assignment_id=assignment_id,
                status=_text(raw.get("status")).casefold(),
                group_id=group_id,
                role_ids=_role_ids(raw),
            )
        )
    return tuple(found)


def parse_group_ids(page: Mapping[str, Any]) -> frozenset[str]:
    """A page of `transitiveMemberOf`: the groups' ids (directory roles and administrative units are
    dropped; after the `/microsoft.graph.group` cast an item may carry no `@odata.type`)."""
    ids = (
        _text(raw.get("id")).casefold()
        for raw in _items(page)
        if _text(raw.get("@odata.type")) in ("", GROUP_TYPE)
    )
    return frozenset(i for i in ids if i)


class DirectoryUnavailable(UpstreamUnavailable):
    """Graph couldn't say who may see what; `cause` is why (for `make doctor` to name the fix)."""

    def __init__(self, cause: UpstreamError | TokenError) -> None:
        super().__init__(API, retry_after=cause.retry_after if isinstance(cause, UpstreamError) else None)
        self.cause = cause


class GraphDirectory:
    """DelegatedAccessDirectory over Microsoft Graph in the partner tenant (app-only token)."""

    def __init__(self, upstream: Upstream, base_url: str, partner_tenant_id: str) -> None:
        self._upstream = upstream
        self._root = f"{base_url.rstrip('/')}/v1.0"
        self._tenant = partner_tenant_id

    async def _pages(
        self,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str] | None = None,
        *,
        missing_is_empty: bool = False,
    ) -> list[Mapping[str, Any]]:
        try:
            return await graph_pages(self._upstream, self._tenant, url, params, headers, whole=True)
        except (UpstreamError, TokenError) as error:
            if missing_is_empty and isinstance(error, UpstreamError) and error.status == 404:
                return []
            raise DirectoryUnavailable(error) from None

    async def relationships(self) -> Sequence[Relationship]:
        # The filter is what GDAP tools send; the rule filters again, so a server ignoring it can't widen.
        params = {"$filter": "status eq 'active'", "$top": str(RELATIONSHIPS_TOP)}
        pages = await self._pages(f"{self._root}/tenantRelationships/delegatedAdminRelationships", params)
        return tuple(r for page in pages for r in parse_relationships(page))

    async def assignments(self, relationship_id: str) -> Sequence[Assignment]:
        url = (
            f"{self._root}/tenantRelationships/delegatedAdminRelationships/"
            f"{quote(relationship_id, safe='')}/accessAssignments"
        )
        pages = await self._pages(url, {"$top": str(RELATIONSHIPS_TOP)})
        return tuple(a for page in pages for a in parse_assignments(page))

    async def group_ids(self, object_id: str) -> frozenset[str]:
        url = f"{self._root}/users/{quote(object_id, safe='')}/transitiveMemberOf/microsoft.graph.group"
        params = {"$select": "id", "$top": str(GROUPS_TOP), "$count": "true"}
        # Someone the partner tenant doesn't know (404 Request_ResourceNotFound) is in no group.
        pages = await self._pages(url, params, EVENTUAL, missing_is_empty=True)
        return frozenset(g for page in pages for g in parse_group_ids(page))
