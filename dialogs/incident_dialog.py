"""`incident <id> [customer]`: one incident in detail, found across customers when none is named; an Azure
tracking id (VNL2-8S8) opens that Azure event with its updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.actions import incident_command, run_command
from cards.azure import azure_event_card
from cards.incidents import incident_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import pick_customer
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.access import Need
from services.domain.azure_events import looks_like_tracking_id
from services.domain.errors import IncidentNotFound
from services.domain.incidents import find_azure_event, find_incident, looks_like_incident_id
from services.domain.models import Customer, IncidentLookup
from services.domain.ports import Backend, NoticeOutbox


class IncidentDialog(AnswerDialog):
    """Looks in the customers' tenants, then among the incidents the partner's monitoring reported
    (`/api/notify`), which the tenants' health may not show."""

    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        clock: Callable[[], datetime],
        board: NoticeOutbox,
        scope: CustomerScope,
    ) -> None:
        super().__init__(dialog_id)
        self._scope = scope
        self._backend = backend
        self._clock = clock
        self._board = board

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = CommandRequest.from_options(options)
        incident_id, _, customer_text = request.argument.strip().partition(" ")
        tracking = looks_like_tracking_id(incident_id)
        if not looks_like_incident_id(incident_id) and not tracking:
            return notice_card(
                t("incident.which_title"),
                t("incident.which"),
                [run_command(t("incident.list_customers"), "customers")],
            )
        incident_id = incident_id.upper()
        customer = None
        if customer_text.strip():

            def command_for(c: Customer) -> str:
                return incident_command(incident_id, c)

            picked = await pick_customer(
                self._backend, customer_text, command_for, "purpose.open_incident", t
            )
            if not isinstance(picked, Customer):
                return picked
            customer = picked
        if tracking:
            found = await find_azure_event(self._backend, incident_id, customer)
            may_file = self._scope.may(found.customer, Need.FILE)
            return azure_event_card(found, self._clock(), t, may_file=may_file)
        try:
            lookup = await find_incident(self._backend, incident_id, customer)
        except IncidentNotFound:
            reported = await self._reported(incident_id, customer)
            if reported is None:
                raise
            lookup = reported
        admin_link = self._scope.admin_link(lookup.customer, lookup.incident.service)
        may_file = self._scope.may(lookup.customer, Need.FILE)
        return incident_card(lookup, self._clock(), t, admin_link, may_file=may_file)

    async def _reported(self, incident_id: str, customer: Customer | None) -> IncidentLookup | None:
        notice = await self._board.notice(incident_id)
        if notice is None or (customer is not None and customer.customer_id not in notice.customer_ids):
            return None
        by_id = {c.customer_id: c for c in await self._backend.list_customers()}
        affected = [by_id[c] for c in notice.customer_ids if c in by_id]
        if not affected:
            return None
        shown = customer or affected[0]
        return IncidentLookup(notice.incident, shown, tuple(c for c in affected if c != shown))
