"""`change <MC id>`: one message center message in full, with every customer of the person's it reaches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.actions import changes_command, run_command
from cards.changes import change_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.domain.ports import Backend
from services.domain.service_messages import find_message, looks_like_message_id


class ChangeDialog(AnswerDialog):
    def __init__(self, dialog_id: str, backend: Backend, clock: Callable[[], datetime]) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._clock = clock

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        # 'change MC905123 for contoso': the card names every customer it reaches, so words after the id
        # only narrow what is already shown.
        message_id, *_ = CommandRequest.from_options(options).argument.split() or [""]
        if not looks_like_message_id(message_id):
            return notice_card(
                t("change.which_title"),
                t("change.which"),
                [run_command(t("changes.due_everywhere"), changes_command())],
            )
        lookup = await find_message(self._backend, message_id)
        return change_card(lookup, self._clock(), t)
