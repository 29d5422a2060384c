"""Microsoft Graph service communications (`/v1.0/admin/serviceAnnouncement`) on loopback over https.

The tenant is the token's `tid`. Collections page with an absolute `@odata.nextLink` (`$skiptoken`),
honouring `Prefer: odata.maxpagesize`. An app-only token needs the ServiceHealth.Read.All role (the
message center, `messages`: ServiceMessage.Read.All) and a delegated one a GDAP role in the tenant, else
403 `accessDenied`. `messages` takes `$filter=lastModifiedDateTime ge <ISO time>`, newest first. Errors are
`{"error": {"code", "message", "innerError"}}`; throttling is 429 `TooManyRequests` with Retry-After.
Enums are camelCase, or PascalCase as in the docs' examples with `pascal_case`.

GDAP in the partner tenant (`partner_tenant_id`; other tenants have none): `tenantRelationships/
delegatedAdminRelationships` (`$filter=status eq '...'`, `$top` at most 300) and each one's
`accessAssignments` need the app role DelegatedAdminRelationship.Read.All (or ReadWrite.All);
`users/{id}/memberOf` and `transitiveMemberOf` (`$top` at most 999, `$select=id`, the
`/microsoft.graph.group` cast) need User.Read.All, GroupMember.Read.All, Group.Read.All or
Directory.Read.All, else 403 `Authorization_RequestDenied`. A cast, `$count`, `$filter`, `$search` or
`$orderby` there is an advanced query: without `ConsistencyLevel: eventual` and `$count=true`, 400
`Request_UnsupportedQuery`. `member_of` holds direct memberships (of people and of groups); the transitive
list is its closure. Pages are at most `page_size` (or `$top`), linked by an absolute `@odata.nextLink`.
UNVERIFIED against Graph: the 400 code for a GDAP `$top` over 300, and whether plain `$select`/`$top`
on transitiveMemberOf needs the advanced-query header (here it doesn't).
"""

from __future__ import annotations

import asyncio
import copy
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from services.domain.timestamps import parse_timestamp
from tests.doubles.entra import SERVICE_HEALTH_ROLE, SERVICE_MESSAGE_ROLE, claims_of
from tests.doubles.faults import Fault, Faults

ROOT = "/v1.0/admin/serviceAnnouncement"
RELATIONSHIPS = "/v1.0/tenantRelationships/delegatedAdminRelationships"
ASSIGNMENTS = "/accessAssignments"
MEMBERSHIPS = "/transitiveMemberOf"
GDAP_READ_ROLES = frozenset(
    {"DelegatedAdminRelationship.Read.All", "DelegatedAdminRelationship.ReadWrite.All"}
)
MEMBERSHIP_READ_ROLES = frozenset(
    {
        "User.Read.All",
        "GroupMember.Read.All",
        "Group.Read.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
    }
)
GROUP_TYPE = "#microsoft.graph.group"
_ADVANCED = ("$count", "$filter", "$search", "$orderby")
_ENUM_KEYS = ("status", "classification", "origin", "postType", "contentType", "category", "severity")


def graph_error(status: int, code: str, message: str) -> dict[str, Any]:
    inner = {"request-id": str(uuid.uuid4()), "date": "2026-11-24T09:00:00"}
    if status == 429:
        inner |= {"code": "429", "status": "429"}
    return {"error": {"code": code, "message": message, "innerError": inner}}


def _pascal(value: Any) -> Any:
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (v[:1].upper() + v[1:] if k in _ENUM_KEYS and isinstance(v, str) else _pascal(v))
            for k, v in value.items()
        }
    return value


