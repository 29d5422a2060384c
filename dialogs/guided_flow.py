"""The base of every guided, multi-turn flow: one question per turn, and the machinery around it.

A flow is a Dialog whose id is its flow id, so card data that names the flow (`{"flow": "<id>",
"action": "answer" | "edit" | "submit" | "form", "key", "step", "value"}`) is routed to it by id alone.
The base keeps the typed state (a dataclass stored as plain JSON, so stored dialogs survive deploys and
restarts), the answered stack and misses, and answers the root dialog's interruptions (`GuidedFlow`:
back, help, resume, cancel, the free-text rule). A button of another dialog (finished, cancelled, or
someone else's) goes to the flow's foreign-card hook. A flow supplies its steps: what to ask, how an
answer is taken, and what edit, submit and form do.

This is a Dialog with named steps dispatched from a table rather than a WaterfallDialog: a waterfall
can't go back one step, or jump to a field from the summary and return to it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Generic, Self, TypeVar

from botbuilder.dialogs import Dialog, DialogContext, DialogReason, DialogTurnResult

from cards.actions import (
    FlowAction,
    FlowAnswer,
    FlowEdit,
    FlowForm,
    FlowSubmit,
    InvalidSubmission,
    RunCommand,
    parse_submission,
    run_command,
)
from cards.escalation import Choice
from cards.notices import notice_card
from dialogs.choices import InvalidAnswer, match_choice, normalize
from dialogs.language import translator_of
from dialogs.replies import card_reply, text_reply
from dialogs.requests import TYPED_TEXT, CardRequest, CommandRequest
from locales.translator import Translator

# Where a question is asked again with a note that cancelling is an option.
MAX_MISSES = 3


@dataclass
class FlowState:
    """What every guided flow knows: its key (on every card it sends), whose it is, the step asked, the
    misses at it, and the answered steps (for back). A flow's state adds its own plain fields."""

    key: str
    owner_id: str = ""
    step: str = ""
    misses: int = 0
    answered: list[str] = field(default_factory=list)

    def to_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: object) -> Self:
        """The state as stored; fields a later release dropped are ignored, new ones take defaults."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in state.items() if k in known} if isinstance(state, dict) else {}
        return cls(**values)

    def answer_taken(self, step: str) -> None:
        """`step` is answered: last on the stack (back returns to it first), misses start over."""
        self.misses = 0
        if step in self.answered:
            self.answered.remove(step)
        self.answered.append(step)

    def forget(self, step: str) -> None:
        """Clear a step's answer (and what depends on it) so it is asked again."""
        setattr(self, step, type(getattr(self, step))())


S = TypeVar("S", bound=FlowState)


