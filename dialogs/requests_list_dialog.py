"""`requests [customer]`: recent service requests, latest update first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.escalation import REQUESTS_PAGE_SIZE, RequestsPage, requests_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import command_example, pick_customer
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.domain.errors import SupportDeskError
from services.domain.models import Customer, OpenRequestCounts
from services.domain.ports import Backend, ServiceRequestDesk

logger = logging.getLogger("bot.requests")


class RequestsListDialog(AnswerDialog):
    def __init__(
        self, dialog_id: str, backend: Backend, desk: ServiceRequestDesk, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._desk = desk
        self._clock = clock

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = CommandRequest.from_options(options)
        customer = None
        if request.argument.strip():
            picked = await pick_customer(
                self._backend,
                request.argument,
                lambda c: f"requests {c.customer_id}",
                "purpose.see_requests",
                t,
                example=lambda name: command_example("command.requests.example", name, t),
            )
            if not isinstance(picked, Customer):
                return picked
            customer = picked
        total = await self._desk.count_requests(customer)
        page = RequestsPage(total, 1, customer.customer_id if customer else "")
        page = replace(page, number=min(max(request.page, 1), page.pages))
        offset = (page.number - 1) * REQUESTS_PAGE_SIZE
        found, counted = await asyncio.gather(
            self._desk.recent_requests(customer, REQUESTS_PAGE_SIZE, offset), self._open_requests(customer)
        )
        name = customer.name if customer else ""
        if isinstance(counted, SupportDeskError):
            uncounted = counted.wording(t)[0]
            return requests_card(found, self._clock(), t, name, page, open_requests=None, uncounted=uncounted)
        return requests_card(found, self._clock(), t, name, page, open_requests=counted)

    async def _open_requests(self, customer: Customer | None) -> OpenRequestCounts | SupportDeskError:
        """Counting reads every open request's status, not only the page's: a customer Microsoft won't
        answer for now leaves the list without its chart (the card says why) rather than without the list."""
        try:
            return await self._desk.open_request_counts((customer,) if customer else None)
        except SupportDeskError as error:
            logger.warning("open requests not counted error=%s", type(error).__name__)
            return error
