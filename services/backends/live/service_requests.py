"""The live service-request desk: Azure problems become Azure Support tickets, Microsoft 365 problems are
handed off to Partner Center (which has had no create API since 2020) and tracked there once linked.

- One catalogue: the Microsoft 365 topics the project ships (Partner Center's supporttopics shape) and,
  for the configured Azure Support services, their problem classifications. The Azure part is cached for
  hours; when Azure Support can't be read the catalogue is the Microsoft 365 part alone for a minute.
- Filing an Azure problem PUTs a ticket named by the escalation's idempotency key in the customer's
  configured subscription: however often the PUT is retried (a timeout, the dialog's Try again), Azure
  Support holds one ticket under that name.
- Filing a Microsoft 365 problem records it in the bot's ledger (services/backends/live/escalation_ledger.py)
  under an E-reference, awaiting its SR number, and returns the hand-off; `link` attaches the number
  Partner Center gave, checked there.
- The store is the bot's record of what it escalated; statuses and notes are read from Azure Support and
  Partner Center each time (Partner Center's service-request endpoints are App+User only).
- Counting the open ones (the `requests` chart) counts that record, each request's status read from one
  Partner Center list per customer and one Azure Support list per subscription, not one read per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from services.backends.azure_support.client import (
    AzureSupportClient,
    ProblemClassification,
    SupportService,
    SupportTicket,
    TicketRequest,
)
from services.backends.live.backend import LIST_CUSTOMERS, LiveBackend, domain_error
from services.backends.live.config import CustomerAccess
from services.backends.live.escalation_ledger import AZURE, PARTNER_CENTER, Escalation, EscalationLedger
from services.backends.live.upstream import UpstreamError
from services.backends.partner_center.client import PartnerCenterClient
from services.backends.partner_center.handoff import PARTNER_CENTER_NEW_REQUEST, handoff_summary
from services.backends.partner_center.service_requests import PartnerServiceRequest
from services.backends.support_catalogue import (
    FIELD_LIMITS,
    SEVERITIES,
    azure_support_topics,
    load_support_topics,
)
from services.backends.tokens import TokenError
from services.domain.errors import (
    PARTNER_TENANT,
    AlreadyLinked,
    AwaitingServiceRequestNumber,
    AzureSubscriptionMissing,
    AzureSupportAccessDenied,
    PartnerCenterSignInNeeded,
    Phrase,
    ServiceRequestNotFound,
    ServiceRequestOfAnotherCustomer,
    SupportDeskError,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from services.domain.models import (
    AZURE_PROBLEM_CLASSIFICATIONS,
    Customer,
    Filing,
    Handoff,
    OpenRequestCounts,
    RequestDraft,
    RequestNote,
    RequestStatus,
    ServiceRequest,
    SupportCatalogue,
    SupportTopic,
)
from services.domain.signed_in import signed_in_as
from services.domain.single_flight import SingleFlightCache

logger = logging.getLogger("services.live.desk")

T = TypeVar("T")

AZURE_CATALOGUE_TTL_SECONDS = 6 * 3600.0
AZURE_CATALOGUE_RETRY_SECONDS = 60.0
# `link` looks for the owner of another customer's service request among this many customers at most.
OWNER_SEARCH_LIMIT = 100
# Lists read at once when open requests are counted (one per customer or subscription with requests).
LIST_CONCURRENCY = 8

_PARTNER_CENTER_STATUSES = {
    "open": RequestStatus.OPEN,
    "none": RequestStatus.OPEN,
    "attention_needed": RequestStatus.ATTENTION_NEEDED,
    "closed": RequestStatus.CLOSED,
}


def _offered(service: SupportService, wanted: tuple[str, ...]) -> bool:
    names = {service.name.casefold(), service.display_name.casefold()}
    return any(w.casefold() in names for w in wanted)


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last or first


class LiveServiceRequests:
    def __init__(
        self,
        ledger: EscalationLedger,
        clock: Callable[[], datetime],
        azure_support: AzureSupportClient,
        partner_center: PartnerCenterClient,
        *,
        partner_tenant_id: str,
        customer_access: CustomerAccess,
        azure_subscriptions: Mapping[str, str],
        azure_services: tuple[str, ...],
        m365_topics: Sequence[SupportTopic],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._azure = azure_support
        self._partner_center = partner_center
        self._partner_tenant = partner_tenant_id
        self._access = customer_access
        self._subscriptions = {k.casefold(): v for k, v in azure_subscriptions.items()}
        self._azure_services = azure_services
        self._m365_topics = tuple(m365_topics)
        self._monotonic = monotonic
        self._azure_topics: SingleFlightCache[str, tuple[SupportTopic, ...]] = SingleFlightCache(
            AZURE_CATALOGUE_TTL_SECONDS, monotonic
        )
        self._azure_unreadable_until = 0.0

    @classmethod
    def for_backend(
        cls, backend: LiveBackend, ledger: EscalationLedger, clock: Callable[[], datetime], topics_file: Path
    ) -> LiveServiceRequests:
        config = backend.config
        return cls(
            ledger,
            clock,
            backend.azure_support,
            backend.partner_center_requests,
            partner_tenant_id=config.partner_tenant_id,
            customer_access=config.customer_access,
            azure_subscriptions=config.azure_subscriptions,
            azure_services=config.azure_support_services,
            m365_topics=load_support_topics(config.support_topics_path or topics_file),
        )

    # --- the catalogue -----------------------------------------------------------------------------

    async def support_catalogue(self) -> SupportCatalogue:
        return SupportCatalogue(self._m365_topics + await self._azure_catalogue(), SEVERITIES, FIELD_LIMITS)

    async def _azure_catalogue(self) -> tuple[SupportTopic, ...]:
        if not self._azure_services or self._monotonic() < self._azure_unreadable_until:
            return ()
        try:
            return await self._azure_topics.get("azure", self._load_azure_topics)
        except (UpstreamError, SupportDeskError) as error:
            # Microsoft 365 escalations must not wait on Azure Support: offer them alone for a minute.
            logger.warning("azure catalogue unreadable error=%s", type(error).__name__)
            self._azure_unreadable_until = self._monotonic() + AZURE_CATALOGUE_RETRY_SECONDS
            return ()

    async def _load_azure_topics(self) -> tuple[SupportTopic, ...]:
        # One catalogue for everyone, read as the app even in a signed-in person's turn.
        with signed_in_as(None):
            return await self._read_azure_topics()

    async def _read_azure_topics(self) -> tuple[SupportTopic, ...]:
        services = await self._upstream(
            lambda: self._azure.services(self._partner_tenant),
            Phrase("doing.read_azure_services"),
            None,
        )
        offered = [s for s in services if _offered(s, self._azure_services)]
        classifications: list[list[ProblemClassification]] = await asyncio.gather(
            *(self._azure.problem_classifications(self._partner_tenant, s.name) for s in offered)
        )
        return azure_support_topics(zip(offered, classifications, strict=True))

    # --- filing ------------------------------------------------------------------------------------

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        filed = await self._escalation_with_key(idempotency_key)
        if filed is None and draft.topic.is_azure:
            filed = await self._file_azure_ticket(draft, idempotency_key, requested_by)
            return Filing(await self._tracked(filed), already_filed=False)
        already = filed is not None
        if filed is None:
            filed = await self._record(draft, idempotency_key, requested_by, PARTNER_CENTER, "", "")
        request = await self._tracked(filed)
        handoff = None
        if request.status is RequestStatus.AWAITING_NUMBER:
            handoff = Handoff(PARTNER_CENTER_NEW_REQUEST, handoff_summary(request))
        return Filing(request, already_filed=already, handoff=handoff)

    async def _file_azure_ticket(self, draft: RequestDraft, key: str, requested_by: str) -> Escalation:
        customer = draft.customer
        subscription = self._subscriptions.get(customer.tenant_id.casefold()) or self._subscriptions.get(
            customer.customer_id.casefold()
        )
        if not subscription:
            raise AzureSubscriptionMissing(customer.name)
        first, last = _split_name(draft.contact.name)
        ticket_request = TicketRequest(
            title=draft.title,
            description=draft.description,
            service_id=draft.topic.topic_id.split(AZURE_PROBLEM_CLASSIFICATIONS, 1)[0],
            problem_classification_id=draft.topic.topic_id,
            severity=draft.severity.value,
            first_name=first,
            last_name=last,
            email=draft.contact.email,
            phone=draft.contact.phone,
        )
        # The ticket's name is the idempotency key: a retried PUT finds the ticket the first one made.
        ticket = await self._upstream(
            lambda: self._azure.create_ticket(customer.tenant_id, subscription, key, ticket_request),
            Phrase(
                "doing.file_azure_ticket",
                (("customer", customer.name),),
            ),
            customer,
        )
        logger.info("azure ticket filed key=%s number=%s", key[:8], ticket.ticket_id)
        return await self._record(draft, key, requested_by, AZURE, ticket.ticket_id, subscription)

    async def _record(
        self, draft: RequestDraft, key: str, requested_by: str, kind: str, number: str, subscription: str
    ) -> Escalation:
        """Stores the escalation once per key (a concurrent twin finds the first row) and returns it."""
        customer = draft.customer
        await self._ledger.record(
            Escalation(
                key=key,
                kind=kind,
                reference="",
                number=number,
                customer_id=customer.customer_id,
                customer_name=customer.name,
                tenant_id=customer.tenant_id,
                subscription_id=subscription,
                topic=draft.topic,
                severity=draft.severity,
                title=draft.title,
                description=draft.description,
                contact=draft.contact,
                incident_id=draft.incident_id,
                requested_by=requested_by,
                created=self._clock(),
            )
        )
        stored = await self._ledger.with_key(key)
        assert stored is not None, "recorded in the same store"
        return stored

    # --- reading -----------------------------------------------------------------------------------

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        filed = await self._escalation_with_key(idempotency_key)
        return await self._tracked(filed) if filed is not None else None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        rows = await self._ledger.recent(customer.customer_id if customer else None, limit, offset)
        found = await asyncio.gather(*(self._tracked(r) for r in rows))
        return sorted(found, key=lambda r: (r.last_modified, r.number), reverse=True)

    async def count_requests(self, customer: Customer | None = None) -> int:
        return await self._ledger.count(customer.customer_id if customer else None)

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        """Every request the bot escalated for `customers` (what `recent_requests` lists), each with its
        status as Microsoft has it now; not the customers' other requests, which the bot never filed."""
        escalations = await self._ledger.of_customers(
            None if customers is None else {c.customer_id for c in customers}
        )
        statuses = await self._statuses(escalations)
        return Counter(
            (statuses[e.key], e.severity)
            for e in escalations
            if statuses.get(e.key, RequestStatus.CLOSED) is not RequestStatus.CLOSED
        )

    async def _statuses(self, escalations: Sequence[Escalation]) -> dict[str, RequestStatus]:
        """Each escalation's status by key, as `_tracked` reads it, from one list per customer (Partner
        Center) and one per subscription (Azure Support) instead of a read per request; a hand-off
        without its number needs no call. One its list doesn't hold (a list cut at its page limit) is
        read on its own; one Microsoft no longer has is left out."""
        statuses = {
            e.key: RequestStatus.AWAITING_NUMBER
            for e in escalations
            if e.kind == PARTNER_CENTER and not e.number
        }
        by_customer: dict[str, list[Escalation]] = {}
        by_subscription: dict[tuple[str, str], list[Escalation]] = {}
        for e in escalations:
            if e.kind == AZURE:
                by_subscription.setdefault((e.tenant_id, e.subscription_id), []).append(e)
            elif e.number:
                by_customer.setdefault(e.customer_id, []).append(e)
        limiter = asyncio.Semaphore(LIST_CONCURRENCY)

        async def from_partner_center(customer_id: str, group: list[Escalation]) -> None:
            purpose = Phrase("doing.read_requests", (("customer", group[0].customer_name),))
            async with limiter:
                listed = await self._partner_center_call(
                    lambda: self._partner_center.list_service_requests(customer_id), purpose
                )
            found = {r.request_id: r for r in listed}
            for e in group:
                if e.number in found:
                    statuses[e.key] = _partner_center_status(found[e.number])

        async def from_azure(tenant: str, subscription: str, group: list[Escalation]) -> None:
            customer = _customer_of(group[0])
            purpose = Phrase("doing.read_requests", (("customer", customer.name),))
            async with limiter:
                listed = await self._upstream(
                    lambda: self._azure.list_tickets(tenant, subscription), purpose, customer
                )
            found = {t.name: t for t in listed}
            for e in group:
                if e.key in found:
                    statuses[e.key] = _azure_status(found[e.key])

        async def on_its_own(escalation: Escalation) -> None:
            async with limiter:
                with contextlib.suppress(ServiceRequestNotFound):
                    statuses[escalation.key] = (await self._tracked(escalation)).status

        await asyncio.gather(
            *(from_partner_center(c, group) for c, group in by_customer.items()),
            *(from_azure(t, s, group) for (t, s), group in by_subscription.items()),
        )
        await asyncio.gather(*(on_its_own(e) for e in escalations if e.key not in statuses))
        return statuses

    async def service_request(self, number: str) -> ServiceRequest:
        return await self._tracked(await self._escalation(number))

    async def _tracked(self, escalation: Escalation) -> ServiceRequest:
        """The request as Microsoft has it now: Azure Support's ticket, or Partner Center's request."""
        if escalation.kind == AZURE:
            return await self._azure_request(escalation)
        if not escalation.number:
            return escalation.as_request(RequestStatus.AWAITING_NUMBER)
        found = await self._partner_center_call(
            lambda: self._partner_center.get_service_request(escalation.number),
            Phrase(
                "doing.read_request",
                (("number", escalation.number),),
            ),
        )
        if found is None:
            raise ServiceRequestNotFound(escalation.number)
        return self._partner_center_request(escalation, found)

    async def _azure_request(self, escalation: Escalation) -> ServiceRequest:
        tenant, subscription, name = escalation.tenant_id, escalation.subscription_id, escalation.key
        purpose = Phrase(
            "doing.read_azure_ticket",
            (("number", escalation.number),),
        )
        customer = _customer_of(escalation)
        ticket, communications = await asyncio.gather(
            self._upstream(lambda: self._azure.get_ticket(tenant, subscription, name), purpose, customer),
            self._upstream(
                lambda: self._azure.list_communications(tenant, subscription, name), purpose, customer
            ),
        )
        if ticket is None:
            raise ServiceRequestNotFound(escalation.number)
        notes = tuple(
            sorted(
                (
                    RequestNote(c.created or escalation.created, c.sender, c.body)
                    for c in communications
                    if c.body
                ),
                key=lambda n: n.created,
            )
        )
        return escalation.as_request(_azure_status(ticket), ticket.modified, notes)

    @staticmethod
    def _partner_center_request(escalation: Escalation, found: PartnerServiceRequest) -> ServiceRequest:
        notes = tuple(
            RequestNote(n.created or escalation.created, n.created_by, n.text) for n in found.notes if n.text
        )
        return escalation.as_request(
            _partner_center_status(found), found.last_modified or found.created, notes
        )

    # --- notes and links ---------------------------------------------------------------------------

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        escalation = await self._escalation(number)
        signed = f"{text}\n\n({author})" if author else text
        if escalation.kind == AZURE:
            # A communication is created by PUT with a name we choose, so a retried call adds it once.
            await self._upstream(
                lambda: self._azure.add_communication(
                    escalation.tenant_id,
                    escalation.subscription_id,
                    escalation.key,
                    uuid.uuid4().hex,
                    f"Note from {author or 'the partner'}",
                    signed,
                    escalation.contact.email,
                ),
                Phrase(
                    "doing.add_azure_note",
                    (("number", escalation.number),),
                ),
                _customer_of(escalation),
            )
            return await self._azure_request(escalation)
        if not escalation.number:
            raise AwaitingServiceRequestNumber(escalation.reference)
        updated = await self._partner_center_call(
            lambda: self._partner_center.add_service_request_note(escalation.number, signed),
            Phrase(
                "doing.add_note",
                (("number", escalation.number),),
            ),
        )
        if updated is None:
            raise ServiceRequestNotFound(escalation.number)
        return self._partner_center_request(escalation, updated)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        escalation = await self._ledger.by_number(reference)
        if escalation is None or escalation.kind != PARTNER_CENTER or escalation.reference != reference:
            raise ServiceRequestNotFound(reference)
        if escalation.number and escalation.number != number:
            raise AlreadyLinked(reference, escalation.number)
        # Checked in Partner Center first, so a mistyped number is never attached.
        found = await self._partner_center_call(
            lambda: self._partner_center.get_service_request(number),
            Phrase("doing.find_request", (("number", number),)),
        )
        if found is None:
            raise ServiceRequestNotFound(number)
        if not await self._is_customers(number, escalation.customer_id):
            owner = await self._owner_of(number, escalation.customer_id)
            raise ServiceRequestOfAnotherCustomer(number, reference, escalation.customer_name, owner)

        try:
            linked_before = await self._ledger.link(reference, number)
        except KeyError:
            raise ServiceRequestNotFound(reference) from None
        if linked_before and linked_before != number:
            raise AlreadyLinked(reference, linked_before)
        return self._partner_center_request(await self._escalation(reference), found)

    async def _is_customers(self, number: str, customer_id: str) -> bool:
        """Whether Partner Center lists service request `number` among the customer's."""
        theirs = await self._partner_center_call(
            lambda: self._partner_center.list_service_requests(customer_id),
            Phrase("doing.find_request", (("number", number),)),
        )
        return any(request.request_id == number for request in theirs)

    async def _owner_of(self, number: str, not_customer_id: str) -> str:
        """The name of the customer whose service request `number` is, looked for among the first
        OWNER_SEARCH_LIMIT other customers (a link is rare and typed by hand); empty when none has it."""
        customers = await self._partner_center_call(self._partner_center.list_customers, LIST_CUSTOMERS)
        others = [c for c in customers if c.customer_id != not_customer_id][:OWNER_SEARCH_LIMIT]
        for customer in others:
            if await self._is_customers(number, customer.customer_id):
                return customer.name
        return ""

    # --- the store ---------------------------------------------------------------------------------

    async def _escalation(self, number: str) -> Escalation:
        found = await self._ledger.by_number(number)
        if found is None:
            raise ServiceRequestNotFound(number)
        return found

    async def _escalation_with_key(self, key: str) -> Escalation | None:
        return await self._ledger.with_key(key)

    # --- upstream failures, in the user's words ----------------------------------------------------

    async def _upstream(
        self, call: Callable[[], Awaitable[T]], purpose: Phrase, customer: Customer | None
    ) -> T:
        """An Azure Support call; its failures in the user's words."""
        try:
            return await call()
        except TokenError as error:
            raise domain_error(error, purpose, customer, self._access) from None
        except UpstreamError as error:
            if error.status in (401, 403):
                raise AzureSupportAccessDenied(customer.name if customer else PARTNER_TENANT) from None
            raise _common_error(error, purpose) from None

    async def _partner_center_call(self, call: Callable[[], Awaitable[T]], purpose: Phrase) -> T:
        """A Partner Center service-request call (App+User only); its failures in the user's words."""
        try:
            return await call()
        except TokenError as error:
            raise domain_error(error, purpose, None, self._access) from None
        except UpstreamError as error:
            if error.status in (401, 403):
                raise PartnerCenterSignInNeeded(self._access is CustomerAccess.APP_ONLY) from None
            raise _common_error(error, purpose) from None


def _common_error(error: UpstreamError, purpose: Phrase) -> SupportDeskError:
    """429 says when to try again; anything else (5xx, timeouts, an open breaker) is safe to retry."""
    if error.throttled:
        return UpstreamThrottled(error.api, purpose, error.retry_after)
    return UpstreamUnavailable(error.api, purpose, error.retry_after)


def _customer_of(escalation: Escalation) -> Customer:
    return Customer(
        escalation.customer_id, escalation.tenant_id, escalation.customer_name, "", "", delegated_access=True
    )


def _partner_center_status(found: PartnerServiceRequest) -> RequestStatus:
    return _PARTNER_CENTER_STATUSES.get(found.status, RequestStatus.OPEN)


def _azure_status(ticket: SupportTicket) -> RequestStatus:
    return RequestStatus.CLOSED if ticket.status.casefold() == "closed" else RequestStatus.OPEN
