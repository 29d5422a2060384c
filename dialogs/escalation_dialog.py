"""`escalate [for <customer>] [about <incident id>]`: a guided dialog that files a service request once.

One question per turn, skipping what is already known. Answers are validated against the directory and
the support catalogue the desk provides, as typed text or as pressed buttons alike, since card data can
be tampered with. The dialog's state is one flat dataclass, stored as a plain dict, with the request's
idempotency key: however often Submit arrives (a double click, an older card, a retry, a restart in
between), the desk files one request for the key.

This is a Dialog with named steps dispatched from a table rather than a WaterfallDialog: a waterfall
can't go back one step, or jump to a field from the summary and return to it.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Self

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogReason, DialogTurnResult
from microsoft_teams.cards import AdaptiveCard

from cards.actions import (
    EscalationEdit,
    EscalationForm,
    EscalationSubmit,
    InvalidSubmission,
    OfferChoice,
    RunCommand,
    ShowCustomersPage,
    ShowRequestsPage,
    escalation_submit,
    parse_submission,
    run_command,
)
from cards.escalation import (
    Choice,
    Question,
    RequestForm,
    SummaryField,
    guard_card,
    question_card,
    receipt_card,
    request_form_card,
    summary_card,
)
from cards.incidents import incident_card
from cards.notices import notice_card
from cards.parts import without_format_characters
from dialogs.audit_records import audit_entry
from dialogs.choices import InvalidAnswer, match_choice, normalize, typed_choice
from dialogs.customer_choice import MAX_NAME_LENGTH, known_customer, pick_customer
from dialogs.language import error_wording, translator_of
from dialogs.replies import card_reply, text_reply
from dialogs.requests import TYPED_TEXT, CardRequest, CommandRequest
from locales.translator import Translator, keywords
from services.errors import IncidentNotFound, SupportDeskError, UpstreamUnavailable
from services.incidents import find_incident, looks_like_incident_id
from services.models import (
    Contact,
    Customer,
    Incident,
    IncidentLookup,
    RequestDraft,
    Severity,
    SupportCatalogue,
)
from services.ports import AuditTrail, Backend, ServiceRequestDesk

logger = logging.getLogger("bot.escalation")

# Its dialog id, kept in people's dialog state and named by its cards' routing (bot/commands.py registers it).
ESCALATION = "escalation"
STEPS = ("customer", "product", "guard", "topic", "severity", "title", "description", "contact", "phone")
SUMMARY = "summary"
# Steps whose answer is free text: there a command word is taken as the answer, not as an interruption.
FREE_TEXT_STEPS = frozenset({"title", "description", "contact", "phone"})
MAX_MISSES = 3
SUMMARY_PREVIEW = 300
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_EMAIL_WORD = re.compile(r"<?(?P<email>\S+@\S+?)>?$")
_ABOUT = re.compile(
    rf"(?:^|\s)(?:{'|'.join(map(re.escape, sorted(keywords('keyword.about'))))})\s+(?P<incident>\S+)\s*$",
    re.IGNORECASE,
)
_ON = re.compile(r"(?:^|\s)on\s+(?P<service>.+)$", re.IGNORECASE)

ContactSource = Callable[[TurnContext], Awaitable[Contact]]
# Typed instead of pressing Skip at the phone question (the words of every language we speak).
SKIP_WORDS = frozenset({"skip", "none", "no", "-", "건너뛰기", "없음", "아니요"})


def _severity_choices(catalogue: SupportCatalogue, t: Translator) -> tuple[Choice, ...]:
    """The levels in the reader's words; the value ('critical') is accepted as typed in any language."""
    return tuple(Choice(t(f"severity.{s.severity.value}"), s.severity.value) for s in catalogue.severities)


