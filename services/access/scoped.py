"""The backend and the service-request desk as the turn's person sees them (BOT_ACCESS=gdap).

A customer the person can't see doesn't exist for them: it is left out of every list, so resolving,
searching and "did you mean" never reach it, and anything asked of it by id reads like an unknown one.
A customer they see but lack the role for is refused with RoleMissing naming the least privileged role
that would do. The person is the one `acting_as` set for the turn (services/access/person.py); with
nobody set everything is refused (AccessUnavailable). Under BOT_ACCESS=everyone the person reaches
everything and these pass every call through untouched.

Background work (the watcher, notice delivery, /api/notify) keeps the unscoped backend: nobody is
asking there, and a channel hears what it was subscribed to whoever reads it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from services.access.person import current_access
from services.domain.access import ACCEPTED, Need
from services.domain.admin_centers import admin_center_link, admin_center_links
from services.domain.errors import (
    Phrase,
    RoleMissing,
    ServiceRequestNotFound,
    ServiceRequestOfAnotherCustomer,
    UnknownCustomer,
)
from services.domain.models import (
    AdminCenterLink,
    AzureHealth,
    Customer,
    Filing,
    OpenRequestCounts,
    RequestDraft,
    ServiceRequest,
    SupportCatalogue,
    TenantHealth,
    TenantMessages,
)
from services.domain.ports import Backend, CustomerDirectory, ServiceRequestDesk

# Customers whose requests are read at once when a page of everyone's requests is put together.
CONCURRENCY = 8
# The desk's newest requests are read a page of SWEEP_PAGE at a time, at most SWEEPS pages, before each
# readable customer is asked on its own (ScopedDesk._newest_of).
SWEEP_PAGE = 50
SWEEPS = 3


class CustomerScope:
    """The current person's reach over customers; `contact` is who grants roles (BOT_ACCESS_CONTACT),
    named in refusals."""

    def __init__(self, clock: Callable[[], datetime], contact: str = "") -> None:
        self._clock = clock
        self.contact = contact

    @property
    def everything(self) -> bool:
        """Whether the person reaches every customer (BOT_ACCESS=everyone): nothing is scoped."""
        return current_access().everything

    def sees(self, customer: Customer) -> bool:
        return current_access().sees(customer.tenant_id, self._clock())

    def may(self, customer: Customer, need: Need) -> bool:
        return current_access().may(customer.tenant_id, need, self._clock())

    def require(self, customer: Customer, need: Need) -> None:
        """Raises UnknownCustomer when the person can't see `customer`, RoleMissing when they see it but
        hold no role `need` accepts."""
        if not self.sees(customer):
            raise UnknownCustomer(customer.name)
        if not self.may(customer, need):
            least = ACCEPTED[need][0]
            raise RoleMissing(customer.name, Phrase(least.message_id), self.contact)

    def visible(self, customers: Sequence[Customer]) -> Sequence[Customer]:
        access, now = current_access(), self._clock()
        if access.everything:
            return customers
        return tuple(c for c in customers if access.sees(c.tenant_id, now))

    def admin_link(self, customer: Customer, service: str) -> AdminCenterLink | None:
        """The admin center of `service`, when the person holds a role it accepts for `customer`."""
        return admin_center_link(customer, service, current_access(), self._clock())

    def admin_links(self, customer: Customer, services: Iterable[str]) -> dict[str, AdminCenterLink]:
        return admin_center_links(customer, services, current_access(), self._clock())


class ScopedBackend:
    """The Backend port as the current person sees it: only their customers, and health and message
    center only of those."""

    def __init__(self, backend: Backend, clock: Callable[[], datetime], contact: str = "") -> None:
        self._backend = backend
        self.name = backend.name
        self.scope = CustomerScope(clock, contact)

    async def list_customers(self) -> Sequence[Customer]:
        return self.scope.visible(await self._backend.list_customers())

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        self.scope.require(customer, Need.SEE)
        return await self._backend.tenant_health(customer)

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        self.scope.require(customer, Need.SEE)
        return await self._backend.tenant_messages(customer)

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        self.scope.require(customer, Need.SEE)
        return await self._backend.messages_since(customer, since)

    async def azure_health(self, customer: Customer) -> AzureHealth:
        self.scope.require(customer, Need.SEE)
        return await self._backend.azure_health(customer)


class ScopedDesk:
    """The ServiceRequestDesk port as the current person sees it. Requests are filed, read, noted and
    linked with a role that may file for their customer (Need.FILE: README's GDAP table, Service Support
    Administrator for `requests`); a request of a customer they can't see is not found. `backend` is the
    unscoped one: it says whose a request is."""

    def __init__(
        self,
        desk: ServiceRequestDesk,
        backend: CustomerDirectory,
        clock: Callable[[], datetime],
        contact: str = "",
    ) -> None:
        self._desk = desk
        self._backend = backend
        self.scope = CustomerScope(clock, contact)

    async def support_catalogue(self) -> SupportCatalogue:
        return await self._desk.support_catalogue()

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        self.scope.require(draft.customer, Need.FILE)
        return await self._desk.file_request(draft, idempotency_key, requested_by)

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        filed = await self._desk.filed_with_key(idempotency_key)
        if filed is None or self.scope.everything:
            return filed
        customer = await self._customer(filed.customer_id)
        return filed if customer is not None and self.scope.may(customer, Need.FILE) else None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        if customer is not None:
            self.scope.require(customer, Need.FILE)
        if customer is not None or self.scope.everything:
            return await self._desk.recent_requests(customer, limit, offset)
        # Everyone's newest first, of the customers the person may read requests of.
        mine = await self._readable()
        if not mine:
            return ()
        wanted = offset + limit
        found = await self._newest_of(mine, wanted)
        found.sort(key=lambda r: (r.created, r.number), reverse=True)
        page = found[offset:wanted]
        return sorted(page, key=lambda r: (r.last_modified, r.number), reverse=True)

    async def _newest_of(self, mine: Sequence[Customer], wanted: int) -> list[ServiceRequest]:
        """At least the `wanted` newest-filed requests of `mine` (all of them if fewer). The desk's own
        newest pages first (one query answers the help card's example): its pages follow filing order, so
        once they hold `wanted` of the person's, those are the newest. A person who sees few of many
        customers would page on for long: after SWEEPS pages, each customer's newest `wanted` instead."""
        readable = {c.customer_id for c in mine}
        found: list[ServiceRequest] = []
        size = max(wanted, SWEEP_PAGE)
        for sweep in range(SWEEPS):
            rows = await self._desk.recent_requests(None, size, sweep * size)
            found += [r for r in rows if r.customer_id in readable]
            if len(found) >= wanted or len(rows) < size:
                return found
        limiter = asyncio.Semaphore(CONCURRENCY)

        async def newest(c: Customer) -> Sequence[ServiceRequest]:
            async with limiter:
                return await self._desk.recent_requests(c, wanted, 0)

        return [r for rows in await asyncio.gather(*(newest(c) for c in mine)) for r in rows]

    async def count_requests(self, customer: Customer | None = None) -> int:
        if customer is not None:
            self.scope.require(customer, Need.FILE)
        if customer is not None or self.scope.everything:
            return await self._desk.count_requests(customer)
        counts = await asyncio.gather(*(self._desk.count_requests(c) for c in await self._readable()))
        return sum(counts)

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        for customer in customers or ():
            self.scope.require(customer, Need.FILE)
        if customers is None and not self.scope.everything:
            # Everyone's, of the customers the person may read requests of: a hidden one is never asked.
            customers = await self._readable()
        return await self._desk.open_request_counts(customers)

    async def service_request(self, number: str) -> ServiceRequest:
        found = await self._desk.service_request(number)
        await self._require_request(found, number)
        return found

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        await self.service_request(number)
        return await self._desk.add_note(number, author, text)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        await self.service_request(reference)
        try:
            return await self._desk.link_request(reference, number)
        except ServiceRequestOfAnotherCustomer as error:
            owner = next(
                (c for c in await self._backend.list_customers() if c.name == error.owner_name), None
            )
            if not error.owner_name or (owner is not None and self.scope.sees(owner)):
                raise
            # Whose it is would name a customer hidden from them.
            mine = await self._desk.service_request(reference)
            raise ServiceRequestOfAnotherCustomer(number, reference, mine.customer_name, "") from None

    async def _require_request(self, request: ServiceRequest, asked: str) -> None:
        if self.scope.everything:
            return
        customer = await self._customer(request.customer_id)
        if customer is None or not self.scope.sees(customer):
            raise ServiceRequestNotFound(asked)
        self.scope.require(customer, Need.FILE)

    async def _customer(self, customer_id: str) -> Customer | None:
        return next((c for c in await self._backend.list_customers() if c.customer_id == customer_id), None)

    async def _readable(self) -> list[Customer]:
        return [c for c in await self._backend.list_customers() if self.scope.may(c, Need.FILE)]
