"""`language ko`, `language en`, `언어 한국어`: the language the bot speaks to this person from now on.

Kept in user state, so it follows the person into every conversation; it overrides the locale Teams sends.
"""

from __future__ import annotations

from botbuilder.core import StatePropertyAccessor
from botbuilder.dialogs import DialogTurnResult, WaterfallStepContext

from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.language import TRANSLATOR, translator_for, translator_of
from dialogs.replies import card_reply
from dialogs.requests import CommandRequest
from locales.translator import chosen_language


class LanguageDialog(AnswerDialog):
    def __init__(self, dialog_id: str, chosen: StatePropertyAccessor) -> None:
        super().__init__(dialog_id)
        self._chosen = chosen

    async def answer_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        request = CommandRequest.from_options(step.options)
        language = chosen_language(request.argument)
        if language is None:
            t = translator_of(step.context)
            card = notice_card(t("language.title"), t("language.which"))
        else:
            await self._chosen.set(step.context, language)
            t = translator_for(step.context.activity, language)
            step.context.turn_state[TRANSLATOR] = t
            card = notice_card(t("language.title"), t("language.set"))
        await step.context.send_activity(card_reply(card))
        return await step.end_dialog()
