"""The watcher: polls the service health of every customer some conversation subscribes to, and tells the
notice board what it saw. Polls run with bounded concurrency; a customer that can't be read this time
keeps what was last seen of it, so nothing is re-announced when it can be read again.

A customer with Azure subscriptions also has its Azure events read (one ARM request per subscription and
page, none for a customer without): they go to the board as incidents under their tracking ids
(services.domain.azure_events.as_incident), so one event reaching several customers is one notice. They
are a stream of their own on the board, with its own baseline: the first time a customer's Azure events
are read (after the upgrade that brought them, or once it has subscriptions) they are noted, not
announced. Azure not answering leaves its events as last seen; the Microsoft 365 poll goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from services.domain.azure_events import as_incident
from services.domain.errors import SupportDeskError
from services.domain.models import Customer, Incident, Notice
from services.domain.ports import Backend, NoticeOutbox, Subscriptions

logger = logging.getLogger("services.watcher")
# The board's name for the Azure events' stream (its own baseline).
AZURE = "azure"


@dataclass
class PollReport:
    polled: int = 0
    unreadable: dict[str, str] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)


class HealthWatcher:
    def __init__(
        self,
        backend: Backend,
        subscriptions: Subscriptions,
        board: NoticeOutbox,
        clock: Callable[[], datetime],
        concurrency: int = 8,
    ) -> None:
        self._backend = backend
        self._subscriptions = subscriptions
        self._board = board
        self._clock = clock
        self._concurrency = concurrency

    async def watched(self) -> list[Customer]:
        everyone, named = await self._subscriptions.watched_customers()
        customers = await self._backend.list_customers()
        return [c for c in customers if c.delegated_access and (everyone or c.customer_id in named)]

    async def baseline(self, customers: list[Customer]) -> None:
        """Before a subscription is added: note what is going on now for customers nobody watches at the
        moment (never, or not since their last subscription went), so that only what starts or changes
        after the subscription is announced."""
        watched = {c.customer_id for c in await self.watched()}
        fresh = [c for c in customers if c.delegated_access and c.customer_id not in watched]
        limit = asyncio.Semaphore(self._concurrency)

        async def note(customer: Customer) -> None:
            async with limit:
                try:
                    incidents, azure = await self._incidents(customer)
                except SupportDeskError:
                    return
                await self._board.observe_tenant(customer, incidents, self._clock(), announce=False)
                if azure is not None:
                    await self._board.observe_tenant(customer, azure, self._clock(), False, AZURE)

        await asyncio.gather(*(note(c) for c in fresh))

    async def poll_once(self) -> PollReport:
        report = PollReport()
        await self._poll(await self.watched(), report)
        if report.unreadable:
            logger.warning("watcher could not read customers=%d", len(report.unreadable))
        return report

    async def _poll(self, customers: list[Customer], report: PollReport) -> None:
        limit = asyncio.Semaphore(self._concurrency)

        async def poll(customer: Customer) -> None:
            async with limit:
                try:
                    incidents, azure = await self._incidents(customer)
                except SupportDeskError as error:
                    report.unreadable[customer.customer_id] = error.title
                    return
                report.polled += 1
                report.notices += await self._board.observe_tenant(customer, incidents, self._clock())
                if azure is not None:
                    report.notices += await self._board.observe_tenant(
                        customer, azure, self._clock(), stream=AZURE
                    )

        await asyncio.gather(*(poll(c) for c in customers))

    async def _incidents(
        self, customer: Customer
    ) -> tuple[tuple[Incident, ...], tuple[Incident, ...] | None]:
        """Microsoft 365's incidents (raising when they can't be read), and the Azure events (None when
        the customer has no subscriptions or Azure didn't answer: nothing to note this time)."""
        health, azure = await asyncio.gather(self._backend.tenant_health(customer), self._azure(customer))
        return health.incidents, azure

    async def _azure(self, customer: Customer) -> tuple[Incident, ...] | None:
        try:
            azure = await self._backend.azure_health(customer)
        except SupportDeskError as error:
            logger.warning("watcher could not read azure events error=%s", type(error).__name__)
            return None
        if not azure.has_azure:
            return None
        return tuple(as_incident(e, azure.as_of) for e in azure.events)

    async def run(self, interval_seconds: float, on_notices: Callable[[], None]) -> None:
        """Poll every `interval_seconds` for as long as the app runs; `on_notices` when something changed."""
        while True:
            try:
                if (await self.poll_once()).notices:
                    on_notices()
            except Exception as error:  # noqa: BLE001 - one bad round must not end the watching
                logger.error("watcher round failed error=%s", type(error).__name__)
            await asyncio.sleep(interval_seconds)
