"""The root dialog: starts the flow a message was routed to, and is the one home of interruptions.

A message or card submission reaches the active flow first. Only interruptions are handled around it,
here, by one rule at every question of every flow: the steering words alone (`cancel`, `back`, `help`,
`resume`, in every language we speak) steer, and otherwise a typed message interrupts only when the whole
of it is a complete command with valid arguments (`health woodgrove`, `requests`). Anything else is an
attempt at the answer, whatever word it starts with: at a question of choices it is matched against them
and, matching none, the question is asked again saying why ('health is bad for everyone since 9am' at the
severity question runs nothing); a command button pressed runs its command.

A complete command at a question of choices is answered and followed by the flow's offer to resume. At a
question that takes free text (a title, a description, a contact) it could also be the answer, so the
person is asked once which they meant, with a button (or a typed number or name) for each; the answer is
never guessed and never lost. The same command as the flow in progress (`escalate woodgrove` while filing
for Contoso) says what is in progress and offers to switch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
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

from cards.actions import (
    InvalidSubmission,
    OfferChoice,
    RunCommand,
    ShowCustomersPage,
    ShowRequestsPage,
    offer_choice,
    parse_submission,
)
from cards.escalation import Choice
from cards.notices import notice_card
from cards.parts import echo
from dialogs.choices import InvalidAnswer, match_choice
from dialogs.language import translator_of
from dialogs.replies import card_reply
from dialogs.requests import ANSWERED, TYPED_TEXT, Route
from locales.translator import LANGUAGES, Translator

CommandReader = Callable[[str], Route | None]
# The route of a message that is a complete command with valid arguments, else None.
CompleteCommandReader = Callable[[str], Awaitable[Route | None]]
TextReader = Callable[[Activity], str]
# The route of a paging button (the next page of customers or requests).
PageReader = Callable[[ShowCustomersPage | ShowRequestsPage], Route]

ROOT = "root"
STEERING = ("cancel", "back", "resume", "help")
# Where the root keeps the question it asked ("your answer, or a command?") in the flow's dialog state.
_OFFER = "support.offer"


@cache
def steering_words(kind: str) -> frozenset[str]:
    """What people type to steer a guided flow (`kind`: cancel, back, resume, help), in every language we
    speak: a Korean reader may type 'cancel', and the cards name the words in the reader's language."""
    return frozenset(
        _folded(word) for language in LANGUAGES for word in Translator(language)(f"steer.{kind}").split(",")
    )


def _folded(text: str) -> str:
    return " ".join(text.casefold().strip(" .!?").split())


def steering(text: str) -> str | None:
    """The steering word `text` is on its own, or None. An empty message (or a lone '?') asks for help."""
    word = _folded(text)
    if not word:
        return "help"
    return next((kind for kind in STEERING if word in steering_words(kind)), None)


@runtime_checkable
class GuidedFlow(Protocol):
    """A multi-turn flow the root can interrupt."""

    def takes_free_text(self, dc: DialogContext) -> bool: ...

    async def offers(self, dc: DialogContext, text: str) -> bool:
        """Whether `text` names one of the choices the current question offers (its number, name or the
        start of it): then it is the answer, even where it starts like a command ('Follow the incident')."""
        ...

    def in_progress(self, dc: DialogContext) -> str:
        """What is in progress, in the reader's words (for the offer to switch)."""
        ...

    async def take_answer(self, dc: DialogContext, text: str) -> DialogTurnResult:
        """`text` is the answer to the question the flow is asking."""
        ...

    async def cancel_flow(self, dc: DialogContext) -> None: ...

    async def back(self, dc: DialogContext) -> DialogTurnResult: ...

    async def explain(self, dc: DialogContext) -> DialogTurnResult: ...

    async def resume(self, dc: DialogContext, note: str = "") -> DialogTurnResult: ...


@dataclass(frozen=True)
class _Said:
    """A message: what was typed, or the command a button runs (`pressed`)."""

    text: str
    pressed: bool = False


@dataclass(frozen=True)
class _Offer:
    """The question the root asked: `kind` 'meaning' (answer or command) or 'switch' (carry on or start
    the same flow anew); `text` is the message it was about."""

    kind: str
    text: str

    def choices(self, t: Translator) -> tuple[Choice, ...]:
        if self.kind == "meaning":
            return (
                Choice(t("meaning.answer"), "answer"),
                Choice(t("meaning.run", command=echo(self.text)), "command"),
            )
        return (Choice(t("switch.keep"), "keep"), Choice(t("switch.start"), "switch"))


