"""Search from Teams' compose box, and previews of pasted portal links (the bot's message extension).

What a person finds here goes into their own message, read by people who may not have the bot: the full
card is the bot's own card for that customer, incident or request, made shareable (cards/shared.py). The
search rules are the `customers` command's (services/domain/customer_search.py), and everything is read
through the same backend the dialogs get, so the extension sees exactly what the person may see.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from microsoft_teams.cards import AdaptiveCard
from microsoft_teams.cards.core import TextColor
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cards.escalation import STATUS_COLOURS_OF_REQUESTS, request_card
from cards.health import health_card
from cards.incidents import incident_card
from cards.parts import STATUS_COLOURS, status_label
from cards.shared import shared_card, status_mark
from locales.translator import Translator
from services.domain.admin_centers import admin_center_link, admin_center_links
from services.domain.customer_search import normalize, search_customers
from services.domain.errors import SupportDeskError
from services.domain.incidents import find_incident, looks_like_incident_id
from services.domain.models import (
    Customer,
    Incident,
    IncidentLookup,
    RequestStatus,
    ServiceRequest,
    StatusLevel,
    TenantHealth,
)
from services.domain.ports import Backend, ServiceRequestDesk
from services.domain.shared_links import AzureTicketLink, IncidentLink, RequestLink, shared_link

# Teams asks for 25 results a page (queryOptions.count); never more than this, whatever it asks.
MAX_PAGE = 25
# How far into the results a page may start: deeper than anyone scrolls a compose-box flyout.
MAX_SKIP = 1000
# Requests searched through for a typed search (the newest ones; the `requests` command pages the rest).
REQUESTS_SEARCHED = 200
# Teams waits about 5 s for an invoke's answer: tenants' health that hasn't come by then is left out of
# the ordering (their customers follow the others) rather than making the whole answer late.
HEALTH_WAIT_SECONDS = 3.0
# Longer than any customer name, domain, id or SR number: a pasted paragraph is cut to this.
MAX_SEARCH = 256


class SearchKind(enum.Enum):
    """The manifest's search commands (`composeExtensions[0].commands[].id`)."""

    CUSTOMERS = "customers"
    INCIDENTS = "incidents"
    REQUESTS = "requests"


@dataclass(frozen=True)
class Preview:
    """One search result as the flyout lists it: a title, one line, the status with its colour mark; and
    `item`, what Teams sends back (`composeExtension/selectItem`) when it is chosen."""

    title: str
    line: str
    status: str
    item: dict[str, str]


