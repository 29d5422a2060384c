"""`request <number>`: one service request with its notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.actions import run_command
from cards.escalation import request_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.domain.ports import ServiceRequestDesk


def request_number(text: str) -> str:
    """The SR number (digits) or hand-off reference (E + digits) `text` starts with; else ''."""
    first = text.strip().split(" ", 1)[0]
    digits = first[1:] if first[:1] in ("E", "e") else first
    return first.upper() if digits.isdigit() and 10 <= len(digits) <= 20 else ""


class RequestDialog(AnswerDialog):
    def __init__(self, dialog_id: str, desk: ServiceRequestDesk, clock: Callable[[], datetime]) -> None:
        super().__init__(dialog_id)
        self._desk = desk
        self._clock = clock

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        number = request_number(CommandRequest.from_options(options).argument)
        if not number:
            return notice_card(
                t("escalation.which_request_title"),
                t("escalation.which_request"),
                [run_command(t("escalation.list_requests"), "requests")],
            )
        return request_card(await self._desk.service_request(number), self._clock(), t)
