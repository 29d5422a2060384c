"""Partner Center's REST API (`/v1`) on loopback over https, shaped as documented.

Customers are paged through `links.next` with an opaque MS-ContinuationToken header; `filter` takes the
`starts_with` JSON; errors are `{"code": <int>, "description", "data", "source"}` and throttling is
`{"statusCode": 429, "message"}` with Retry-After. Service-request endpoints are App+User only, so an
app-only token gets 403. PATCHes are de-duplicated on MS-RequestId, as Partner Center does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.doubles.entra import claims_of
from tests.doubles.faults import Fault, Faults

DEFAULT_PAGE_SIZE = 10


def partner_center_error(status: int, code: int, description: str) -> web.Response:
    body = {"code": code, "description": description, "data": [], "source": "PartnerFD"}
    return web.json_response(body, status=status)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path_qs: str
    request_id: str
    correlation_id: str
    continuation: str


@dataclass
class FakePartnerCenter:
    partner_tenant_id: str
    customers: list[dict[str, Any]]
    base_url: str = ""
    service_requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    seen: list[SeenRequest] = field(default_factory=list)
    _continuations: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    _patched: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/customers", self._customers)
        app.router.add_get("/v1/customers/{cid}", self._customer)
        app.router.add_get("/v1/customers/{cid}/servicerequests", self._customer_requests)
        app.router.add_get("/v1/servicerequests/{rid}", self._request)
        app.router.add_patch("/v1/servicerequests/{rid}", self._patch)
        return app

    def throttle(self, times: int = 1, retry_after: int = 0, path_contains: str = "/v1/") -> None:
        message = f"Rate limit is exceeded. Try again in {retry_after} seconds."
        body = {"statusCode": 429, "message": message}
        self.faults.add(Fault(429, body, {"Retry-After": str(retry_after)}, path_contains, times))

    def fail(self, status: int, times: int = 1, path_contains: str = "/v1/", hang: float = 0.0) -> None:
        body = {
            "code": 2000 + status,
            "description": "Service unavailable",
            "data": [],
            "source": "PartnerFD",
        }
        self.faults.add(Fault(status, body, {}, path_contains, times, hang))

    async def _guard(self, request: web.Request) -> web.Response | dict[str, Any]:
        self.seen.append(
            SeenRequest(
                request.method,
                request.path_qs,
                request.headers.get("MS-RequestId", ""),
                request.headers.get("MS-CorrelationId", ""),
                request.headers.get("MS-ContinuationToken", ""),
            )
        )
        claims = claims_of(request.headers.get("Authorization"))
        if (
            claims is None
            or claims.get("aud") != self.base_url
            or claims.get("tid") != self.partner_tenant_id
        ):
            return web.json_response(
                {"code": 400, "description": "Access denied", "data": [], "source": "PartnerFD"},
                status=401,
                headers={"WWW-Authenticate": 'OAuth realm="partner center"'},
            )
        fault = await self.faults.apply(request)
        return fault if fault is not None else claims

    async def _customers(self, request: web.Request) -> web.Response:
        guarded = await self._guard(request)
        if isinstance(guarded, web.Response):
            return guarded
        query = request.query
        if query.get("seekOperation") == "Next":
            token = request.headers.get("MS-ContinuationToken", "")
            if token not in self._continuations:
                return partner_center_error(400, 3000, "Invalid continuation token.")
            filter_text, size, offset = self._continuations.pop(token)
        else:
            filter_text = query.get("filter", "")
            size = int(query.get("size", "0") or 0) or DEFAULT_PAGE_SIZE
            offset = 0
        matching = self._filtered(filter_text)
        if matching is None:
            return partner_center_error(400, 3000, "Invalid filter.")
        page = matching[offset : offset + size]
        body: dict[str, Any] = {
            "totalCount": len(page),
            "items": page,
            "links": {"self": {"uri": f"/customers?size={size}", "method": "GET", "headers": []}},
            "attributes": {"objectType": "Collection"},
        }
        if offset + size < len(matching):
            token = uuid.uuid4().hex
            self._continuations[token] = (filter_text, size, offset + size)
            body["continuationToken"] = token
            body["links"]["next"] = {
                "uri": f"/customers?size={size}&seekOperation=Next",
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": token}],
            }
        return web.json_response(body)

    def _filtered(self, filter_text: str) -> list[dict[str, Any]] | None:
        if not filter_text:
            return self.customers
        try:
            wanted = json.loads(filter_text)
        except ValueError:
            return None
        if wanted.get("Operator") != "starts_with" or wanted.get("Field") not in ("CompanyName", "Domain"):
            return None
        key = "companyName" if wanted["Field"] == "CompanyName" else "domain"
        prefix = str(wanted.get("Value", "")).casefold()
        return [c for c in self.customers if str(c["companyProfile"][key]).casefold().startswith(prefix)]

    async def _customer(self, request: web.Request) -> web.Response:
        guarded = await self._guard(request)
        if isinstance(guarded, web.Response):
            return guarded
        found = next((c for c in self.customers if c["id"] == request.match_info["cid"]), None)
        if found is None:
            return partner_center_error(404, 60003, "Tenant not found.")
        return web.json_response({**found, "commerceId": str(uuid.uuid4()), "customDomains": []})

    def _app_only(self, claims: dict[str, Any]) -> web.Response | None:
        if "scp" not in claims:
            return partner_center_error(403, 400, "This operation requires App+User authentication.")
        return None

    async def _customer_requests(self, request: web.Request) -> web.Response:
        guarded = await self._guard(request)
        if isinstance(guarded, web.Response):
            return guarded
        refused = self._app_only(guarded)
        if refused:
            return refused
        items = self.service_requests.get(request.match_info["cid"], [])
        return web.json_response(
            {"totalCount": len(items), "items": items, "attributes": {"objectType": "Collection"}}
        )

    def _find(self, request_id: str) -> dict[str, Any] | None:
        return next((r for rs in self.service_requests.values() for r in rs if r["id"] == request_id), None)

    async def _request(self, request: web.Request) -> web.Response:
        guarded = await self._guard(request)
        if isinstance(guarded, web.Response):
            return guarded
        refused = self._app_only(guarded)
        if refused:
            return refused
        found = self._find(request.match_info["rid"])
        if found is None:
            return partner_center_error(404, 1000, "Service request not found.")
        return web.json_response(found)

    async def _patch(self, request: web.Request) -> web.Response:
        guarded = await self._guard(request)
        if isinstance(guarded, web.Response):
            return guarded
        refused = self._app_only(guarded)
        if refused:
            return refused
        request_id = request.headers.get("MS-RequestId", "")
        if request_id in self._patched:
            return web.json_response(self._patched[request_id])
        found = self._find(request.match_info["rid"])
        if found is None:
            return partner_center_error(404, 1000, "Service request not found.")
        body = await request.json()
        note = body.get("NewNote") or body.get("newNote")
        if isinstance(note, dict):
            text = note.get("Text") or note.get("text")
            found.setdefault("notes", []).append(
                {
                    # Partner Center names the signed-in user whose token added it.
                    "createdByName": str(guarded.get("name") or "Partner Admin"),
                    "createdDate": "2026-11-24T09:05:00Z",
                    "text": text,
                }
            )
        self._patched[request_id] = found
        return web.json_response(found)