class RootDialog(ComponentDialog):
    def __init__(
        self,
        flows: Sequence[Dialog],
        command: CommandReader = lambda text: None,
        typed: TextReader = lambda activity: (activity.text or "").strip(),
        complete: CompleteCommandReader | None = None,
        *,
        page: PageReader,
        help_id: str,
    ) -> None:
        """`help_id`: the help dialog's id (a bare 'help' during a flow is the flow's own explanation)."""
        super().__init__(ROOT)
        for flow in flows:
            self.add_dialog(flow)
        self._command = command
        self._typed = typed
        self._complete = complete or self._no_complete_commands
        self._page = page
        self._help_id = help_id
        steps = WaterfallDialog(f"{ROOT}.route", [self.route_step, self.done_step])
        self.add_dialog(steps)
        self.initial_dialog_id = steps.id

    @staticmethod
    async def _no_complete_commands(text: str) -> Route | None:
        return None

    async def route_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        route = Route.from_options(step.options)
        if await self.find_dialog(route.dialog_id) is None:
            # A card naming a flow we don't have (tampered, or of a flow since retired).
            t = translator_of(step.context)
            rejected = notice_card(t("edge.rejected_button_title"), t(InvalidSubmission.message_id))
            await step.context.send_activity(card_reply(rejected))
            return await step.end_dialog()
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
            inner_dc.context.turn_state[ANSWERED] = True
        return await super().on_continue_dialog(inner_dc)

    def _said(self, dc: DialogContext) -> _Said | Route | OfferChoice | None:
        """What the person typed, the command a button runs, a paging button's route, or the answer to
        the root's own question; None for a flow's own card data."""
        activity = dc.context.activity
        if activity.value is None:
            text = self._typed(activity)
            dc.context.turn_state[TYPED_TEXT] = text
            return _Said(text)
        try:
            submission = parse_submission(activity.value)
        except InvalidSubmission:
            return None
        if isinstance(submission, ShowCustomersPage | ShowRequestsPage):
            return self._page(submission)
        if isinstance(submission, OfferChoice):
            return submission
        return _Said(submission.command, pressed=True) if isinstance(submission, RunCommand) else None

    async def _interrupt(self, dc: DialogContext, flow: GuidedFlow) -> DialogTurnResult | None:
        said = self._said(dc)
        stored = dc.active_dialog.state.pop(_OFFER, None)
        offer = _Offer(str(stored.get("kind")), str(stored.get("text"))) if isinstance(stored, dict) else None
        if isinstance(said, Route):
            return await dc.begin_dialog(said.dialog_id, said.options)
        if isinstance(said, OfferChoice):
            if offer is None or said.choice not in {
                c.value for c in offer.choices(translator_of(dc.context))
            }:
                return await flow.resume(dc)  # an answered (or older) question's button
            return await self._choose(dc, flow, offer, said.choice)
        if said is None:
            return None
        # Nothing typed asks for help, unless the question takes it (mentions only, at an owners step).
        steer = steering(said.text) if said.text or not await flow.offers(dc, said.text) else None
        if steer == "cancel":
            await flow.cancel_flow(dc)
            # This flow only: one it interrupted (a request half filed under a set-up) offers to resume.
            return await dc.end_dialog()
        if steer == "back":
            return await flow.back(dc)
        if steer == "resume":
            return await flow.resume(dc)
        if steer == "help":
            return await flow.explain(dc)
        if offer is not None and not said.pressed:
            try:
                choice = match_choice(said.text, offer.choices(translator_of(dc.context)), "", "")
            except InvalidAnswer:
                pass  # something else: taken as a new message, the question is dropped
            else:
                return await self._choose(dc, flow, offer, choice.value)
        if said.pressed:
            route = self._command(said.text)
        elif await flow.offers(dc, said.text):
            return None
        else:
            route = await self._complete(said.text)
        if route is None:
            return None  # the answer, or at a question of choices an attempt at one (asked again if none)
        if flow.takes_free_text(dc) and not said.pressed:
            return await self._ask(dc, _Offer("meaning", said.text), flow)
        if route.dialog_id == self._help_id and not route.options.get("hint"):
            return await flow.explain(dc)
        return await self._run(dc, flow, said.text, route)

    async def _run(self, dc: DialogContext, flow: GuidedFlow, text: str, route: Route) -> DialogTurnResult:
        if isinstance(flow, Dialog) and route.dialog_id == flow.id:
            return await self._ask(dc, _Offer("switch", text), flow)
        return await dc.begin_dialog(route.dialog_id, route.options)

    async def _ask(self, dc: DialogContext, offer: _Offer, flow: GuidedFlow) -> DialogTurnResult:
        t = translator_of(dc.context)
        dc.active_dialog.state[_OFFER] = {"kind": offer.kind, "text": offer.text}
        if offer.kind == "meaning":
            title, text = t("meaning.title"), t("meaning.text", text=echo(offer.text))
        else:
            title = t("switch.title")
            text = t("switch.text", in_progress=flow.in_progress(dc), command=echo(offer.text))
        actions = [offer_choice(f"{n}. {c.title}", c.value) for n, c in enumerate(offer.choices(t), 1)]
        await dc.context.send_activity(card_reply(notice_card(title, text, actions)))
        return Dialog.end_of_turn

    async def _choose(
        self, dc: DialogContext, flow: GuidedFlow, offer: _Offer, choice: str
    ) -> DialogTurnResult:
        if choice == "answer":
            dc.context.turn_state[ANSWERED] = True
            return await flow.take_answer(dc, offer.text)
        if choice == "keep":
            return await flow.resume(dc)
        route = self._command(offer.text)
        if route is None:  # not a command any more (the catalogue changed under a stored question)
            return await flow.resume(dc)
        if choice == "command":
            return await self._run(dc, flow, offer.text, route)
        await flow.cancel_flow(dc)
        return await dc.replace_dialog(route.dialog_id, route.options)
