"""Azure Support REST API (`Microsoft.Support`, api-version 2024-04-01) in a customer's subscription.

Needs a ProDirect, Premier or Unified support plan and the Support Request Contributor role. Tickets and
communications are created by PUT with a name we choose (the escalation's idempotency key), so retrying
a create after a timeout can't open a second ticket. Creation is a long-running operation: 200, or 202
with `Azure-AsyncOperation` to poll (never 201).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from services.backends.live.upstream import Upstream, UpstreamError
from services.domain.timestamps import parse_timestamp

API = "Azure Support"
API_VERSION = "2024-04-01"
MAX_PAGES = 50


def read_arm_error(payload: Any) -> tuple[str, str]:
    """ARM's `{"error": {"code", "message"}}`."""
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return "", ""
    return str(error.get("code", "")), str(error.get("message", ""))


async def arm_values(
    upstream: Upstream, tenant_id: str, url: str, params: dict[str, str], max_pages: int = MAX_PAGES
) -> list[Mapping[str, Any]]:
    """Every item of an ARM list (up to `max_pages` pages), following `nextLink` (which carries the
    query itself)."""
    values: list[Mapping[str, Any]] = []
    next_url: str | None = url
    next_params: dict[str, str] | None = params
    for _ in range(max_pages):
        if next_url is None:
            break
        reply = await upstream.call("GET", next_url, tenant_id=tenant_id, params=next_params)
        page = reply.payload if isinstance(reply.payload, Mapping) else {}
        values += [v for v in page.get("value") or [] if isinstance(v, Mapping)]
        link = page.get("nextLink")
        next_url, next_params = (link, None) if isinstance(link, str) and link else (None, None)
    return values


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _properties(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = raw.get("properties")
    return properties if isinstance(properties, Mapping) else {}


@dataclass(frozen=True)
class SupportService:
    service_id: str  # the full resource id, as a ticket's serviceId wants it
    name: str
    display_name: str


@dataclass(frozen=True)
class ProblemClassification:
    classification_id: str
    name: str
    display_name: str


@dataclass(frozen=True)
class SupportTicket:
    name: str
    ticket_id: str  # Microsoft's support ticket number
    title: str
    status: str
    severity: str
    service: str
    problem: str
    created: datetime | None
    modified: datetime | None


@dataclass(frozen=True)
class TicketCommunication:
    name: str
    subject: str
    body: str
    sender: str
    direction: str
    created: datetime | None


@dataclass(frozen=True)
class TicketRequest:
    """What the escalation collects for an Azure problem."""

    title: str
    description: str
    service_id: str
    problem_classification_id: str
    severity: str  # minimal | moderate | critical | highestcriticalimpact
    first_name: str
    last_name: str
    email: str
    phone: str = ""
    country: str = "usa"
    time_zone: str = "Pacific Standard Time"
    language: str = "en-US"
    advanced_diagnostic_consent: str = "No"

    def body(self) -> dict[str, Any]:
        contact: dict[str, str] = {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "primaryEmailAddress": self.email,
            "preferredContactMethod": "email",
            "preferredTimeZone": self.time_zone,
            "preferredSupportLanguage": self.language,
            "country": self.country,
        }
        if self.phone:
            contact["phoneNumber"] = self.phone
        return {
            "properties": {
                "serviceId": self.service_id,
                "title": self.title,
                "description": self.description,
                "problemClassificationId": self.problem_classification_id,
                "severity": self.severity,
                "advancedDiagnosticConsent": self.advanced_diagnostic_consent,
                "contactDetails": contact,
            }
        }


def parse_service(raw: Mapping[str, Any]) -> SupportService:
    """One item of `GET /providers/Microsoft.Support/services`."""
    return SupportService(
        _text(raw.get("id")), _text(raw.get("name")), _text(_properties(raw).get("displayName"))
    )


def parse_problem_classification(raw: Mapping[str, Any]) -> ProblemClassification:
    """One item of `GET .../services/{serviceName}/problemClassifications`."""
    return ProblemClassification(
        _text(raw.get("id")), _text(raw.get("name")), _text(_properties(raw).get("displayName"))
    )


def parse_ticket(raw: Mapping[str, Any]) -> SupportTicket:
    p = _properties(raw)
    return SupportTicket(
        name=_text(raw.get("name")),
        ticket_id=_text(p.get("supportTicketId")),
        title=_text(p.get("title")),
        status=_text(p.get("status")),
        severity=_text(p.get("severity")),
        service=_text(p.get("serviceDisplayName")),
        problem=_text(p.get("problemClassificationDisplayName")),
        created=parse_timestamp(p.get("createdDate")),
        modified=parse_timestamp(p.get("modifiedDate")),
    )


def parse_communication(raw: Mapping[str, Any]) -> TicketCommunication:
    p = _properties(raw)
    return TicketCommunication(
        name=_text(raw.get("name")),
        subject=_text(p.get("subject")),
        body=_text(p.get("body")),
        sender=_text(p.get("sender")),
        direction=_text(p.get("communicationDirection")),
        created=parse_timestamp(p.get("createdDate")),
    )


class AzureSupportClient:
    def __init__(self, upstream: Upstream, management_url: str, poll_seconds: float = 2.0) -> None:
        self._upstream = upstream
        self._root = management_url.rstrip("/")
        self._poll_seconds = poll_seconds

    def _tickets(self, subscription_id: str) -> str:
        return (
            f"{self._root}/subscriptions/{quote(subscription_id)}/providers/Microsoft.Support/supportTickets"
        )

    async def _values(
        self, tenant_id: str, url: str, params: dict[str, str], max_pages: int = MAX_PAGES
    ) -> list[Mapping[str, Any]]:
        return await arm_values(
            self._upstream, tenant_id, url, {"api-version": API_VERSION, **params}, max_pages
        )

    async def services(self, tenant_id: str) -> list[SupportService]:
        values = await self._values(tenant_id, f"{self._root}/providers/Microsoft.Support/services", {})
        return [parse_service(v) for v in values]

    async def problem_classifications(self, tenant_id: str, service_name: str) -> list[ProblemClassification]:
        url = (
            f"{self._root}/providers/Microsoft.Support/services/{quote(service_name)}/problemClassifications"
        )
        return [parse_problem_classification(v) for v in await self._values(tenant_id, url, {})]

    async def list_tickets(
        self,
        tenant_id: str,
        subscription_id: str,
        *,
        filter_expression: str = "",
        top: int = 100,
        max_pages: int = MAX_PAGES,
    ) -> list[SupportTicket]:
        params = {"$top": str(min(top, 100))}
        if filter_expression:
            params["$filter"] = filter_expression
        url = self._tickets(subscription_id)
        return [parse_ticket(v) for v in await self._values(tenant_id, url, params, max_pages)]

    async def get_ticket(
        self, tenant_id: str, subscription_id: str, ticket_name: str
    ) -> SupportTicket | None:
        url = f"{self._tickets(subscription_id)}/{quote(ticket_name)}"
        try:
            reply = await self._upstream.call(
                "GET", url, tenant_id=tenant_id, params={"api-version": API_VERSION}
            )
        except UpstreamError as error:
            if error.status == 404:
                return None
            raise
        return parse_ticket(reply.payload) if isinstance(reply.payload, Mapping) else None

    async def create_ticket(
        self, tenant_id: str, subscription_id: str, ticket_name: str, request: TicketRequest
    ) -> SupportTicket:
        """PUT with our name; a 202 is polled through Azure-AsyncOperation, then the ticket is read."""
        url = f"{self._tickets(subscription_id)}/{quote(ticket_name)}"
        await self._put(tenant_id, url, request.body())
        ticket = await self.get_ticket(tenant_id, subscription_id, ticket_name)
        if ticket is None:
            raise UpstreamError(API, 404, "NotFound", "the created ticket can't be read back")
        return ticket

    async def list_communications(
        self, tenant_id: str, subscription_id: str, ticket_name: str
    ) -> list[TicketCommunication]:
        url = f"{self._tickets(subscription_id)}/{quote(ticket_name)}/communications"
        return [parse_communication(v) for v in await self._values(tenant_id, url, {"$top": "10"})]

    async def add_communication(
        self,
        tenant_id: str,
        subscription_id: str,
        ticket_name: str,
        communication_name: str,
        subject: str,
        body: str,
        sender: str,
    ) -> None:
        """A note on the ticket. A service principal must name the `sender` (an email address)."""
        ticket = f"{self._tickets(subscription_id)}/{quote(ticket_name)}"
        url = f"{ticket}/communications/{quote(communication_name)}"
        await self._put(tenant_id, url, {"properties": {"subject": subject, "body": body, "sender": sender}})

    async def _put(self, tenant_id: str, url: str, body: Mapping[str, Any]) -> None:
        reply = await self._upstream.call(
            "PUT", url, tenant_id=tenant_id, params={"api-version": API_VERSION}, json=body
        )
        if reply.status != 202:
            return
        status_url = reply.headers.get("Azure-AsyncOperation") or reply.headers.get("Location")
        if not status_url:
            return
        for _ in range(60):
            await asyncio.sleep(_retry_after(reply.headers, self._poll_seconds))
            reply = await self._upstream.call("GET", status_url, tenant_id=tenant_id)
            state = _text(reply.payload.get("status")) if isinstance(reply.payload, Mapping) else ""
            if state.casefold() == "succeeded" or (reply.status == 200 and not state):
                return
            if state.casefold() in ("failed", "canceled"):
                code, message = read_arm_error(reply.payload)
                raise UpstreamError(API, 200, code or state, message)
        raise UpstreamError(API, None, "OperationTimedOut", "the ticket creation did not finish")


def _retry_after(headers: Mapping[str, str], default: float) -> float:
    raw = headers.get("Retry-After", "")
    return min(float(raw), 30.0) if raw.replace(".", "", 1).isdigit() else default
