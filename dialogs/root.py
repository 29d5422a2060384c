"""The root dialog: starts the flow a message was routed to, and is the one home of interruptions.

A message or card submission reaches the active flow first. Only interruptions are handled around it,
here: `cancel`, `back`, `help` and `resume`, and a recognised command, which is answered and followed by
the flow's offer to resume. At a step that takes free text (a title, a description) only a message that
starts with a command's own name (`health contoso`) interrupts; `status page is down` is an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from botbuilder.dialogs import (
    ComponentDialog,
    Dialog,
    DialogContext,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import Activity

from cards.actions import InvalidSubmission, RunCommand, ShowCustomersPage, ShowRequestsPage, parse_submission
from dialogs.ids import CUSTOMERS, HELP, REQUESTS, ROOT
from dialogs.requests import TYPED_TEXT, CommandRequest, Route

# What stops, steps back in or picks up a guided flow, typed in any language we speak (the cards and
# questions name them in the reader's language).
CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "abort", "never mind", "nevermind", "취소", "그만"})
BACK_WORDS = frozenset({"back", "go back", "previous", "뒤로", "이전"})
RESUME_WORDS = frozenset({"resume", "continue", "계속", "이어서", "이어서 진행"})

CommandReader = Callable[[str], Route | None]
TextReader = Callable[[Activity], str]


@runtime_checkable
class GuidedFlow(Protocol):
    """A multi-turn flow the root can interrupt."""

    def takes_free_text(self, dc: DialogContext) -> bool: ...

    async def cancel_flow(self, dc: DialogContext) -> None: ...

    async def back(self, dc: DialogContext) -> DialogTurnResult: ...

    async def explain(self, dc: DialogContext) -> DialogTurnResult: ...

    async def resume(self, dc: DialogContext, note: str = "") -> DialogTurnResult: ...


class RootDialog(ComponentDialog):
    def __init__(
        self,
        flows: Sequence[Dialog],
        command: CommandReader = lambda text: None,
        typed: TextReader = lambda activity: (activity.text or "").strip(),
        explicit: Callable[[str], bool] = lambda text: False,
    ) -> None:
        super().__init__(ROOT)
        for flow in flows:
            self.add_dialog(flow)
        self._command = command
        self._typed = typed
        self._explicit = explicit
        steps = WaterfallDialog(f"{ROOT}.route", [self.route_step, self.done_step])
        self.add_dialog(steps)
        self.initial_dialog_id = steps.id

    async def route_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        route = Route.from_options(step.options)
        return await step.begin_dialog(route.dialog_id, route.options)

    async def done_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.end_dialog(step.result)

    async def on_continue_dialog(self, inner_dc: DialogContext) -> DialogTurnResult:
        active = inner_dc.active_dialog
        flow = await self.find_dialog(active.id) if active else None
        if isinstance(flow, GuidedFlow) and inner_dc.context.activity.type == "message":
            interrupted = await self._interrupt(inner_dc, flow)
            if interrupted is not None:
                return interrupted
        return await super().on_continue_dialog(inner_dc)

    def _said(self, dc: DialogContext) -> str | Route | None:
        """What the person typed, the command a button runs, or a paging button's route; None for a
        flow's own card data."""
        activity = dc.context.activity
        if activity.value is None:
            text = self._typed(activity)
            dc.context.turn_state[TYPED_TEXT] = text
            return text
        try:
            submission = parse_submission(activity.value)
        except InvalidSubmission:
            return None
        if isinstance(submission, ShowCustomersPage):
            return Route(CUSTOMERS, CommandRequest(submission.search, submission.page).to_options())
        if isinstance(submission, ShowRequestsPage):
            return Route(REQUESTS, CommandRequest(submission.customer, submission.page).to_options())
        return submission.command if isinstance(submission, RunCommand) else None

    async def _interrupt(self, dc: DialogContext, flow: GuidedFlow) -> DialogTurnResult | None:
        text = self._said(dc)
        if isinstance(text, Route):
            return await dc.begin_dialog(text.dialog_id, text.options)
        if text is None:
            return None
        word = " ".join(text.casefold().strip(" .!?").split())
        if word in CANCEL_WORDS:
            await flow.cancel_flow(dc)
            return await dc.cancel_all_dialogs()
        if word in BACK_WORDS:
            return await flow.back(dc)
        if word in RESUME_WORDS:
            return await flow.resume(dc)
        route = self._command(text)
        if route is None:
            return None
        if route.dialog_id == HELP and not route.options.get("hint"):
            return await flow.explain(dc)
        if flow.takes_free_text(dc) and not self._explicit(text):
            return None
        if isinstance(flow, Dialog) and route.dialog_id == flow.id:
            return await flow.resume(dc)
        return await dc.begin_dialog(route.dialog_id, route.options)
