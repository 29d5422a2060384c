"""`customers [search]`: the partner's customers, a page at a time."""

from __future__ import annotations

from microsoft_teams.cards import AdaptiveCard

from cards.customers import customers_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.domain.customer_search import search_customers
from services.domain.ports import CustomerDirectory


class CustomersDialog(AnswerDialog):
    def __init__(self, dialog_id: str, directory: CustomerDirectory) -> None:
        super().__init__(dialog_id)
        self._directory = directory

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = CommandRequest.from_options(options)
        matches = search_customers(await self._directory.list_customers(), request.argument)
        return customers_card(matches, request.argument.strip(), request.page, t)
