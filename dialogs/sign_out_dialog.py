"""`sign out` (`로그아웃`): the person's token leaves the token service and the bot forgets what it kept for
them; the next write asks them to sign in again. With SSO off there is nothing to sign out of, and it says
so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from botbuilder.core import TurnContext
from botbuilder.dialogs import DialogTurnResult, WaterfallStepContext

from dialogs.answer_dialog import AnswerDialog
from dialogs.language import translator_of
from dialogs.replies import text_reply

# Where the handler puts the turn's sign-out (None: SSO off), in turn state.
SIGN_OUT = "support.sign_out"
SignOut = Callable[[TurnContext], Awaitable[None]]


class SignOutDialog(AnswerDialog):
    async def answer_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        t = translator_of(step.context)
        sign_out: SignOut | None = step.context.turn_state.get(SIGN_OUT)
        if sign_out is None:
            await step.context.send_activity(text_reply(t("sign_in.sso_off")))
            return await step.end_dialog()
        await sign_out(step.context)
        await step.context.send_activity(text_reply(t("sign_in.signed_out")))
        return await step.end_dialog()
