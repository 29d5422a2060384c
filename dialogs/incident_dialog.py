"""`incident <id> [customer]`: one incident in detail, found across customers when none is named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.actions import incident_command, run_command
from cards.incidents import incident_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import pick_customer
from dialogs.ids import INCIDENT
from dialogs.requests import CommandRequest
from services.admin_centers import admin_center_link
from services.incidents import find_incident, looks_like_incident_id
from services.models import Customer
from services.ports import Backend


class IncidentDialog(AnswerDialog):
    def __init__(self, backend: Backend, clock: Callable[[], datetime]) -> None:
        super().__init__(INCIDENT)
        self._backend = backend
        self._clock = clock

    async def answer(self, options: object) -> AdaptiveCard:
        request = CommandRequest.from_options(options)
        incident_id, _, customer_text = request.argument.strip().partition(" ")
        if not looks_like_incident_id(incident_id):
            return notice_card(
                "Which incident?",
                "Give me an incident id, for example 'incident EX1100014'. "
                "'incidents <customer>' lists a customer's incidents with their ids.",
                [run_command("List customers", "customers")],
            )
        incident_id = incident_id.upper()
        customer = None
        if customer_text.strip():

            def command_for(c: Customer) -> str:
                return incident_command(incident_id, c)

            picked = await pick_customer(self._backend, customer_text, command_for, "open it", "contoso")
            if not isinstance(picked, Customer):
                return picked
            customer = picked
        lookup = await find_incident(self._backend, incident_id, customer)
        admin_link = admin_center_link(lookup.customer, lookup.incident.service)
        return incident_card(lookup, self._clock(), admin_link)
