"""`audit [n]`: the latest entries of the audit log (operators only, see bot/turn/commands.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.audit import audit_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.domain.ports import AuditRecords

DEFAULT_ENTRIES = 10


class AuditDialog(AnswerDialog):
    def __init__(self, dialog_id: str, log: AuditRecords, clock: Callable[[], datetime]) -> None:
        super().__init__(dialog_id)
        self._log = log
        self._clock = clock

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        argument = CommandRequest.from_options(options).argument.strip()
        count = int(argument) if argument.isdigit() else DEFAULT_ENTRIES
        return audit_card(await self._log.latest(count), self._clock(), t)
