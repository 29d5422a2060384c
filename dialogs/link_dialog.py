"""`link <reference> <SR number>`: attach Partner Center's SR number to a request handed off there."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.escalation import request_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.audit_records import audit_entry
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.domain.ports import AuditTrail, ServiceRequestDesk

_LINK = re.compile(r"^(?P<reference>E\d{16})\s+(?P<number>\d{10,20})$", re.IGNORECASE)


def fits_link(argument: str) -> bool:
    """`E2611240010000001 2611240010000007`: a hand-off reference, then the SR number the portal gave."""
    return _LINK.match(argument.strip()) is not None


class LinkDialog(AnswerDialog):
    def __init__(
        self, dialog_id: str, desk: ServiceRequestDesk, clock: Callable[[], datetime], audit: AuditTrail
    ) -> None:
        super().__init__(dialog_id)
        self._audit = audit
        self._desk = desk
        self._clock = clock

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        found = _LINK.match(CommandRequest.from_options(options).argument.strip())
        if found is None:
            return notice_card(t("escalation.which_request_title"), t("escalation.link_usage"))
        linked = await self._desk.link_request(found["reference"].upper(), found["number"])
        detail = f"{found['number']} to {found['reference'].upper()}"
        await self._audit.record(audit_entry(activity, "request.linked", detail, self._clock()))
        return request_card(linked, self._clock(), t)
