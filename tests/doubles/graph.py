"""Microsoft Graph service communications (`/v1.0/admin/serviceAnnouncement`) on loopback over https.

The tenant is the token's `tid`. Collections page with an absolute `@odata.nextLink` (`$skiptoken`),
honouring `Prefer: odata.maxpagesize`. An app-only token needs the ServiceHealth.Read.All role and a
delegated one a GDAP role in the tenant, else 403 `accessDenied`. Errors are
`{"error": {"code", "message", "innerError"}}`; throttling is 429 `TooManyRequests` with Retry-After.
Enums are camelCase, or PascalCase as in the docs' examples with `pascal_case`.
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

from tests.doubles.entra import SERVICE_HEALTH_ROLE, claims_of
from tests.doubles.faults import Fault, Faults

ROOT = "/v1.0/admin/serviceAnnouncement"
_ENUM_KEYS = ("status", "classification", "origin", "postType", "contentType")


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
    base_url: str = ""
    page_size: int = 100
    gdap_denied: set[str] = field(default_factory=set)
    pascal_case: bool = False
    faults: Faults = field(default_factory=Faults)
    calls: Counter[str] = field(default_factory=Counter)
    # Seconds each answer takes, and the most requests ever in flight at once.
    latency: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{ROOT}/healthOverviews", self._overviews)
        app.router.add_get(f"{ROOT}/issues", self._issues)
        return app

    def throttle(self, times: int = 1, retry_after: int = 0) -> None:
        body = graph_error(429, "TooManyRequests", "Please retry again later.")
        self.faults.add(Fault(429, body, {"Retry-After": str(retry_after)}, ROOT, times))

    def fail(self, status: int, times: int = 1, hang: float = 0.0) -> None:
        body = graph_error(status, "serviceNotAvailable", "Service unavailable.")
        self.faults.add(Fault(status, body, {}, ROOT, times, hang))

    async def _tenant(self, request: web.Request) -> str | web.Response:
        claims = claims_of(request.headers.get("Authorization"))
        if claims is None or claims.get("aud") != self.base_url:
            body = graph_error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            return web.json_response(body, status=401)
        tenant = str(claims.get("tid", ""))
        self.calls[tenant] += 1
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
            allowed = SERVICE_HEALTH_ROLE in claims.get("roles", [])
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
