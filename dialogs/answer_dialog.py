"""Base of the one-turn dialogs: compute one card, send it, end. Domain errors become notice cards."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext
from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from dialogs.language import translator_of
from dialogs.replies import card_reply, error_reply
from locales.translator import Translator
from services.domain.errors import SupportDeskError


class AnswerDialog(ComponentDialog):
    def __init__(self, dialog_id: str) -> None:
        super().__init__(dialog_id)
        steps = WaterfallDialog(f"{dialog_id}.answer", [self.answer_step])
        self.add_dialog(steps)
        self.initial_dialog_id = steps.id

    async def answer_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        t = translator_of(step.context)
        try:
            card = await self.answer_turn(step.options, step.context, t)
        except SupportDeskError as error:
            await step.context.send_activity(error_reply(error, t))
            return await step.end_dialog()
        await step.context.send_activity(card_reply(card))
        return await step.end_dialog()

    async def answer_turn(self, options: object, context: TurnContext, t: Translator) -> AdaptiveCard:
        """The answer for a request that reads more of the turn than its activity (the roster, say)."""
        return await self.answer_in(options, context.activity, t)

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        """The answer for a request made in a particular conversation; most answers don't depend on it."""
        return await self.answer(options, t)

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        """The card that answers the request in `options` (the dialog's plain-dict options), in the
        language and time zone of `t`."""
        raise NotImplementedError
