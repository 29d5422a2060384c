"""`health <customer>`: one card with every service's status, trouble first."""

from __future__ import annotations

from microsoft_teams.cards import AdaptiveCard

from cards.actions import health_command
from cards.health import health_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import pick_customer
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.models import Customer
from services.domain.ports import Backend


class HealthDialog(AnswerDialog):
    def __init__(self, dialog_id: str, backend: Backend, scope: CustomerScope) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._scope = scope

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = CommandRequest.from_options(options)
        picked = await pick_customer(
            self._backend,
            request.argument,
            health_command,
            "purpose.see_health",
            t,
            example=t("command.health.example"),
        )
        if not isinstance(picked, Customer):
            return picked
        health = await self._backend.tenant_health(picked)
        return health_card(health, t, self._scope.admin_links(picked, (s.name for s in health.services)))
