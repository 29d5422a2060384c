"""`help`, the welcome on install, and the answer to anything we didn't understand.

A message that is only a customer's name (`contoso`, `한빛 물류`) is understood as asking for its health.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from microsoft_teams.cards import AdaptiveCard

from cards.health import health_card
from cards.help import HelpEntry, help_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import known_customer
from dialogs.ids import HELP
from dialogs.requests import HelpRequest
from locales.translator import Translator
from services.ports import Backend


class HelpDialog(AnswerDialog):
    def __init__(self, entries: Callable[[Translator], Sequence[HelpEntry]], backend: Backend) -> None:
        super().__init__(HELP)
        self._entries = entries
        self._backend = backend

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = HelpRequest.from_options(options)
        customer = await known_customer(self._backend, request.text) if request.hint else None
        if customer is not None:
            return health_card(await self._backend.tenant_health(customer), t)
        greeting = t(request.greeting) if request.greeting else ""
        return help_card(self._entries(t), t, greeting=greeting, hint=request.hint)
