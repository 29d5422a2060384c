"""`link <reference> <SR number>`: attach Partner Center's SR number to a request handed off there."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.escalation import request_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.escalation_wording import say
from dialogs.ids import LINK
from dialogs.requests import CommandRequest
from services.ports import ServiceRequestDesk

_LINK = re.compile(r"^(?P<reference>E\d{16})\s+(?P<number>\d{10,20})$", re.IGNORECASE)


class LinkDialog(AnswerDialog):
    def __init__(self, desk: ServiceRequestDesk, clock: Callable[[], datetime]) -> None:
        super().__init__(LINK)
        self._desk = desk
        self._clock = clock

    async def answer(self, options: object) -> AdaptiveCard:
        found = _LINK.match(CommandRequest.from_options(options).argument.strip())
        if found is None:
            return notice_card("Which request?", say("link_usage"))
        linked = await self._desk.link_request(found["reference"].upper(), found["number"])
        return request_card(linked, self._clock())