class ChosenItem(BaseModel):
    """A preview's `item` as it comes back: validated, since anyone can send any invoke."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["customer", "incident", "request"]
    id: str = Field(min_length=1, max_length=MAX_SEARCH)
    customer: str = Field(default="", max_length=MAX_SEARCH)


@dataclass(frozen=True)
class SharedItem:
    """A chosen or linked customer, incident or request: its preview, and the card put into the message."""

    preview: Preview
    card: AdaptiveCard


def _marked(word: str, colour: TextColor) -> str:
    """A status as a preview shows it: the mark of its colour, then the word."""
    return f"{status_mark(colour)} {word}"


def _worst(health: TenantHealth) -> StatusLevel:
    return max((s.status.level for s in health.services), default=StatusLevel.OPERATIONAL)


class ComposeSearch:
    def __init__(
        self,
        backend: Backend,
        desk: ServiceRequestDesk,
        clock: Callable[[], datetime],
        health_wait: float = HEALTH_WAIT_SECONDS,
    ) -> None:
        self._backend = backend
        self._desk = desk
        self._clock = clock
        self._health_wait = health_wait

    async def search(
        self, kind: SearchKind, text: str, skip: int, count: int, person: str, t: Translator
    ) -> list[Preview]:
        """One page of results; an empty `text` lists what is most worth sharing now."""
        text = " ".join(text[: MAX_SEARCH * 4].split())[:MAX_SEARCH]
        skip, count = min(max(skip, 0), MAX_SKIP), min(max(count, 1), MAX_PAGE)
        if kind is SearchKind.CUSTOMERS:
            return await self._customers(text, skip, count, t)
        if kind is SearchKind.INCIDENTS:
            return await self._incidents(text, skip, count, t)
        return await self._requests(text, skip, count, person, t)

    async def _healths(self, customers: Sequence[Customer]) -> dict[str, TenantHealth]:
        readable = [c for c in customers if c.delegated_access]
        tasks = [asyncio.ensure_future(self._backend.tenant_health(c)) for c in readable]
        if not tasks:
            return {}
        done, pending = await asyncio.wait(tasks, timeout=self._health_wait)
        for task in pending:
            task.cancel()
        found: dict[str, TenantHealth] = {}
        for customer, task in zip(readable, tasks, strict=True):
            if task in done and not task.cancelled():
                error = task.exception()
                if error is None:
                    found[customer.customer_id] = task.result()
                elif not isinstance(error, SupportDeskError):
                    raise error
        return found

    def _customer_preview(self, customer: Customer, health: TenantHealth | None, t: Translator) -> Preview:
        colour: TextColor = "Default"
        if health is None:
            status = t("compose.health_unknown")
        else:
            worst = max(health.services, key=lambda s: s.status.level, default=None)
            status = status_label(worst.status, t) if worst else t("status.serviceoperational")
            colour = STATUS_COLOURS[_worst(health)]
        active = sum(len(s.active_incidents) for s in health.services) if health else 0
        line = t(
            "compose.customer_line", domain=customer.domain, active=t.count("count.active_incidents", active)
        )
        return Preview(
            customer.name, line, _marked(status, colour), {"kind": "customer", "id": customer.customer_id}
        )

    async def _customers(self, text: str, skip: int, count: int, t: Translator) -> list[Preview]:
        matches = search_customers(await self._backend.list_customers(), text)
        if text:
            page = list(matches[skip : skip + count])
            healths = await self._healths(page)
        else:
            # Most relevant first: customers with active incidents (the worst, then the most), then the rest.
            healths = await self._healths(matches)

            def trouble(c: Customer) -> tuple[int, int]:
                health = healths.get(c.customer_id)
                if health is None:
                    return (0, 0)
                return (-_worst(health), -sum(len(s.active_incidents) for s in health.services))

            page = sorted(matches, key=trouble)[skip : skip + count]
        return [self._customer_preview(c, healths.get(c.customer_id), t) for c in page]

    def _incident_preview(self, incident: Incident, customer: Customer, t: Translator) -> Preview:
        status = status_label(incident.status, t)
        line = t(
            "compose.incident_line",
            incident=incident.incident_id,
            service=incident.service,
            customer=customer.name,
        )
        item = {"kind": "incident", "id": incident.incident_id, "customer": customer.customer_id}
        return Preview(incident.title, line, _marked(status, STATUS_COLOURS[incident.status.level]), item)

    async def _incidents(self, text: str, skip: int, count: int, t: Translator) -> list[Preview]:
        customers = await self._backend.list_customers()
        named = {c.customer_id for c in search_customers(customers, text)} if text else set()
        healths = await self._healths(customers)
        wanted = normalize(text)
        seen: dict[str, tuple[Incident, Customer]] = {}
        for customer in sorted(customers, key=lambda c: normalize(c.name)):
            health = healths.get(customer.customer_id)
            for incident in health.incidents if health else ():
                about = normalize(f"{incident.incident_id} {incident.title} {incident.service}")
                hit = (
                    not incident.is_resolved
                    if not wanted
                    else customer.customer_id in named or wanted in about
                )
                if hit and incident.incident_id not in seen:
                    seen[incident.incident_id] = (incident, customer)
        ordered = sorted(
            seen.values(),
            key=lambda pair: (pair[0].is_resolved, -pair[0].status.level, -pair[0].start.timestamp()),
        )
        return [self._incident_preview(i, c, t) for i, c in ordered[skip : skip + count]]

    def _request_preview(self, request: ServiceRequest, t: Translator) -> Preview:
        word = t(f"request_status.{request.status.value}")
        status = _marked(word, STATUS_COLOURS_OF_REQUESTS[request.status])
        line = t("compose.request_line", number=request.number, customer=request.customer_name)
        return Preview(request.title, line, status, {"kind": "request", "id": request.number})

    async def _readable_requests(self) -> tuple[list[ServiceRequest], list[Customer]]:
        """The newest requests of the customers the backend shows this person (the desk lists every
        customer's; the backend is the view that knows whom the person may reach)."""
        customers = list(await self._backend.list_customers())
        ids = {c.customer_id for c in customers}
        recent = await self._desk.recent_requests(None, REQUESTS_SEARCHED, 0)
        return [r for r in recent if r.customer_id in ids], customers

    async def _requests(self, text: str, skip: int, count: int, person: str, t: Translator) -> list[Preview]:
        recent, customers = await self._readable_requests()
        if not text:
            # The open ones, the person's own first (as the desk names its contact), newest first within.
            mine = normalize(person)
            open_ones = [r for r in recent if r.status is not RequestStatus.CLOSED]
            ordered = sorted(open_ones, key=lambda r: not (mine and normalize(r.contact.name) == mine))
            return [self._request_preview(r, t) for r in ordered[skip : skip + count]]
        named = {c.customer_id for c in search_customers(customers, text)}
        wanted = normalize(text)
        hits = [
            r
            for r in recent
            if r.customer_id in named
            or wanted in normalize(f"{r.number} {r.reference} {r.title} {r.customer_name}")
        ]
        return [self._request_preview(r, t) for r in hits[skip : skip + count]]

    async def chosen(self, value: object, t: Translator) -> SharedItem | None:
        """The full card of a chosen preview; None when the item is not one of ours or no longer readable."""
        try:
            item = ChosenItem.model_validate(value)
        except ValidationError:
            return None
        try:
            if item.kind == "customer":
                return await self._customer_card(item.id, t)
            if item.kind == "incident":
                return await self._incident_card(item.id, item.customer, t)
            return await self._request_card(item.id, t)
        except SupportDeskError:
            return None

    async def _customer_card(self, customer_id: str, t: Translator) -> SharedItem | None:
        customer = next(
            (c for c in await self._backend.list_customers() if c.customer_id == customer_id), None
        )
        if customer is None:
            return None
        health = await self._backend.tenant_health(customer)
        links = admin_center_links(customer, (s.name for s in health.services))
        return SharedItem(
            self._customer_preview(customer, health, t),
            # Inserted where many read it, with links only (cards/shared.py): nobody is offered filing.
            shared_card(health_card(health, t, links, may_file=False)),
        )

    async def _incident_card(self, incident_id: str, customer_id: str, t: Translator) -> SharedItem | None:
        if not looks_like_incident_id(incident_id):
            return None
        customers = await self._backend.list_customers()
        customer = next((c for c in customers if c.customer_id == customer_id), None) if customer_id else None
        if customer_id and customer is None:
            return None
        lookup: IncidentLookup = await find_incident(self._backend, incident_id.upper(), customer)
        link = admin_center_link(lookup.customer, lookup.incident.service)
        full = incident_card(lookup, self._clock(), t, link, may_file=False)
        return SharedItem(self._incident_preview(lookup.incident, lookup.customer, t), shared_card(full))

    async def _request_card(self, number: str, t: Translator) -> SharedItem | None:
        return await self._request_found(await self._desk.service_request(number), t)

    async def _request_found(self, request: ServiceRequest, t: Translator) -> SharedItem | None:
        if all(c.customer_id != request.customer_id for c in await self._backend.list_customers()):
            return None
        full = request_card(request, self._clock(), t, note_hint=False)
        return SharedItem(self._request_preview(request, t), shared_card(full))

    async def linked(self, url: object, t: Translator) -> SharedItem | None:
        """The card for a pasted portal link (services/domain/shared_links.py); None for any other link,
        and for one whose incident or request the person can't read: no preview, never an error card."""
        if not isinstance(url, str):
            return None
        link = shared_link(url)
        try:
            if isinstance(link, IncidentLink):
                return await self._incident_card(link.incident_id, "", t)
            if isinstance(link, RequestLink):
                return await self._request_card(link.number, t)
            if isinstance(link, AzureTicketLink):
                # The bot names the tickets it files after their idempotency key; others by SR number.
                filed = await self._desk.filed_with_key(link.ticket_name)
                if filed is not None:
                    return await self._request_found(filed, t)
                if link.ticket_name.isdigit():
                    return await self._request_card(link.ticket_name, t)
        except SupportDeskError:
            return None
        return None