@dataclass
class EscalationState:
    """Everything the dialog knows, flat and plain, so stored dialogs survive deploys and restarts."""

    key: str
    owner_id: str = ""
    customer_id: str = ""
    customer_name: str = ""
    incident_id: str = ""
    # An incident named with a customer still to be chosen ('escalate fabrikam about EX…').
    pending_incident: str = ""
    service: str = ""
    product: str = ""
    topic_id: str = ""
    severity: str = ""
    title: str = ""
    description: str = ""
    contact_name: str = ""
    contact_email: str = ""
    phone: str = ""
    phone_answered: bool = False
    guard_passed: bool = False
    suggested_title: str = ""
    suggested_description: str = ""
    suggested_name: str = ""
    suggested_email: str = ""
    step: str = ""
    misses: int = 0
    answered: list[str] = field(default_factory=list)

    def to_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: object) -> Self:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in state.items() if k in known} if isinstance(state, dict) else {}
        return cls(**values)

    def missing(self) -> str:
        """The first step still unanswered, or the summary."""
        known = {
            "customer": bool(self.customer_id),
            "product": bool(self.product),
            "guard": self.guard_passed,
            "topic": bool(self.topic_id),
            "severity": bool(self.severity),
            "title": bool(self.title),
            "description": bool(self.description),
            "contact": bool(self.contact_name and self.contact_email),
            "phone": self.phone_answered,
        }
        return next((step for step in STEPS if not known[step]), SUMMARY)

    def forget(self, step: str) -> None:
        """Clear a step's answer (and what depends on it) so it is asked again."""
        if step == "customer":
            self.customer_id = self.customer_name = ""
            self.guard_passed = False
        elif step == "product":
            self.product = self.topic_id = ""
            self.guard_passed = False
        elif step == "topic":
            self.topic_id = ""
        elif step == "guard":
            self.guard_passed = False
        elif step == "contact":
            self.contact_name = self.contact_email = ""
        elif step == "phone":
            self.phone, self.phone_answered = "", False
        else:
            setattr(self, step, "")


_STATE = "escalation"


def _split_argument(argument: str) -> tuple[str, str, str]:
    """'contoso about EX1100014' -> (customer, incident, service); 'EX1100014' names the incident."""
    text = argument.strip()
    incident = service = ""
    about = _ABOUT.search(text)
    if about:
        incident, text = about.group("incident"), text[: about.start()].strip()
    on = _ON.search(text)
    if on:
        service, text = on.group("service").strip(), text[: on.start()].strip()
    if not incident and looks_like_incident_id(text.split(" ", 1)[0]):
        incident, _, text = text.partition(" ")
    return text.strip(), incident.upper(), service


