"""`changes <customer> [service]`: a customer's open message center messages, major changes and nearest
act-by dates first; `changes` alone: what needs action within 30 days across the person's customers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.actions import changes_command
from cards.changes import changes_card, due_changes_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import choose
from dialogs.incidents_dialog import include_resolved, split_customer_and_service
from dialogs.requests import CommandRequest
from locales.translator import Translator, words_for
from services.domain.models import Customer
from services.domain.ports import Backend
from services.domain.service_messages import due_changes, open_messages

# 'changes all' asks across customers, as 'changes' alone does.
_EVERYONE = words_for("words.everyone")


class ChangesDialog(AnswerDialog):
    def __init__(self, dialog_id: str, backend: Backend, clock: Callable[[], datetime]) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._clock = clock

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        # 'changes contoso all', as 'incidents contoso all' is said: every open message, not a service.
        words, _ = include_resolved(CommandRequest.from_options(options).argument.split())
        now = self._clock()
        if not words or (len(words) == 1 and words[0].casefold() in _EVERYONE):
            return due_changes_card(await due_changes(self._backend, now), now, t)
        customers = await self._backend.list_customers()
        match, service = split_customer_and_service(words, customers)

        def command_for(customer: Customer) -> str:
            return " ".join(p for p in (changes_command(customer), service) if p)

        picked = choose(match, command_for, "purpose.see_changes", t)
        if not isinstance(picked, Customer):
            return picked
        messages = open_messages(await self._backend.tenant_messages(picked), now, service)
        return changes_card(picked, messages, now, t, service)
