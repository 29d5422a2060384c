"""`health <customer>`: one card with every service's status, trouble first."""

from __future__ import annotations

import asyncio

from microsoft_teams.cards import AdaptiveCard

from cards.actions import health_command
from cards.health import health_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import command_example, pick_customer
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.access import Need
from services.domain.errors import SupportDeskError
from services.domain.models import AzureHealth, Customer
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
            example=lambda name: command_example("command.health.example", name, t),
        )
        if not isinstance(picked, Customer):
            return picked
        health, (azure, problem) = await asyncio.gather(
            self._backend.tenant_health(picked), self._azure(picked)
        )
        links = self._scope.admin_links(picked, (s.name for s in health.services))
        problem_text = problem.wording(t)[1] if problem else ""
        may_file = self._scope.may(picked, Need.FILE)
        return health_card(health, t, links, azure, problem_text, may_file=may_file)

    async def _azure(self, customer: Customer) -> tuple[AzureHealth | None, SupportDeskError | None]:
        """Azure's answer, or why it failed: Microsoft 365 health is shown either way."""
        try:
            return await self._backend.azure_health(customer), None
        except SupportDeskError as error:
            return None, error
