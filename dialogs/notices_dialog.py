"""`notices [customer]`: the latest notices and, per conversation, when each arrived or why it didn't."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.notifications import notices_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.conversation_scope import conversation_key
from dialogs.customer_choice import pick_customer
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.models import Customer
from services.domain.ports import CustomerDirectory, NoticeOutbox

SHOWN = 10
# How far back a page of notices looks for the reader's own under scoped access.
SCOPED_WINDOW = 200


class NoticesDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        directory: CustomerDirectory,
        board: NoticeOutbox,
        clock: Callable[[], datetime],
        scope: CustomerScope,
    ) -> None:
        super().__init__(dialog_id)
        self._scope = scope
        self._directory = directory
        self._board = board
        self._clock = clock

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        query = CommandRequest.from_options(options).argument.strip()
        customer: Customer | None = None
        if query:
            picked = await pick_customer(
                self._directory,
                query,
                lambda c: f"notices {c.customer_id}",
                "purpose.see_notices",
                t,
            )
            if not isinstance(picked, Customer):
                return picked
            customer = picked
        customers = {c.customer_id: c for c in await self._directory.list_customers()}
        everything = self._scope.everything
        # Scoped, notices of customers hidden from the reader are left out: read further back to fill a page.
        window = SHOWN if everything or customer else SCOPED_WINDOW
        latest = await self._board.latest(window, customer.customer_id if customer else None)
        items = [
            (notice, [customers[c] for c in notice.customer_ids if c in customers], deliveries)
            for notice, deliveries in latest
        ]
        if not everything:
            items = [item for item in items if item[1]][:SHOWN]
        scope = f" · {customer.name}" if customer else ""
        return notices_card(items, conversation_key(activity), scope, self._clock(), t)
