"""`help`, the welcome on install, and the answer to anything we didn't understand.

A message that is only a customer's name (`contoso`, `한빛 물류`) is understood as asking for its health.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from microsoft_teams.cards import AdaptiveCard

from cards.health import health_card
from cards.help import HelpEntry, help_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import known_customer
from dialogs.requests import HelpRequest
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.access import Need
from services.domain.errors import SupportDeskError
from services.domain.models import RequestStatus
from services.domain.ports import Backend, ServiceRequestDesk

logger = logging.getLogger("bot.help")
# The customer the catalogues' examples name (`command.*.example`: 'escalate contoso about EX1100014').
EXAMPLE_CUSTOMER = "contoso"
Entries = Callable[[Translator, Mapping[str, str]], Sequence[HelpEntry]]


class HelpDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        entries: Entries,
        backend: Backend,
        scope: CustomerScope,
        desk: ServiceRequestDesk | None = None,
    ) -> None:
        super().__init__(dialog_id)
        self._entries = entries
        self._backend = backend
        self._scope = scope
        self._desk = desk

    async def _examples(self) -> dict[str, str]:
        """The desk's own newest request (and handed-off one), so each Try button names one that exists;
        and 'filing' when the reader may file for the examples' customer (GDAP: a Global Reader may not),
        else filing and reading its requests offer no Try button: its click would only be refused."""
        example = await known_customer(self._backend, EXAMPLE_CUSTOMER)
        filing = {"filing": "yes"} if example is not None and self._scope.may(example, Need.FILE) else {}
        if self._desk is None:
            return filing
        try:
            recent = await self._desk.recent_requests()
        except SupportDeskError as error:
            logger.info("no example requests: %s", type(error).__name__)
            return filing
        examples = {**filing, "number": recent[0].number} if recent else filing
        handed_off = [r for r in recent if r.status is RequestStatus.AWAITING_NUMBER]
        if handed_off:
            examples["reference"] = handed_off[0].number
        return examples

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = HelpRequest.from_options(options)
        customer = await known_customer(self._backend, request.text) if request.hint else None
        if customer is not None:
            health = await self._backend.tenant_health(customer)
            return health_card(health, t, may_file=self._scope.may(customer, Need.FILE))
        greeting = t(request.greeting) if request.greeting else ""
        setup = t("command.setup.example") if request.setup else ""
        entries = self._entries(t, await self._examples())
        # `help <section>`, `help <command>`: only what was asked for, with a button to every command.
        asked = [e for e in entries if e.section.value == request.section or e.name == request.command]
        return help_card(
            asked or entries, t, greeting=greeting, hint=request.hint, setup=setup, part=bool(asked)
        )
