"""The watcher: polls the service health of every customer some conversation subscribes to, and tells the
notice board what it saw. Polls run with bounded concurrency; a customer that can't be read this time
keeps what was last seen of it, so nothing is re-announced when it can be read again.

A customer with Azure subscriptions also has its Azure events read (one ARM request per subscription and
page, none for a customer without): they go to the board as incidents under their tracking ids
(services.domain.azure_events.as_incident), so one event reaching several customers is one notice. They
are a stream of their own on the board, with its own baseline: the first time a customer's Azure events
are read (after the upgrade that brought them, or once it has subscriptions) they are noted, not
announced. Azure not answering leaves its events as last seen; the Microsoft 365 poll goes on.

A customer some conversation subscribes to `changes` also has its message center read, beside its health:
one Graph request per cycle (more only when more messages changed than Graph puts on a page), asking only
for messages changed since the last read (services/notices/message_center_watch.py keeps where each
customer stands). A new major change, or a
message whose act-by date comes within the notice window, goes to the board as an incident under its MC id
(services.domain.service_messages.as_notice_incident): one notice across the tenants it reaches, updated in
place when Microsoft changes it. The message center not answering announces nothing and loses nothing: the
next read asks again from the same moment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.domain.azure_events import as_incident
from services.domain.errors import SupportDeskError
from services.domain.models import CHANGES, Customer, Incident, Notice, ServiceMessage
from services.domain.ports import Backend, NoticeOutbox, Subscriptions
from services.domain.service_messages import as_notice_incident, waits_for_act_by, worth_telling
from services.notices.message_center_watch import MessageCenterPosition, MessageCenterWatch

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
        message_center: MessageCenterWatch | None = None,
        act_by_within: timedelta = timedelta(days=7),
    ) -> None:
        """`message_center`: where each customer's message center read stands (None: message centers are
        not read); `act_by_within`: how near an act-by date makes a message news."""
        self._message_center = message_center
        self._act_by_within = act_by_within
        self._backend = backend
        self._subscriptions = subscriptions
        self._board = board
        self._clock = clock
        self._concurrency = concurrency

    async def watched(self, kind: str | None = None) -> list[Customer]:
        everyone, named = await self._subscriptions.watched_customers(kind)
        customers = await self._backend.list_customers()
        return [c for c in customers if c.delegated_access and (everyone or c.customer_id in named)]

    async def baseline(self, customers: list[Customer]) -> None:
        """Before a subscription is added: note what is going on now for customers nobody watches at the
        moment (never, or not since their last subscription went), so that only what starts or changes
        after the subscription is announced."""
        watched = {c.customer_id for c in await self.watched()}
        fresh = [c for c in customers if c.delegated_access and c.customer_id not in watched]
        if self._message_center is not None:
            # Not watched for changes until now: the next read of its message center is a baseline.
            watching = {c.customer_id for c in await self.watched(CHANGES)}
            await self._message_center.forget_except(watching, {c.customer_id for c in customers})
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
        # Both lists before either round starts: a storage failure reading the second leaves no coroutine
        # of the first unawaited (a 'never awaited' warning when blob storage was out of reach).
        watched = await self.watched()
        changes = await self.watched(CHANGES) if self._message_center is not None else []
        rounds = [self._poll(watched, report)]
        if self._message_center is not None:
            # Beside the health polls, not after them: a cycle takes as long as the slower of the two.
            rounds.append(self._read_message_centers(self._message_center, changes, report))
        await asyncio.gather(*rounds)
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

    async def _read_message_centers(
        self, watch: MessageCenterWatch, customers: list[Customer], report: PollReport
    ) -> None:
        limit = asyncio.Semaphore(self._concurrency)

        async def read(customer: Customer) -> None:
            async with limit:
                report.notices += await self._changes(watch, customer)

        await asyncio.gather(*(read(c) for c in customers))

    async def _changes(self, watch: MessageCenterWatch, customer: Customer) -> list[Notice]:
        """Read what changed in the customer's message center since the last read, and tell the board of
        what is worth telling now (and of any message it already has a notice for, so its card follows
        Microsoft's changes)."""
        position = await watch.position(customer.customer_id)
        try:
            read = await self._backend.messages_since(customer, position.since if position else None)
        except SupportDeskError as error:
            logger.warning("watcher could not read a message center error=%s", type(error).__name__)
            return []
        now, window = self._clock(), self._act_by_within
        changed = {m.message_id: m for m in read.messages}
        waiting = {
            m.message_id: m for m in (position.waiting if position else ()) if m.message_id not in changed
        }
        candidates: list[ServiceMessage] = [*changed.values()]
        candidates += [m for m in waiting.values() if not waits_for_act_by(m, now, window)]
        told: list[ServiceMessage] = []
        for message in candidates:
            if worth_telling(message, now, window) or (
                position is not None and await self._board.notice(message.message_id) is not None
            ):
                told.append(message)
        # The first read since the customer is watched for changes is its baseline (its own, apart from
        # the health poll's, which runs beside it).
        notices = []
        for message in told:
            incident = as_notice_incident(message, now, window)
            notice = await self._board.observe(customer, incident, now, announce=position is not None)
            notices += [notice] if notice is not None else []
        still_waiting = [
            m for m in (*waiting.values(), *changed.values()) if waits_for_act_by(m, now, window)
        ]
        read_up_to = [m.last_modified for m in read.messages]
        since = max([*read_up_to, *([position.since] if position and position.since else [])], default=None)
        await watch.advance(customer.customer_id, MessageCenterPosition(since, tuple(still_waiting)))
        return notices

    async def run(self, interval_seconds: float, on_notices: Callable[[], None]) -> None:
        """Poll every `interval_seconds` for as long as the app runs; `on_notices` when something changed."""
        while True:
            try:
                if (await self.poll_once()).notices:
                    on_notices()
            except Exception as error:  # noqa: BLE001 - one bad round must not end the watching
                logger.error("watcher round failed error=%s", type(error).__name__)
            await asyncio.sleep(interval_seconds)