class GuidedFlowDialog(Dialog, Generic[S]):
    """A guided flow on the base. Subclasses set `state_type`, `free_text_steps`, `heading_id` and, with
    a summary, `summary_fields` and `field_name_prefix` (its answer hands text at the summary to
    `answer_summary`), and implement `start`, `ask`, `answer`, and the hooks that apply (`edit`, `submit`,
    `form`, `offers`, `in_progress`, `resume_text`, `foreign_card`)."""

    state_type: type[S]
    free_text_steps: frozenset[str] = frozenset()
    # The steps the summary offers to edit, and the catalogue prefix of their names ('Edit <name>').
    summary_fields: tuple[str, ...] = ()
    field_name_prefix = ""
    # The catalogue ids of the flow's heading, of 'cancelled', and of 'first question' (for back).
    heading_id = "flow.heading"
    cancelled_id = "flow.cancelled"
    first_question_id = "flow.first_question"
    stale_card_id = "flow.stale_card"
    # The summary's Submit button, as its hint names it (a set-up is saved, not filed: 제출, not 접수).
    submit_id = "escalation_card.submit"

    # --- what a flow supplies ----------------------------------------------------------------------

    async def start(self, dc: DialogContext, request: CommandRequest) -> DialogTurnResult:
        raise NotImplementedError

    async def ask(
        self, dc: DialogContext, state: S, step: str = "", problem: str = "", help_text: bool = False
    ) -> DialogTurnResult:
        """Ask `step` (or the first one still missing), with `problem` or the step's help above it."""
        raise NotImplementedError

    async def answer(
        self, dc: DialogContext, state: S, step: str, text: str, pressed: bool
    ) -> DialogTurnResult:
        """`text` answers `step` (typed, or a button's value when `pressed`)."""
        raise NotImplementedError

    async def edit(self, dc: DialogContext, state: S, step: str) -> DialogTurnResult:
        return await self.ask(dc, state, step=state.step)

    async def submit(self, dc: DialogContext, state: S) -> DialogTurnResult:
        return await self.ask(dc, state, step=state.step)

    async def form(self, dc: DialogContext, state: S, values: dict[str, str]) -> DialogTurnResult:
        return await self.ask(dc, state, step=state.step)

    async def foreign_card(self, dc: DialogContext, submission: FlowAction) -> None:
        """A button of this flow from a dialog that isn't the presser's current one."""
        await dc.context.send_activity(text_reply(translator_of(dc.context)(self.stale_card_id)))

    def resume_text(self, dc: DialogContext, state: S) -> str:
        return translator_of(dc.context)("flow.resume_offer")

    async def offers(self, dc: DialogContext, text: str) -> bool:
        return False

    def in_progress(self, dc: DialogContext) -> str:
        return translator_of(dc.context)(self.heading_id)

    # --- the summary, typed ------------------------------------------------------------------------

    def summary_choices(self, t: Translator) -> tuple[Choice, ...]:
        """The summary's buttons as typed: 'submit', 'edit title'."""
        edits = tuple(
            Choice(t("escalation_card.edit", field=t(f"{self.field_name_prefix}{step}")), step)
            for step in self.summary_fields
        )
        return (Choice(t(self.submit_id), "submit"), *edits)

    async def answer_summary(self, dc: DialogContext, state: S, text: str) -> DialogTurnResult:
        """'submit' or 'edit severity' typed at the summary, like its buttons; never by number (a stray
        '1' must not submit), and anything else is asked again with why."""
        t = translator_of(dc.context)
        unknown = t("escalation.unknown_choice", value="{value}")
        ambiguous = t("escalation.ambiguous_choice", value="{value}", matches="{matches}")
        try:
            if normalize(text).isdigit():
                raise InvalidAnswer(unknown.format(value=text[:40]))
            choice = match_choice(text, self.summary_choices(t), unknown, ambiguous)
        except InvalidAnswer as error:
            return await self.ask(dc, state, step=state.step, problem=error.reason)
        if choice.value == "submit":
            return await self.submit(dc, state)
        return await self.edit(dc, state, choice.value)

    # --- state -------------------------------------------------------------------------------------

    def load(self, dc: DialogContext) -> S:
        return self.state_type.from_state(dc.active_dialog.state.get(self.id))

    def save(self, dc: DialogContext, state: S) -> None:
        dc.active_dialog.state[self.id] = state.to_state()

    # --- the dialog's life -------------------------------------------------------------------------

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        if isinstance(options, dict) and "card" in options:
            await self._pressed_elsewhere(dc, CardRequest.from_options(options).card)
            return await dc.end_dialog()
        return await self.start(dc, CommandRequest.from_options(options))

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        state = self.load(dc)
        activity = dc.context.activity
        if activity.type != "message":
            return Dialog.end_of_turn
        if activity.value is None:
            text = dc.context.turn_state.get(TYPED_TEXT) or (activity.text or "").strip()
            return await self.answer(dc, state, state.step, text, pressed=False)
        try:
            submission = parse_submission(activity.value)
        except InvalidSubmission as error:
            await self._refuse(dc, error)
            return Dialog.end_of_turn
        if isinstance(submission, RunCommand):
            return await self.answer(dc, state, state.step, submission.command, pressed=False)
        if not isinstance(submission, FlowAnswer | FlowEdit | FlowSubmit | FlowForm):
            return await self.ask(dc, state, step=state.step)
        if submission.flow != self.id:
            await self._pressed_elsewhere(dc, activity.value)
            return Dialog.end_of_turn
        if submission.key != state.key:
            await self.foreign_card(dc, submission)
            return Dialog.end_of_turn
        if isinstance(submission, FlowSubmit):
            return await self.submit(dc, state)
        if isinstance(submission, FlowEdit):
            return await self.edit(dc, state, submission.step)
        if isinstance(submission, FlowForm):
            return await self.form(dc, state, submission.fields())
        return await self.answer(dc, state, submission.step, submission.value, pressed=True)

    async def resume_dialog(
        self, dc: DialogContext, reason: DialogReason, result: object
    ) -> DialogTurnResult:
        """An interrupting command was answered: offer to pick up where the flow was."""
        t = translator_of(dc.context)
        offer = notice_card(
            t(self.heading_id),
            self.resume_text(dc, self.load(dc)),
            [
                run_command(t("escalation.resume"), "resume"),
                run_command(t("escalation_card.cancel"), "cancel"),
            ],
        )
        await dc.context.send_activity(card_reply(offer))
        return Dialog.end_of_turn

    async def _pressed_elsewhere(self, dc: DialogContext, value: object) -> None:
        try:
            submission = parse_submission(value)
        except InvalidSubmission as error:
            await self._refuse(dc, error)
            return
        if not isinstance(submission, FlowAnswer | FlowEdit | FlowSubmit | FlowForm):
            return
        # The flow the card names answers it, whichever flow is in progress.
        flow = self if submission.flow == self.id else await dc.find_dialog(submission.flow)
        if isinstance(flow, GuidedFlowDialog):
            await flow.foreign_card(dc, submission)
        else:
            await self._refuse(dc, InvalidSubmission())

    async def _refuse(self, dc: DialogContext, error: InvalidSubmission) -> None:
        t = translator_of(dc.context)
        await dc.context.send_activity(card_reply(notice_card(t(self.heading_id), t(error.message_id))))

    # --- the root's interruptions (dialogs.root.GuidedFlow) ----------------------------------------

    def takes_free_text(self, dc: DialogContext) -> bool:
        return self.load(dc).step in self.free_text_steps

    async def take_answer(self, dc: DialogContext, text: str) -> DialogTurnResult:
        state = self.load(dc)
        return await self.answer(dc, state, state.step, text, pressed=False)

    async def cancel_flow(self, dc: DialogContext) -> None:
        await dc.context.send_activity(text_reply(translator_of(dc.context)(self.cancelled_id)))

    async def back(self, dc: DialogContext) -> DialogTurnResult:
        state = self.load(dc)
        if not state.answered:
            return await self.ask(dc, state, problem=translator_of(dc.context)(self.first_question_id))
        previous = state.answered.pop()
        state.forget(previous)
        return await self.ask(dc, state, step=previous)

    async def explain(self, dc: DialogContext) -> DialogTurnResult:
        state = self.load(dc)
        return await self.ask(dc, state, step=state.step, help_text=True)

    async def resume(self, dc: DialogContext, note: str = "") -> DialogTurnResult:
        state = self.load(dc)
        return await self.ask(dc, state, step=state.step, problem=note)