@dataclass
class FakeGraph:
    # healthOverviews?$expand=issues payloads by tenant id.
    health: dict[str, dict[str, Any]]
    # The message center (serviceUpdateMessage collections) by tenant id.
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_url: str = ""
    page_size: int = 100
    gdap_denied: set[str] = field(default_factory=set)
    pascal_case: bool = False
    faults: Faults = field(default_factory=Faults)
    calls: Counter[str] = field(default_factory=Counter)
    # The same requests by tenant and route ("healthOverviews", "issues", "messages").
    routes: Counter[tuple[str, str]] = field(default_factory=Counter)
    # GDAP in the partner tenant: raw delegatedAdminRelationship items, raw accessAssignment items by
    # relationship id, and direct memberships (object id -> directoryObjects with `@odata.type` and `id`).
    partner_tenant_id: str = ""
    relationships: list[dict[str, Any]] = field(default_factory=list)
    assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    member_of: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Directory requests by route ("relationships", "assignments", "memberOf", "transitiveMemberOf").
    directory_calls: Counter[str] = field(default_factory=Counter)
    directory_requests: list[web.Request] = field(default_factory=list)
    # Seconds each answer takes, and the most requests ever in flight at once.
    latency: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{ROOT}/healthOverviews", self._overviews)
        app.router.add_get(f"{ROOT}/issues", self._issues)
        app.router.add_get(f"{ROOT}/messages", self._messages)
        app.router.add_get(RELATIONSHIPS, self._relationships)
        app.router.add_get(f"{RELATIONSHIPS}/{{id}}/accessAssignments", self._assignments)
        for route in ("memberOf", "transitiveMemberOf"):
            app.router.add_get(f"/v1.0/users/{{id}}/{route}", self._memberships)
            app.router.add_get(f"/v1.0/users/{{id}}/{route}/microsoft.graph.group", self._memberships)
        return app

    def throttle(self, times: int = 1, retry_after: int = 0, path: str = ROOT) -> None:
        body = graph_error(429, "TooManyRequests", "Please retry again later.")
        self.faults.add(Fault(429, body, {"Retry-After": str(retry_after)}, path, times))

    def fail(self, status: int, times: int = 1, hang: float = 0.0, path: str = ROOT) -> None:
        body = graph_error(status, "serviceNotAvailable", "Service unavailable.")
        self.faults.add(Fault(status, body, {}, path, times, hang))

    async def _tenant(self, request: web.Request, role: str = SERVICE_HEALTH_ROLE) -> str | web.Response:
        claims = claims_of(request.headers.get("Authorization"))
        if claims is None or claims.get("aud") != self.base_url:
            body = graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            return web.json_response(body, status=401)
        tenant = str(claims.get("tid", ""))
        self.calls[tenant] += 1
        self.routes[(tenant, request.path.rsplit("/", 1)[-1])] += 1
        if self.latency:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            await asyncio.sleep(self.latency)
            self.in_flight -= 1
        fault = await self.faults.apply(request)
        if fault is not None:
            return fault
        if "scp" in claims:
            allowed = tenant not in self.gdap_denied
        else:
            allowed = role in claims.get("roles", [])
        if not allowed:
            message = "Either the signed-in user or the application does not have access."
            return web.json_response(graph_error(403, "accessDenied", message), status=403)
        return tenant

    def _page(self, request: web.Request, collection: str, values: list[Any], context: str) -> web.Response:
        size = self.page_size
        prefer = re.search(r"odata\.maxpagesize=(\d+)", request.headers.get("Prefer", ""))
        if prefer:
            size = min(int(prefer.group(1)), 1000)
        top = request.query.get("$top")
        if top is not None:
            values = values[: int(top)]
        skip = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#{context}",
            "value": values[skip : skip + size],
        }
        if skip + size < len(values):
            query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(skip + size)
            link = request.url.with_query(query)
            body["@odata.nextLink"] = f"{self.base_url}{link.path_qs}"
        return web.json_response(_pascal(body) if self.pascal_case else body)

    async def _overviews(self, request: web.Request) -> web.Response:
        tenant = await self._tenant(request)
        if isinstance(tenant, web.Response):
            return tenant
        services = copy.deepcopy(self.health.get(tenant, {}).get("value", []))
        expanded = request.query.get("$expand") == "issues"
        if not expanded:
            for service in services:
                service.pop("issues", None)
        context = "admin/serviceAnnouncement/healthOverviews" + ("(issues())" if expanded else "")
        return self._page(request, "healthOverviews", services, context)

    async def _issues(self, request: web.Request) -> web.Response:
        tenant = await self._tenant(request)
        if isinstance(tenant, web.Response):
            return tenant
        issues = [i for s in self.health.get(tenant, {}).get("value", []) for i in s.get("issues", [])]
        wanted = request.query.get("$filter", "")
        for clause in filter(None, (c.strip() for c in wanted.split(" and "))):
            resolved = re.fullmatch(r"isResolved eq (true|false)", clause)
            service = re.fullmatch(r"service eq '([^']*)'", clause)
            if resolved:
                issues = [i for i in issues if i.get("isResolved") is (resolved.group(1) == "true")]
            elif service:
                issues = [i for i in issues if i.get("service") == service.group(1)]
            else:
                body = graph_error(400, "invalidRequest", "Invalid filter clause.")
                return web.json_response(body, status=400)
        issues.sort(key=lambda i: i.get("lastModifiedDateTime", ""), reverse=True)
        return self._page(request, "issues", issues, "admin/serviceAnnouncement/issues")

    async def _messages(self, request: web.Request) -> web.Response:
        tenant = await self._tenant(request, SERVICE_MESSAGE_ROLE)
        if isinstance(tenant, web.Response):
            return tenant
        messages = copy.deepcopy(self.messages.get(tenant, {}).get("value", []))
        wanted = request.query.get("$filter", "")
        for clause in filter(None, (c.strip() for c in wanted.split(" and "))):
            since = re.fullmatch(r"lastModifiedDateTime ge (\S+)", clause)
            moment = parse_timestamp(since.group(1)) if since else None
            if moment is None:
                body = graph_error(400, "invalidRequest", "Invalid filter clause.")
                return web.json_response(body, status=400)
            messages = [
                m for m in messages if (parse_timestamp(m.get("lastModifiedDateTime")) or moment) >= moment
            ]
        messages.sort(key=lambda m: m.get("lastModifiedDateTime", ""), reverse=True)
        return self._page(request, "messages", messages, "admin/serviceAnnouncement/messages")

    async def _directory_caller(
        self, request: web.Request, route: str, roles: frozenset[str]
    ) -> str | web.Response:
        """The token's tenant when it may read `route`; Graph's refusal otherwise."""
        claims = claims_of(request.headers.get("Authorization"))
        if claims is None or claims.get("aud") != self.base_url:
            body = graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            return web.json_response(body, status=401)
        self.directory_calls[route] += 1
        self.directory_requests.append(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = await self.faults.apply(request)
        if fault is not None:
            return fault
        if not roles & set(claims.get("roles", [])):
            message = "Insufficient privileges to complete the operation."
            return web.json_response(graph_error(403, "Authorization_RequestDenied", message), status=403)
        return str(claims.get("tid", ""))

    def _directory_page(
        self, request: web.Request, values: list[Any], context: str, most: int, bad_top: tuple[str, str]
    ) -> web.Response:
        top_text = request.query.get("$top")
        top = int(top_text) if top_text and top_text.isdigit() else None
        if top_text is not None and (top is None or not 1 <= top <= most):
            return web.json_response(graph_error(400, *bad_top), status=400)
        size = min(top or self.page_size, self.page_size)
        skip = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {"@odata.context": f"https://graph.microsoft.com/v1.0/{context}"}
        if request.query.get("$count") == "true":
            body["@odata.count"] = len(values)
        body["value"] = values[skip : skip + size]
        if skip + size < len(values):
            query = {k: v for k, v in request.query.items() if k != "$skiptoken"}
            query["$skiptoken"] = str(skip + size)
            body["@odata.nextLink"] = f"{self.base_url}{request.url.with_query(query).path_qs}"
        return web.json_response(body)

    async def _relationships(self, request: web.Request) -> web.Response:
        tenant = await self._directory_caller(request, "relationships", GDAP_READ_ROLES)
        if isinstance(tenant, web.Response):
            return tenant
        items = copy.deepcopy(self.relationships) if tenant == self.partner_tenant_id else []
        wanted = request.query.get("$filter", "")
        for clause in filter(None, (c.strip() for c in wanted.split(" and "))):
            status = re.fullmatch(r"status eq '([^']*)'", clause)
            if status is None:
                body = graph_error(400, "BadRequest", "Invalid filter clause.")
                return web.json_response(body, status=400)
            items = [i for i in items if i.get("status") == status.group(1)]
        bad = ("BadRequest", "The page size must be between 1 and 300.")
        context = "tenantRelationships/$metadata#delegatedAdminRelationships"
        return self._directory_page(request, items, context, 300, bad)

    async def _assignments(self, request: web.Request) -> web.Response:
        tenant = await self._directory_caller(request, "assignments", GDAP_READ_ROLES)
        if isinstance(tenant, web.Response):
            return tenant
        relationship_id = request.match_info["id"]
        known = tenant == self.partner_tenant_id and any(
            r.get("id") == relationship_id for r in self.relationships
        )
        if not known:
            message = f"The delegated admin relationship with id {relationship_id} was not found."
            return web.json_response(graph_error(404, "NotFound", message), status=404)
        items = copy.deepcopy(self.assignments.get(relationship_id, []))
        bad = ("BadRequest", "The page size must be between 1 and 300.")
        entity = f"delegatedAdminRelationships('{relationship_id}')"
        context = f"tenantRelationships/$metadata#{entity}/accessAssignments"
        return self._directory_page(request, items, context, 300, bad)

    def _groups_of(self, object_id: str, transitive: bool) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        todo = [object_id]
        while todo:
            for item in self.member_of.get(todo.pop(), []):
                if item["id"] not in found:
                    found[item["id"]] = item
                    if transitive:
                        todo.append(item["id"])
        return [copy.deepcopy(item) for item in found.values()]

    async def _memberships(self, request: web.Request) -> web.Response:
        transitive = "/transitiveMemberOf" in request.path
        route = "transitiveMemberOf" if transitive else "memberOf"
        tenant = await self._directory_caller(request, route, MEMBERSHIP_READ_ROLES)
        if isinstance(tenant, web.Response):
            return tenant
        cast = request.path.endswith("/microsoft.graph.group")
        advanced = cast or any(k in request.query for k in _ADVANCED)
        eventual = (
            request.headers.get("ConsistencyLevel") == "eventual" and request.query.get("$count") == "true"
        )
        if advanced and not eventual:
            body = graph_error(400, "Request_UnsupportedQuery", "Unsupported Query.")
            return web.json_response(body, status=400)
        object_id = request.match_info["id"]
        if tenant != self.partner_tenant_id or object_id not in self.member_of:
            message = (
                f"Resource '{object_id}' does not exist or one of its queried reference-property objects "
                "are not present."
            )
            return web.json_response(graph_error(404, "Request_ResourceNotFound", message), status=404)
        items = self._groups_of(object_id, transitive)
        if cast:
            items = [i for i in items if i.get("@odata.type") == GROUP_TYPE]
        if request.query.get("$select") == "id":
            items = [{"@odata.type": i.get("@odata.type"), "id": i["id"]} for i in items]
        bad = ("Request_BadRequest", "Invalid page size specified. Must be between 1 and 999 inclusive.")
        context = "$metadata#groups(id)" if cast else "$metadata#directoryObjects"
        return self._directory_page(request, items, context, 999, bad)
