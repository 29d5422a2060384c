"""Azure Support (`Microsoft.Support`, 2024-04-01) on loopback over https: the services catalogue, tickets
created by PUT with the caller's name (202 + Azure-AsyncOperation, then Succeeded), lists with nextLink,
and communications.

With `partner_tenant_id` set, a call into a subscription is a CSP partner's on-behalf-of call: ARM wants
the partner tenant's management token in `x-ms-authorization-auxiliary` besides the customer tenant's in
`Authorization`, and answers 403 AuthorizationFailed without it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.doubles.entra import claims_of
from tests.doubles.faults import Fault, Faults

SUPPORT = "/providers/Microsoft.Support"
EVENTS = "/subscriptions/{sub}/providers/Microsoft.ResourceHealth/events"
TICKETS = "/subscriptions/{sub}/providers/Microsoft.Support/supportTickets"


@dataclass
class FakeAzureSupport:
    base_url: str = ""
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    communications: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    puts: list[str] = field(default_factory=list)
    polls: int = 0
    faults: Faults = field(default_factory=Faults)
    # The next `slow_puts` ticket PUTs create the ticket, then answer only after `slow_seconds`: a
    # timeout the caller sees although Azure did the work.
    slow_puts: int = 0
    slow_seconds: float = 0.0
    # Subscriptions are reached on behalf of this partner tenant: its token must come along (see above).
    partner_tenant_id: str = ""
    # The tenant of each auxiliary token a call into a subscription carried (None: none carried).
    auxiliary_tenants: list[str | None] = field(default_factory=list)
    # Who created each ticket and communication (by name), as Azure records it from the caller's token:
    # the person's UPN for a delegated token, `app:<appid>` for the app's own.
    created_by: dict[str, str] = field(default_factory=dict)
    # Azure service health (`Microsoft.ResourceHealth/events`, 2022-10-01): each subscription's events
    # in ARM's shape, served `events_page_size` at a time with `nextLink`; each request's query kept.
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events_page_size: int = 2
    event_queries: list[dict[str, str]] = field(default_factory=list)
    # The events requests (pages) by subscription.
    event_requests: Counter[str] = field(default_factory=Counter)

    def fail(
        self, status: int, code: str, times: int = 1, path_contains: str = "", retry_after: int | None = None
    ) -> None:
        """ARM's error body `{"error": {"code", "message"}}`, with Retry-After when given."""
        body = {"error": {"code": code, "message": f"{code} (test double)"}}
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        self.faults.add(Fault(status, body, headers, path_contains, times))

    def app(self) -> web.Application:
        @web.middleware
        async def faulty(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            fault = await self.faults.apply(request)
            return fault if fault is not None else await handler(request)

        @web.middleware
        async def on_behalf_of(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            if not request.path.startswith("/subscriptions/"):
                return await handler(request)
            auxiliary = claims_of(request.headers.get("x-ms-authorization-auxiliary"))
            tenant = str(auxiliary["tid"]) if auxiliary else None
            self.auxiliary_tenants.append(tenant)
            audience_ok = auxiliary is not None and str(auxiliary.get("aud", "")).rstrip("/") == self.base_url
            if self.partner_tenant_id and (tenant != self.partner_tenant_id or not audience_ok):
                message = (
                    "The client has no authorization to perform action 'Microsoft.Support/supportTickets' "
                    "over the customer's subscription: the partner's auxiliary token is missing or invalid."
                )
                return web.json_response(
                    {"error": {"code": "AuthorizationFailed", "message": message}}, status=403
                )
            return await handler(request)

        app = web.Application(middlewares=[faulty, on_behalf_of])
        app.router.add_get(f"{SUPPORT}/services", self._services)
        app.router.add_get(f"{SUPPORT}/services/{{service}}/problemClassifications", self._classifications)
        app.router.add_get(EVENTS, self._events)
        app.router.add_get(TICKETS, self._list)
        app.router.add_put(TICKETS + "/{name}", self._put)
        app.router.add_get(TICKETS + "/{name}", self._get)
        app.router.add_get(TICKETS + "/{name}/communications", self._communications)
        app.router.add_put(TICKETS + "/{name}/communications/{cname}", self._put_communication)
        app.router.add_get(
            "/subscriptions/{sub}/providers/Microsoft.Support/operationsStatus/{op}", self._status
        )
        return app

    async def _services(self, request: web.Request) -> web.Response:
        names = ["vm-linux", "storage", "sql"]
        start = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {
            "value": [
                {
                    "id": f"{SUPPORT}/services/{n}",
                    "name": n,
                    "type": "Microsoft.Support/services",
                    "properties": {"displayName": n.upper(), "resourceTypes": []},
                }
                for n in names[start : start + 2]
            ]
        }
        if start + 2 < len(names):
            body["nextLink"] = f"{self.base_url}{SUPPORT}/services?api-version=2024-04-01&$skiptoken=2"
        return web.json_response(body)

    async def _classifications(self, request: web.Request) -> web.Response:
        service = request.match_info["service"]
        item = {
            "id": f"{SUPPORT}/services/{service}/problemClassifications/connectivity",
            "name": "connectivity",
            "properties": {"displayName": "Connectivity / Cannot connect"},
        }
        return web.json_response({"value": [item]})

    async def _put(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.puts.append(name)
        if name in self.tickets:
            return web.json_response(self.tickets[name])
        properties = (await request.json())["properties"]
        self.created_by[name] = _caller(request)
        self.tickets[name] = {
            "id": f"/subscriptions/{request.match_info['sub']}{SUPPORT}/supportTickets/{name}",
            "name": name,
            "type": "Microsoft.Support/supportTickets",
            "properties": {
                **properties,
                "supportTicketId": str(119120321001170 + len(self.tickets)),
                "status": "Open",
                "serviceDisplayName": "Virtual Machine running Linux",
                "problemClassificationDisplayName": "Connectivity / Cannot connect",
                "createdDate": "2026-11-24T09:00:00Z",
                "modifiedDate": "2026-11-24T09:00:05Z",
            },
        }
        operation = f"{self.base_url}/subscriptions/{request.match_info['sub']}{SUPPORT}/operationsStatus/op1"
        if self.slow_puts:
            self.slow_puts -= 1
            await asyncio.sleep(self.slow_seconds)
        return web.Response(
            status=202,
            headers={"Azure-AsyncOperation": operation, "Location": operation, "Retry-After": "0"},
        )

    async def _status(self, request: web.Request) -> web.Response:
        self.polls += 1
        return web.json_response({"status": "InProgress" if self.polls == 1 else "Succeeded"})

    async def _get(self, request: web.Request) -> web.Response:
        found = self.tickets.get(request.match_info["name"])
        if found is None:
            error = {"error": {"code": "ResourceNotFound", "message": "No such ticket."}}
            return web.json_response(error, status=404)
        return web.json_response(found)

    async def _events(self, request: web.Request) -> web.Response:
        """An unknown subscription is ARM's 404 SubscriptionNotFound."""
        self.event_queries.append(dict(request.query))
        sub = request.match_info["sub"]
        self.event_requests[sub] += 1
        if sub not in self.events:
            error = {
                "code": "SubscriptionNotFound",
                "message": f"The subscription '{sub}' could not be found.",
            }
            return web.json_response({"error": error}, status=404)
        start = int(request.query.get("$skipToken", "0"))
        size = self.events_page_size
        body: dict[str, Any] = {"value": self.events[sub][start : start + size]}
        if start + size < len(self.events[sub]):
            query = f"api-version={request.query.get('api-version', '')}&$skipToken={start + size}"
            body["nextLink"] = f"{self.base_url}{request.path}?{query}"
        return web.json_response(body)

    async def _list(self, request: web.Request) -> web.Response:
        return web.json_response({"value": list(self.tickets.values())})

    async def _communications(self, request: web.Request) -> web.Response:
        return web.json_response({"value": self.communications.get(request.match_info["name"], [])})

    async def _put_communication(self, request: web.Request) -> web.Response:
        properties = (await request.json())["properties"]
        name = request.match_info["cname"]
        entries = self.communications.setdefault(request.match_info["name"], [])
        if all(e["name"] != name for e in entries):
            self.created_by[name] = _caller(request)
            entries.append(
                {
                    "name": name,
                    "properties": {
                        **properties,
                        "communicationDirection": "inbound",
                        "createdDate": "2026-11-24T09:10:00Z",
                    },
                }
            )
        return web.json_response(entries[-1])


def _caller(request: web.Request) -> str:
    claims = claims_of(request.headers.get("Authorization")) or {}
    if claims.get("scp") and claims.get("upn"):
        return str(claims["upn"])
    return f"app:{claims.get('appid', '')}"