class EscalationDialog(Dialog):
    def __init__(
        self,
        backend: Backend,
        desk: ServiceRequestDesk,
        clock: Callable[[], datetime],
        contact_source: ContactSource,
        audit: AuditTrail,
    ) -> None:
        super().__init__(ESCALATION)
        self._audit = audit
        self._backend = backend
        self._desk = desk
        self._clock = clock
        self._contact_source = contact_source

    # --- the dialog's life -------------------------------------------------------------------------

    async def begin_dialog(self, dc: DialogContext, options: object = None) -> DialogTurnResult:
        if isinstance(options, dict) and "card" in options:
            await self._answer_foreign_card(dc, CardRequest.from_options(options).card)
            return await dc.end_dialog()
        request = CommandRequest.from_options(options)
        person = dc.context.activity.from_property
        state = EscalationState(key=uuid.uuid4().hex, owner_id=person.id if person else "")
        contact = await self._contact_source(dc.context)
        state.suggested_name, state.suggested_email = contact.name, contact.email
        customer_text, incident_id, service = _split_argument(request.argument)
        state.service, state.pending_incident = service, incident_id
        self._save(dc, state)
        if customer_text:
            answered = await self._answer_customer(dc, state, customer_text, record=False)
            if not answered:
                return Dialog.end_of_turn
        if not await self._apply_pending_incident(dc, state):
            return await dc.end_dialog()
        catalogue = await self._desk.support_catalogue()
        self._suggest_product(state, catalogue)
        return await self._ask(dc, state)

    async def continue_dialog(self, dc: DialogContext) -> DialogTurnResult:
        t = translator_of(dc.context)
        state = self._load(dc)
        activity = dc.context.activity
        if activity.type != "message":
            return Dialog.end_of_turn
        if activity.value is not None:
            try:
                submission = parse_submission(activity.value)
            except InvalidSubmission as error:
                await dc.context.send_activity(
                    card_reply(notice_card(t("escalation.heading"), t(error.message_id)))
                )
                return Dialog.end_of_turn
            if isinstance(submission, RunCommand):
                return await self._answer(dc, state, state.step, submission.command, pressed=False)
            if isinstance(submission, ShowCustomersPage | ShowRequestsPage | OfferChoice):
                return await self._ask(dc, state, step=state.step)
            if submission.key != state.key:
                await self._answer_foreign_card(dc, activity.value)
                return Dialog.end_of_turn
            if isinstance(submission, EscalationSubmit):
                return await self._submit(dc, state)
            if isinstance(submission, EscalationEdit):
                return await self._edit(dc, state, submission.step)
            if isinstance(submission, EscalationForm):
                return await self._apply_form(dc, state, submission)
            return await self._answer(dc, state, submission.step, submission.value, pressed=True)
        text = dc.context.turn_state.get(TYPED_TEXT) or (activity.text or "").strip()
        return await self._answer(dc, state, state.step, text, pressed=False)

    async def resume_dialog(
        self, dc: DialogContext, reason: DialogReason, result: object
    ) -> DialogTurnResult:
        """An interrupting command was answered: offer to pick up where the dialog was."""
        t = translator_of(dc.context)
        state = self._load(dc)
        offer = notice_card(
            t("escalation.heading"),
            t("escalation.resume_offer", customer=state.customer_name or t("escalation.a_customer")),
            [
                run_command(t("escalation.resume"), "resume"),
                run_command(t("escalation_card.cancel"), "cancel"),
            ],
        )
        await dc.context.send_activity(card_reply(offer))
        return Dialog.end_of_turn

    # --- interruptions (called by the root dialog) -------------------------------------------------

    def takes_free_text(self, dc: DialogContext) -> bool:
        return self._load(dc).step in FREE_TEXT_STEPS

    async def offers(self, dc: DialogContext, text: str) -> bool:
        t = translator_of(dc.context)
        state = self._load(dc)
        if normalize(text) == normalize(t("escalation_card.use_form")):
            return True
        if state.step in FREE_TEXT_STEPS:
            return typed_choice(text, self._offered(state, t)) is not None
        if state.step == SUMMARY:
            choices = self._summary_choices(state, t)
            return not normalize(text).isdigit() and typed_choice(text, choices) is not None
        choices = await self._choices(state, t)
        try:
            match_choice(text, choices, "", "")
        except InvalidAnswer:
            return False
        return True

    async def _choices(self, state: EscalationState, t: Translator) -> tuple[Choice, ...]:
        """The choices a choice question offers (product, topic, severity, guard)."""
        catalogue = await self._desk.support_catalogue()
        if state.step == "product":
            return tuple(Choice(p, p) for p in catalogue.products)
        if state.step == "topic":
            return tuple(Choice(topic.name, topic.topic_id) for topic in catalogue.topics_of(state.product))
        if state.step == "severity":
            return _severity_choices(catalogue, t)
        if state.step == "guard":
            return self._guard_choices(t)
        return ()

    def in_progress(self, dc: DialogContext) -> str:
        t = translator_of(dc.context)
        customer = self._load(dc).customer_name or t("escalation.a_customer")
        return t("escalation.in_progress", customer=customer)

    async def take_answer(self, dc: DialogContext, text: str) -> DialogTurnResult:
        state = self._load(dc)
        return await self._answer(dc, state, state.step, text, pressed=False)

    async def cancel_flow(self, dc: DialogContext) -> None:
        t = translator_of(dc.context)
        await dc.context.send_activity(text_reply(t("escalation.cancelled")))

    async def back(self, dc: DialogContext) -> DialogTurnResult:
        t = translator_of(dc.context)
        state = self._load(dc)
        if not state.answered:
            return await self._ask(dc, state, problem=t("escalation.first_question"))
        previous = state.answered.pop()
        state.forget(previous)
        return await self._ask(dc, state, step=previous)

    async def explain(self, dc: DialogContext) -> DialogTurnResult:
        state = self._load(dc)
        return await self._ask(dc, state, step=state.step, help_text=True)

    async def resume(self, dc: DialogContext, note: str = "") -> DialogTurnResult:
        state = self._load(dc)
        return await self._ask(dc, state, step=state.step, problem=note)

    # --- state -------------------------------------------------------------------------------------

    def _load(self, dc: DialogContext) -> EscalationState:
        return EscalationState.from_state(dc.active_dialog.state.get(_STATE))

    def _save(self, dc: DialogContext, state: EscalationState) -> None:
        dc.active_dialog.state[_STATE] = state.to_state()

    # --- asking ------------------------------------------------------------------------------------

    async def _ask(
        self,
        dc: DialogContext,
        state: EscalationState,
        step: str = "",
        problem: str = "",
        help_text: bool = False,
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        catalogue = await self._desk.support_catalogue()
        asked = step or state.missing()
        if asked != state.step:
            state.misses = 0
        if asked == "form":
            return await self._send_form(dc, state)
        state.step = asked
        if state.step == "guard":
            incident = await self._active_incident(state)
            if incident is None:
                state.guard_passed = True
                state.step = state.missing()
            else:
                self._save(dc, state)
                wording = t("escalation.guard_question", customer=state.customer_name)
                card = guard_card(state.key, "guard", state.customer_name, incident, wording, t)
                if problem or help_text:
                    await dc.context.send_activity(text_reply(problem or t("escalation.help_guard")))
                await dc.context.send_activity(card_reply(card))
                return Dialog.end_of_turn
        self._save(dc, state)
        if state.step == SUMMARY:
            card = self._summary(state, catalogue, t)
            if problem or help_text:
                await dc.context.send_activity(text_reply(problem or t("escalation.help_summary")))
        else:
            question = self._question(state, catalogue, problem, t)
            if help_text:
                extra = (t(f"escalation.help_{state.step}"), t("escalation.help_footer"))
                question = replace(question, details=extra + question.details)
            card = question_card(question, t)
        await dc.context.send_activity(card_reply(card))
        return Dialog.end_of_turn

    def _question(
        self, state: EscalationState, catalogue: SupportCatalogue, problem: str, t: Translator
    ) -> Question:
        step, limits = state.step, catalogue.limits
        details: tuple[str, ...] = ()
        choices: tuple[Choice, ...] = ()
        prompt = ""
        if step == "product":
            choices = tuple(Choice(p, p) for p in catalogue.products)
        elif step == "topic":
            prompt = t("escalation.ask_topic", product=state.product)
            choices = tuple(Choice(t.name, t.topic_id) for t in catalogue.topics_of(state.product))
        elif step == "severity":
            choices = _severity_choices(catalogue, t)
            details = tuple(
                t(
                    "escalation.severity_line",
                    label=t(f"severity.{s.severity.value}"),
                    meaning=t(f"severity_meaning.{s.severity.value}"),
                    first_response=t(f"severity_response.{s.severity.value}"),
                )
                for s in catalogue.severities
            )
        elif step in ("title", "description"):
            prompt = t(
                f"escalation.ask_{step}",
                limit=limits.title_max if step == "title" else limits.description_max,
            )
            suggestion = state.suggested_title if step == "title" else state.suggested_description
            if suggestion:
                details = (t("escalation.suggested", value=suggestion),)
        if step in FREE_TEXT_STEPS:
            choices = self._offered(state, t)
        prompt = prompt or t(f"escalation.ask_{step}")
        if state.misses >= MAX_MISSES:
            problem = f"{problem} {t('escalation.three_misses')}".strip()
        heading = (
            t("escalation.heading_for", customer=state.customer_name)
            if state.customer_name
            else t("escalation.heading")
        )
        return Question(
            key=state.key,
            step=step,
            heading=heading,
            # The guard's card is not a numbered question: counting it would jump from 1 to 3.
            progress=t("escalation.progress", number=len([s for s in state.answered if s != "guard"]) + 1),
            prompt=prompt,
            details=details,
            choices=choices,
            problem=problem,
            hint=t("escalation.hint_text")
            if step in FREE_TEXT_STEPS or step == "customer"
            else t("escalation.hint_choice"),
            can_go_back=bool(state.answered),
        )

    @staticmethod
    def _offered(state: EscalationState, t: Translator) -> tuple[Choice, ...]:
        """The choices a free-text question offers besides typing (a suggestion, the contact from Teams)."""
        step = state.step
        suggestion = {"title": state.suggested_title, "description": state.suggested_description}.get(step)
        if suggestion:
            return (Choice(t("escalation.use_suggestion"), "suggestion"),)
        if step == "contact" and state.suggested_name and state.suggested_email:
            label = t("escalation.contact_default", name=state.suggested_name, email=state.suggested_email)
            return (Choice(label, "keep"),)
        if step == "phone":
            return (Choice(t("escalation.skip"), "skip"),)
        return ()

    @staticmethod
    def _summary_choices(state: EscalationState, t: Translator) -> tuple[Choice, ...]:
        """The summary's buttons, as typed: 'submit', 'edit title' (never by number: a stray '1' must not
        file a request)."""
        edits = tuple(
            Choice(t("escalation_card.edit", field=t(f"escalation.field_{step}")), step)
            for step in STEPS
            if step != "guard"
        )
        return (Choice(t("escalation_card.submit"), "submit"), *edits)

    def _summary(self, state: EscalationState, catalogue: SupportCatalogue, t: Translator) -> AdaptiveCard:
        topic = catalogue.topic(state.topic_id)
        contact = f"{state.contact_name} · {state.contact_email}"
        values = {
            "customer": state.customer_name,
            "product": state.product,
            "topic": topic.name if topic else state.topic_id,
            "severity": t(f"severity.{state.severity}"),
            "title": state.title,
            "description": state.description
            if len(state.description) <= SUMMARY_PREVIEW
            else state.description[: SUMMARY_PREVIEW - 1] + "…",
            "contact": contact,
            "phone": state.phone,
        }
        summary_fields = [
            SummaryField(step, t(f"escalation.field_{step}"), value) for step, value in values.items()
        ]
        return summary_card(state.key, state.title, summary_fields, t)

    # --- answering ---------------------------------------------------------------------------------

    async def _answer(
        self, dc: DialogContext, state: EscalationState, step: str, text: str, pressed: bool
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        if step != state.step or step == "form":  # an earlier question's button, or text while a form is open
            return await self._ask(dc, state, step=state.step)
        if step == SUMMARY:
            return await self._answer_summary(dc, state, text)
        if not pressed and normalize(text) == normalize(t("escalation_card.use_form")):
            return await self._send_form(dc, state)
        catalogue = await self._desk.support_catalogue()
        if step in FREE_TEXT_STEPS and not pressed:
            picked = typed_choice(text, self._offered(state, t))
            text, pressed = (picked.value, True) if picked else (text, False)
        try:
            if step == "customer":
                if not await self._answer_customer(dc, state, text, record=True):
                    return Dialog.end_of_turn
                if not await self._apply_pending_incident(dc, state):
                    return await dc.end_dialog()
                return await self._ask(dc, state)
            if step == "guard":
                choice = self.guard_validator(text, t)
                if choice.value == "follow":
                    return await self._follow_incident(dc, state)
                state.guard_passed = True
            elif step == "product":
                state.product = self.product_validator(text, catalogue, t)
                state.topic_id = ""
                state.guard_passed = False
            elif step == "topic":
                state.topic_id = self.topic_validator(text, state.product, catalogue, t)
            elif step == "severity":
                state.severity = self.severity_validator(text, catalogue, t).value
            elif step == "title":
                suggestion = state.suggested_title if pressed and text == "suggestion" else ""
                state.title = self.title_validator(suggestion or text, catalogue, t)
            elif step == "description":
                suggestion = state.suggested_description if pressed and text == "suggestion" else ""
                state.description = self.description_validator(suggestion or text, catalogue, t)
            elif step == "contact":
                keep = pressed and text == "keep"
                typed = f"{state.suggested_name} {state.suggested_email}" if keep else text
                contact = self.contact_validator(typed, state.suggested_name, catalogue, t)
                state.contact_name, state.contact_email = contact.name, contact.email
            elif step == "phone":
                state.phone = "" if pressed and text == "skip" else self.phone_validator(text, catalogue, t)
                state.phone_answered = True
        except InvalidAnswer as error:
            state.misses += 1
            return await self._ask(dc, state, step=step, problem=error.reason)
        self._answered(state, step)
        return await self._ask(dc, state)

    async def _answer_summary(self, dc: DialogContext, state: EscalationState, text: str) -> DialogTurnResult:
        """'submit' or 'edit severity' typed at the summary, like its buttons."""
        t = translator_of(dc.context)
        if normalize(text).isdigit():
            return await self._ask(dc, state, problem=t("escalation.unknown_choice", value=text[:40]))
        try:
            choice = self._choice(t, text, self._summary_choices(state, t))
        except InvalidAnswer as error:
            return await self._ask(dc, state, problem=error.reason)
        if choice.value == "submit":
            return await self._submit(dc, state)
        return await self._edit(dc, state, choice.value)

    def _answered(self, state: EscalationState, step: str) -> None:
        state.misses = 0
        if step in state.answered:
            state.answered.remove(step)
        state.answered.append(step)

    async def _answer_customer(
        self, dc: DialogContext, state: EscalationState, text: str, record: bool
    ) -> bool:
        """True when the customer is known now; otherwise the question or choice card was sent."""
        t = translator_of(dc.context)
        state.step = "customer"
        if len(text) > MAX_NAME_LENGTH:
            state.misses += 1
            problem = t("escalation.too_long", length=len(text), limit=MAX_NAME_LENGTH)
            await self._ask(dc, state, step="customer", problem=problem)
            return False
        picked = await pick_customer(self._backend, text, lambda c: c.customer_id, "purpose.file_request", t)
        if isinstance(picked, Customer):
            state.customer_id, state.customer_name = picked.customer_id, picked.name
            state.guard_passed = False
            if record:
                self._answered(state, "customer")
            self._save(dc, state)
            return True
        state.misses += 1
        self._save(dc, state)
        if not text.strip():
            await self._ask(dc, state, step="customer", problem=t("escalation.empty"))
        else:
            await dc.context.send_activity(card_reply(picked))
        return False

    # --- validators: each returns the clean value or raises InvalidAnswer with the reason ----------

    @staticmethod
    def _choice(
        t: Translator, text: str, choices: tuple[Choice, ...], unknown: str = "escalation.unknown_choice"
    ) -> Choice:
        ambiguous = t("escalation.ambiguous_choice", value="{value}", matches="{matches}")
        return match_choice(text, choices, t(unknown, value="{value}"), ambiguous)

    @staticmethod
    def _guard_choices(t: Translator) -> tuple[Choice, ...]:
        return (
            Choice(t("escalation_card.file_anyway"), "file"),
            Choice(t("escalation_card.follow"), "follow"),
        )

    def guard_validator(self, text: str, t: Translator) -> Choice:
        return self._choice(t, text, self._guard_choices(t))

    def product_validator(self, text: str, catalogue: SupportCatalogue, t: Translator) -> str:
        return self._choice(t, text, tuple(Choice(p, p) for p in catalogue.products)).value

    def topic_validator(self, text: str, product: str, catalogue: SupportCatalogue, t: Translator) -> str:
        topics = tuple(Choice(topic.name, topic.topic_id) for topic in catalogue.topics_of(product))
        return self._choice(t, text, topics, unknown="escalation.unknown_topic").value

    def severity_validator(self, text: str, catalogue: SupportCatalogue, t: Translator) -> Severity:
        return Severity(self._choice(t, text, _severity_choices(catalogue, t)).value)

    @staticmethod
    def _text(t: Translator, text: str, limit: int) -> str:
        # Invisible characters don't count: a title of zero-width spaces is empty, and a right-to-left
        # override would reverse what follows on every card and in what Microsoft receives.
        clean = without_format_characters(text).strip()
        if not clean:
            raise InvalidAnswer(t("escalation.empty"))
        if len(clean) > limit:
            raise InvalidAnswer(t("escalation.too_long", length=len(clean), limit=limit))
        return clean

    def title_validator(self, text: str, catalogue: SupportCatalogue, t: Translator) -> str:
        return self._text(t, " ".join(text.split()), catalogue.limits.title_max)

    def description_validator(self, text: str, catalogue: SupportCatalogue, t: Translator) -> str:
        return self._text(t, text, catalogue.limits.description_max)

    def contact_validator(
        self, text: str, default_name: str, catalogue: SupportCatalogue, t: Translator
    ) -> Contact:
        clean = self._text(t, text, catalogue.limits.name_max + catalogue.limits.email_max + 3)
        name, _, last = clean.rpartition(" ")
        found = _EMAIL_WORD.match(last)
        email = found.group("email") if found else last
        name = name.strip(" ,;:-")
        if not _EMAIL.match(email) or len(email) > catalogue.limits.email_max:
            raise InvalidAnswer(t("escalation.bad_email", value=email))
        name = name or default_name or email.split("@", 1)[0]
        return Contact(self._text(t, name, catalogue.limits.name_max), email)

    def phone_validator(self, text: str, catalogue: SupportCatalogue, t: Translator) -> str:
        clean = text.strip()
        if clean.casefold() in SKIP_WORDS:
            return ""
        if not re.fullmatch(catalogue.limits.phone_pattern, clean):
            raise InvalidAnswer(t("escalation.bad_phone", value=clean[:40]))
        return clean

    # --- customer, incident and guard --------------------------------------------------------------

    async def _customer(self, state: EscalationState) -> Customer | None:
        customers = await self._backend.list_customers()
        return next((c for c in customers if c.customer_id == state.customer_id), None)

    async def _apply_pending_incident(self, dc: DialogContext, state: EscalationState) -> bool:
        """Fill in what the incident named at the start says; False (and why, sent) if it can't be found."""
        if not state.pending_incident:
            return True
        incident_id, state.pending_incident = state.pending_incident, ""
        try:
            lookup = await self._lookup(state, incident_id)
        except IncidentNotFound as error:
            wording = error_wording(error, translator_of(dc.context))
            await dc.context.send_activity(card_reply(notice_card(*wording)))
            return False
        self._apply_incident(state, lookup, translator_of(dc.context))
        catalogue = await self._desk.support_catalogue()
        self._suggest_product(state, catalogue)
        self._save(dc, state)
        return True

    async def _lookup(self, state: EscalationState, incident_id: str) -> IncidentLookup:
        return await find_incident(self._backend, incident_id, await self._customer(state))

    def _apply_incident(self, state: EscalationState, lookup: IncidentLookup, t: Translator) -> None:
        incident = lookup.incident
        if not state.customer_id and not lookup.also_affected:
            state.customer_id, state.customer_name = lookup.customer.customer_id, lookup.customer.name
        state.incident_id, state.service = incident.incident_id, incident.service
        latest = max(incident.posts, key=lambda p: p.created).text if incident.posts else "—"
        state.suggested_title = t("escalation.incident_title", id=incident.incident_id, title=incident.title)
        state.suggested_description = t(
            "escalation.incident_description",
            id=incident.incident_id,
            title=incident.title,
            impact=incident.impact or "—",
            start=t.timestamp(incident.start),
            post=latest[:1500],
        )
        # Microsoft's own text is sent back to Microsoft in the request: no bidi override reverses it.
        state.suggested_title = without_format_characters(state.suggested_title)
        state.suggested_description = without_format_characters(state.suggested_description)

    def _suggest_product(self, state: EscalationState, catalogue: SupportCatalogue) -> None:
        if not state.service:
            return
        products = tuple(Choice(p, p) for p in catalogue.products)
        try:
            state.product = match_choice(state.service, products, "", "").value
        except InvalidAnswer:
            pass  # no unique product for that service: the product question is asked

    async def _active_incident(self, state: EscalationState) -> Incident | None:
        """An active incident on the chosen product's service, unless the request is about one already."""
        customer = await self._customer(state)
        if state.incident_id or customer is None:
            return None
        try:
            health = await self._backend.tenant_health(customer)
        except SupportDeskError:
            return None
        active = [
            i
            for s in health.services
            if s.name.casefold() == state.product.casefold()
            for i in s.active_incidents
            if not i.is_advisory
        ]
        return max(active, key=lambda i: (i.status.level, i.start), default=None)

    async def _follow_incident(self, dc: DialogContext, state: EscalationState) -> DialogTurnResult:
        t = translator_of(dc.context)
        incident = await self._active_incident(state)
        customer = await self._customer(state)
        await dc.context.send_activity(text_reply(t("escalation.followed")))
        if incident is not None and customer is not None:
            lookup = IncidentLookup(incident, customer)
            await dc.context.send_activity(card_reply(incident_card(lookup, self._clock(), t)))
        return await dc.end_dialog()

    async def _edit(self, dc: DialogContext, state: EscalationState, step: str) -> DialogTurnResult:
        if step == "form":
            return await self._send_form(dc, state)
        if step not in STEPS or step == "guard" or state.missing() != SUMMARY:
            return await self._ask(dc, state, step=state.step)
        return await self._ask(dc, state, step=step)

    # --- the one-card form: the same fields, the same validators ---------------------------------------

    async def _send_form(
        self,
        dc: DialogContext,
        state: EscalationState,
        problems: tuple[str, ...] = (),
        typed: dict[str, str] | None = None,
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        catalogue = await self._desk.support_catalogue()
        limits = catalogue.limits
        values = typed or {
            "customer": state.customer_name,
            "topic": state.topic_id,
            "severity": state.severity,
            "title": state.title or state.suggested_title,
            "description": state.description or state.suggested_description,
            "contact_name": state.contact_name or state.suggested_name,
            "contact_email": state.contact_email or state.suggested_email,
            "phone": state.phone,
        }
        form = RequestForm(
            key=state.key,
            topics=tuple(Choice(f"{t.product} · {t.name}", t.topic_id) for t in catalogue.topics),
            severities=tuple(
                Choice(
                    f"{t(f'severity.{s.severity.value}')}: {t(f'severity_meaning.{s.severity.value}')}",
                    s.severity.value,
                )
                for s in catalogue.severities
            ),
            values=values,
            title_max=limits.title_max,
            description_max=limits.description_max,
            name_max=limits.name_max,
            email_max=limits.email_max,
            email_pattern=_EMAIL.pattern,
            phone_pattern=limits.phone_pattern,
            problems=problems,
        )
        state.step = "form"
        self._save(dc, state)
        await dc.context.send_activity(card_reply(request_form_card(form, t)))
        return Dialog.end_of_turn

    async def _apply_form(
        self, dc: DialogContext, state: EscalationState, form: EscalationForm
    ) -> DialogTurnResult:
        """Every field through its step's validator; all or nothing, with every reason at once."""
        t = translator_of(dc.context)
        catalogue = await self._desk.support_catalogue()
        problems: list[str] = []

        def check(label: str, validate: Callable[[], object]) -> Any:
            try:
                return validate()
            except InvalidAnswer as error:
                problems.append(f"{t(label)}: {error.reason}")
                return None

        customer = await known_customer(self._backend, form.customer)
        if customer is None:
            problems.append(f"{t('escalation.field_customer')}: {t('escalation.unknown_customer')}")
        topic = catalogue.topic(form.topic)
        if topic is None:
            problems.append(f"{t('escalation.field_topic')}: {t('escalation.unknown_topic')}")
        severity = check(
            "escalation.field_severity", lambda: self.severity_validator(form.severity, catalogue, t)
        )
        title = check("escalation.field_title", lambda: self.title_validator(form.title, catalogue, t))
        description = check(
            "escalation.field_description", lambda: self.description_validator(form.description, catalogue, t)
        )
        email_text = f"{form.contact_name} {form.contact_email}".strip()
        contact = check(
            "escalation.field_contact", lambda: self.contact_validator(email_text, "", catalogue, t)
        )
        phone = check(
            "escalation.field_phone", lambda: self.phone_validator(form.phone or "skip", catalogue, t)
        )
        if problems or customer is None or topic is None:
            typed = form.model_dump(exclude={"action", "key"})
            return await self._send_form(
                dc, state, tuple(problems), {k: str(v)[:20_000] for k, v in typed.items()}
            )
        if (customer.customer_id, topic.product) != (state.customer_id, state.product):
            state.guard_passed = False
        state.customer_id, state.customer_name = customer.customer_id, customer.name
        state.product, state.topic_id, state.severity = topic.product, topic.topic_id, severity.value
        state.title, state.description, state.phone, state.phone_answered = title, description, phone, True
        state.contact_name, state.contact_email = contact.name, contact.email
        state.answered = [step for step in STEPS if step != "guard"]
        return await self._ask(dc, state)

    # --- filing ------------------------------------------------------------------------------------

    async def _draft(self, state: EscalationState, t: Translator) -> RequestDraft | None:
        """The request, every value checked again against the directory and the catalogue."""
        catalogue = await self._desk.support_catalogue()
        customer = await self._customer(state)
        topic = catalogue.topic(state.topic_id)
        try:
            severity = Severity(state.severity)
            contact = self.contact_validator(f"{state.contact_name} {state.contact_email}", "", catalogue, t)
            phone = self.phone_validator(state.phone, catalogue, t) if state.phone else ""
            title = self.title_validator(state.title, catalogue, t)
            description = self.description_validator(state.description, catalogue, t)
        except (ValueError, InvalidAnswer):
            return None
        if customer is None or topic is None or topic.product != state.product:
            return None
        return RequestDraft(
            customer=customer,
            topic=topic,
            severity=severity,
            title=title,
            description=description,
            contact=Contact(contact.name, contact.email, phone),
            incident_id=state.incident_id,
        )

    async def _submit(self, dc: DialogContext, state: EscalationState) -> DialogTurnResult:
        t = translator_of(dc.context)
        if state.missing() != SUMMARY:
            return await self._ask(dc, state)
        draft = await self._draft(state, t)
        if draft is None:
            return await self._ask(dc, state, step=state.step, problem=t("escalation.unknown_topic"))
        person = dc.context.activity.from_property
        try:
            filing = await self._desk.file_request(draft, state.key, person.name if person else "")
        except UpstreamUnavailable:
            reference = uuid.uuid4().hex[:8]
            logger.warning("filing failed key=%s reference=%s", state.key[:8], reference)
            failed = notice_card(
                t("escalation.filing_failed_title"),
                t("escalation.filing_failed"),
                [
                    escalation_submit(t("escalation_card.try_again"), state.key),
                    run_command(t("escalation_card.cancel"), "cancel"),
                ],
                reference=reference,
            )
            await dc.context.send_activity(card_reply(failed))
            return Dialog.end_of_turn
        except SupportDeskError as error:
            # Refused (no support plan or role, throttled, no subscription set): say why; the same
            # request can be tried again once that is fixed.
            logger.warning("filing refused key=%s error=%s", state.key[:8], type(error).__name__)
            refused = notice_card(
                *error_wording(error, t),
                [
                    escalation_submit(t("escalation_card.try_again"), state.key),
                    run_command(t("escalation_card.cancel"), "cancel"),
                ],
            )
            await dc.context.send_activity(card_reply(refused))
            return Dialog.end_of_turn
        logger.info("filed number=%s already=%s", filing.request.number, filing.already_filed)
        if not filing.already_filed:
            detail = f"{filing.request.number} for {draft.customer.customer_id}"
            await self._audit.record(audit_entry(dc.context.activity, "request.filed", detail, self._clock()))
        await dc.context.send_activity(card_reply(receipt_card(filing.request, t, handoff=filing.handoff)))
        return await dc.end_dialog(filing.request.number)

    async def _answer_foreign_card(self, dc: DialogContext, value: object) -> None:
        """A card of a dialog that isn't this person's current one: finished, cancelled, or someone else's."""
        t = translator_of(dc.context)
        try:
            submission = parse_submission(value)
        except InvalidSubmission as error:
            await dc.context.send_activity(
                card_reply(notice_card(t("escalation.heading"), t(error.message_id)))
            )
            return
        if isinstance(submission, EscalationSubmit):
            filed = await self._desk.filed_with_key(submission.key)
            if filed is not None:
                headline = t("escalation.already_filed", number=filed.number)
                await dc.context.send_activity(card_reply(receipt_card(filed, t, headline)))
                return
        await dc.context.send_activity(text_reply(t("escalation.stale_card")))
