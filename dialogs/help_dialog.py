"""`help`, the welcome on install, and the answer to anything we didn't understand."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import AdaptiveCard

from cards.help import HelpEntry, help_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.ids import HELP
from dialogs.requests import HelpRequest


class HelpDialog(AnswerDialog):
    def __init__(self, entries: Sequence[HelpEntry]) -> None:
        super().__init__(HELP)
        self._entries = tuple(entries)

    async def answer(self, options: object) -> AdaptiveCard:
        request = HelpRequest.from_options(options)
        return help_card(self._entries, greeting=request.greeting, hint=request.hint)
