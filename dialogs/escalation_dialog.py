"""`escalate [for <customer>] [about <incident id>]`: a guided dialog that files a service request once.

One question per turn, skipping what is already known. Answers are validated against the directory and
the support catalogue the desk provides, as typed text or as pressed buttons alike, since card data can
be tampered with. The dialog's state is one flat dataclass, stored as a plain dict, with the request's
idempotency key: however often Submit arrives (a double click, an older card, a retry, a restart in
between), the desk files one request for the key.

Built on the guided-flow base (dialogs/guided_flow.py: state, back, help, resume, cancel, card routing);
its state, validators and one-card form are in the escalation_* modules beside this one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult
from microsoft_teams.cards import AdaptiveCard

from cards.actions import FlowAction, FlowSubmit, InvalidSubmission, flow_submit, run_command
from cards.azure import azure_event_card
from cards.escalation import (
    FLOW,
    Choice,
    Question,
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
from dialogs import escalation_validators as validators
from dialogs.audit_records import audit_entry
from dialogs.choices import InvalidAnswer, match_choice, normalize, typed_choice
from dialogs.customer_choice import MAX_NAME_LENGTH, pick_customer
from dialogs.escalation_form import RefusedForm, read_form, request_form
from dialogs.escalation_state import FREE_TEXT_STEPS, STEPS, SUMMARY, EscalationState, split_argument
from dialogs.escalation_validators import guard_choices, offered_products, severity_choices
from dialogs.guided_flow import MAX_MISSES, GuidedFlowDialog
from dialogs.language import error_wording, translator_of
from dialogs.replies import card_reply, error_reply, text_reply
from dialogs.requests import CommandRequest
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.access import Need
from services.domain.azure_events import active_issue_for, looks_like_tracking_id, support_products_for
from services.domain.errors import IncidentNotFound, SupportDeskError, UpstreamUnavailable
from services.domain.incidents import find_azure_event, find_incident
from services.domain.models import (
    AzureEvent,
    AzureEventLookup,
    Contact,
    Customer,
    Incident,
    IncidentLookup,
    RequestDraft,
    Severity,
    SupportCatalogue,
)
from services.domain.ports import AuditTrail, Backend, ServiceRequestDesk

logger = logging.getLogger("bot.escalation")

# Its dialog id, kept in people's dialog state and named by its cards (bot/turn/commands.py registers it).
ESCALATION = "escalation"
SUMMARY_PREVIEW = 300
ContactSource = Callable[[TurnContext], Awaitable[Contact]]


class EscalationDialog(GuidedFlowDialog[EscalationState]):
    """The escalation on the guided-flow base: its steps, summary, form and filing."""

    state_type = EscalationState
    free_text_steps = FREE_TEXT_STEPS
    summary_fields = tuple(step for step in STEPS if step != "guard")
    field_name_prefix = "escalation.field_"
    heading_id = "escalation.heading"
    cancelled_id = "escalation.cancelled"
    first_question_id = "escalation.first_question"
    guard_validator = staticmethod(validators.guard_validator)
    product_validator = staticmethod(validators.product_validator)
    topic_validator = staticmethod(validators.topic_validator)
    severity_validator = staticmethod(validators.severity_validator)
    title_validator = staticmethod(validators.title_validator)
    description_validator = staticmethod(validators.description_validator)
    contact_validator = staticmethod(validators.contact_validator)
    phone_validator = staticmethod(validators.phone_validator)

    def __init__(
        self,
        backend: Backend,
        desk: ServiceRequestDesk,
        clock: Callable[[], datetime],
        contact_source: ContactSource,
        audit: AuditTrail,
        scope: CustomerScope | None = None,
    ) -> None:
        """`scope`: the person's reach (the turn's person unless given: never unchecked)."""
        super().__init__(ESCALATION)
        self._scope = scope or CustomerScope(clock)
        self._audit = audit
        self._backend = backend
        self._desk = desk
        self._clock = clock
        self._contact_source = contact_source

    # --- the dialog's life -------------------------------------------------------------------------

    async def start(self, dc: DialogContext, request: CommandRequest) -> DialogTurnResult:
        person = dc.context.activity.from_property
        state = EscalationState(key=uuid.uuid4().hex, owner_id=person.id if person else "")
        contact = await self._contact_source(dc.context)
        state.suggested_name, state.suggested_email = contact.name, contact.email
        customer_text, incident_id, service = split_argument(request.argument)
        state.service, state.pending_incident = service, incident_id
        self.save(dc, state)
        if customer_text:
            answered = await self._answer_customer(dc, state, customer_text, record=False)
            if not answered:
                return Dialog.end_of_turn
        if not await self._apply_pending_incident(dc, state) or await self._refused(dc, state):
            return await dc.end_dialog()
        catalogue = await self._desk.support_catalogue()
        await self._suggest_product(state, catalogue)
        return await self.ask(dc, state)

    # --- interruptions (called by the root dialog) -------------------------------------------------

    def resume_text(self, dc: DialogContext, state: EscalationState) -> str:
        t = translator_of(dc.context)
        return t("escalation.resume_offer", customer=state.customer_name or t("escalation.a_customer"))

    async def offers(self, dc: DialogContext, text: str) -> bool:
        t = translator_of(dc.context)
        state = self.load(dc)
        if normalize(text) == normalize(t("escalation_card.use_form")):
            return True
        if state.step in FREE_TEXT_STEPS:
            return typed_choice(text, self._offered(state, t)) is not None
        if state.step == SUMMARY:
            choices = self.summary_choices(t)
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
            return tuple(Choice(p, p) for p in offered_products(state.service, state.azure, catalogue))
        if state.step == "topic":
            return tuple(Choice(topic.name, topic.topic_id) for topic in catalogue.topics_of(state.product))
        if state.step == "severity":
            return severity_choices(catalogue, t)
        if state.step == "guard":
            return guard_choices(t)
        return ()

    def in_progress(self, dc: DialogContext) -> str:
        t = translator_of(dc.context)
        customer = self.load(dc).customer_name or t("escalation.a_customer")
        return t("escalation.in_progress", customer=customer)

    # --- asking ------------------------------------------------------------------------------------

    async def ask(
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
                self.save(dc, state)
                wording = t("escalation.guard_question", customer=state.customer_name)
                card = guard_card(state.key, "guard", state.customer_name, incident, wording, t)
                if problem or help_text:
                    await dc.context.send_activity(text_reply(problem or t("escalation.help_guard")))
                await dc.context.send_activity(card_reply(card))
                return Dialog.end_of_turn
        self.save(dc, state)
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
            choices = tuple(Choice(p, p) for p in offered_products(state.service, state.azure, catalogue))
            if state.azure:
                prompt = t("escalation.ask_azure_product", service=state.service)
        elif step == "topic":
            prompt = t("escalation.ask_topic", product=state.product)
            choices = tuple(Choice(t.name, t.topic_id) for t in catalogue.topics_of(state.product))
        elif step == "severity":
            choices = severity_choices(catalogue, t)
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

    async def answer(
        self, dc: DialogContext, state: EscalationState, step: str, text: str, pressed: bool
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        if step != state.step or step == "form":  # an earlier question's button, or text while a form is open
            return await self.ask(dc, state, step=state.step)
        if step == SUMMARY:
            return await self.answer_summary(dc, state, text)
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
                if not await self._apply_pending_incident(dc, state) or await self._refused(dc, state):
                    return await dc.end_dialog()
                return await self.ask(dc, state)
            if step == "guard":
                choice = self.guard_validator(text, t)
                if choice.value == "follow":
                    return await self._follow_incident(dc, state)
                state.guard_passed = True
            elif step == "product":
                products = offered_products(state.service, state.azure, catalogue)
                state.product = self.product_validator(text, products, t)
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
            return await self.ask(dc, state, step=step, problem=error.reason)
        state.answer_taken(step)
        return await self.ask(dc, state)

    async def _answer_customer(
        self, dc: DialogContext, state: EscalationState, text: str, record: bool
    ) -> bool:
        """True when the customer is known now; otherwise the question or choice card was sent."""
        t = translator_of(dc.context)
        state.step = "customer"
        if len(text) > MAX_NAME_LENGTH:
            state.misses += 1
            problem = t("escalation.too_long", length=len(text), limit=MAX_NAME_LENGTH)
            await self.ask(dc, state, step="customer", problem=problem)
            return False
        picked = await pick_customer(self._backend, text, lambda c: c.customer_id, "purpose.file_request", t)
        if isinstance(picked, Customer):
            state.customer_id, state.customer_name = picked.customer_id, picked.name
            state.guard_passed = False
            if record:
                state.answer_taken("customer")
            self.save(dc, state)
            return True
        state.misses += 1
        self.save(dc, state)
        if not text.strip():
            await self.ask(dc, state, step="customer", problem=t("escalation.empty"))
        else:
            await dc.context.send_activity(card_reply(picked))
        return False

    # --- customer, incident and guard --------------------------------------------------------------

    async def _refused(self, dc: DialogContext, state: EscalationState) -> bool:
        """Whether the person may not file for the customer chosen, and was told why: before the next
        question, so nobody answers five questions to be refused at Submit."""
        customer = await self._customer(state)
        if customer is None:
            return False
        try:
            self._scope.require(customer, Need.FILE)
        except SupportDeskError as error:
            await dc.context.send_activity(error_reply(error, translator_of(dc.context)))
            return True
        return False

    async def _customer(self, state: EscalationState) -> Customer | None:
        customers = await self._backend.list_customers()
        return next((c for c in customers if c.customer_id == state.customer_id), None)

    async def _apply_pending_incident(self, dc: DialogContext, state: EscalationState) -> bool:
        """Fill in what the incident named at the start says; False (and why, sent) if it can't be found."""
        if not state.pending_incident:
            return True
        incident_id, state.pending_incident = state.pending_incident, ""
        try:
            if looks_like_tracking_id(incident_id):
                self._apply_azure_event(state, await self._azure_lookup(state, incident_id))
            else:
                self._apply_incident(state, await self._lookup(state, incident_id), translator_of(dc.context))
        except IncidentNotFound as error:  # an Azure event's names Azure's list ('incidents <c> azure')
            wording = error_wording(error, translator_of(dc.context))
            await dc.context.send_activity(card_reply(notice_card(*wording)))
            return False
        catalogue = await self._desk.support_catalogue()
        await self._suggest_product(state, catalogue)
        self.save(dc, state)
        return True

    async def _lookup(self, state: EscalationState, incident_id: str) -> IncidentLookup:
        return await find_incident(self._backend, incident_id, await self._customer(state))

    async def _azure_lookup(self, state: EscalationState, tracking_id: str) -> AzureEventLookup:
        return await find_azure_event(self._backend, tracking_id, await self._customer(state))

    @staticmethod
    def _apply_azure_event(state: EscalationState, lookup: AzureEventLookup) -> None:
        """What the Azure event card's button fills in (cards/azure.py): its customer, when it affects
        only one, and its Azure service, whose Azure Support product is then chosen or asked among. Of
        several, the one chosen next is looked in again (an event that isn't theirs is said so)."""
        if not state.customer_id:
            if lookup.also_affected:
                state.pending_incident = lookup.event.tracking_id
            else:
                state.customer_id, state.customer_name = lookup.customer.customer_id, lookup.customer.name
        if lookup.event.services and not state.service:
            state.service = lookup.event.services[0]

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

    async def _suggest_product(self, state: EscalationState, catalogue: SupportCatalogue) -> None:
        """The product the service named at the start means, when one does; an Azure service (one Azure
        Support's products are named for, or one of the customer's Azure events names) with no one product
        has the product question offer Azure's products only."""
        if not state.service:
            return
        products = tuple(Choice(p, p) for p in catalogue.products)
        try:
            state.product = match_choice(state.service, products, "", "").value
            return
        except InvalidAnswer:
            pass  # no unique product by its name: perhaps an Azure service's
        if not catalogue.azure_products:
            return
        azure = support_products_for(state.service, catalogue.azure_products)
        state.azure = bool(azure) or await self._names_azure_service(state)
        if len(azure) == 1:
            state.product = azure[0]

    async def _names_azure_service(self, state: EscalationState) -> bool:
        customer = await self._customer(state)
        if customer is None:
            return False
        try:
            health = await self._backend.azure_health(customer)
        except SupportDeskError:
            return False
        wanted = normalize(state.service)
        return any(normalize(s) == wanted for e in health.events for s in e.services)

    async def _active_incident(self, state: EscalationState) -> Incident | AzureEvent | None:
        """An active incident on the chosen product's service, unless the request is about one already:
        Microsoft 365's, else an Azure service issue on that Azure service in the customer's subscriptions
        (ARM lists a subscription only the events that reach it, so their regions are the customer's)."""
        customer = await self._customer(state)
        if state.incident_id or customer is None:
            return None
        return await self._microsoft_365_incident(customer, state.product) or await self._azure_issue(
            customer, state.product
        )

    async def _microsoft_365_incident(self, customer: Customer, product: str) -> Incident | None:
        try:
            health = await self._backend.tenant_health(customer)
        except SupportDeskError:
            return None
        active = [
            i
            for s in health.services
            if s.name.casefold() == product.casefold()
            for i in s.active_incidents
            if not i.is_advisory
        ]
        return max(active, key=lambda i: (i.status.level, i.start), default=None)

    async def _azure_issue(self, customer: Customer, product: str) -> AzureEvent | None:
        try:
            azure = await self._backend.azure_health(customer)
        except SupportDeskError:
            return None
        return active_issue_for(azure, product)

    async def _follow_incident(self, dc: DialogContext, state: EscalationState) -> DialogTurnResult:
        t = translator_of(dc.context)
        incident = await self._active_incident(state)
        customer = await self._customer(state)
        await dc.context.send_activity(text_reply(t("escalation.followed")))
        if customer is None or incident is None:
            return await dc.end_dialog()
        may_file = self._scope.may(customer, Need.FILE)
        if isinstance(incident, AzureEvent):
            event = AzureEventLookup(incident, customer)
            followed = azure_event_card(event, self._clock(), t, may_file=may_file)
        else:
            followed = incident_card(IncidentLookup(incident, customer), self._clock(), t, may_file=may_file)
        await dc.context.send_activity(card_reply(followed))
        return await dc.end_dialog()

    async def edit(self, dc: DialogContext, state: EscalationState, step: str) -> DialogTurnResult:
        if step == "form":
            return await self._send_form(dc, state)
        if step not in STEPS or step == "guard" or state.missing() != SUMMARY:
            return await self.ask(dc, state, step=state.step)
        return await self.ask(dc, state, step=step)

    # --- the one-card form: the same fields, the same validators -----------------------------------

    async def _send_form(
        self,
        dc: DialogContext,
        state: EscalationState,
        problems: tuple[str, ...] = (),
        typed: dict[str, str] | None = None,
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        form = request_form(state, await self._desk.support_catalogue(), t, problems, typed)
        state.step = "form"
        self.save(dc, state)
        await dc.context.send_activity(card_reply(request_form_card(form, t)))
        return Dialog.end_of_turn

    async def form(
        self, dc: DialogContext, state: EscalationState, values: dict[str, str]
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        catalogue = await self._desk.support_catalogue()
        try:
            filled = await read_form(values, self._backend, catalogue, t)
        except InvalidSubmission as error:
            await dc.context.send_activity(card_reply(notice_card(t(self.heading_id), t(error.message_id))))
            return Dialog.end_of_turn
        if isinstance(filled, RefusedForm):
            return await self._send_form(dc, state, filled.problems, filled.typed)
        customer, topic = filled.customer, filled.topic
        if (customer.customer_id, topic.product) != (state.customer_id, state.product):
            state.guard_passed = False
        state.customer_id, state.customer_name = customer.customer_id, customer.name
        state.product, state.topic_id, state.severity = topic.product, topic.topic_id, filled.severity.value
        state.title, state.description = filled.title, filled.description
        state.phone, state.phone_answered = filled.phone, True
        state.contact_name, state.contact_email = filled.contact.name, filled.contact.email
        state.answered = [step for step in STEPS if step != "guard"]
        if await self._refused(dc, state):
            return await dc.end_dialog()
        return await self.ask(dc, state)

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

    async def submit(self, dc: DialogContext, state: EscalationState) -> DialogTurnResult:
        t = translator_of(dc.context)
        if state.missing() != SUMMARY:
            return await self.ask(dc, state)
        draft = await self._draft(state, t)
        if draft is None:
            return await self.ask(dc, state, step=state.step, problem=t("escalation.unknown_topic"))
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
                    flow_submit(FLOW, t("escalation_card.try_again"), state.key),
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
                    flow_submit(FLOW, t("escalation_card.try_again"), state.key),
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

    async def foreign_card(self, dc: DialogContext, submission: FlowAction) -> None:
        """A card of a dialog that isn't this person's current one: finished, cancelled, or someone else's."""
        t = translator_of(dc.context)
        if isinstance(submission, FlowSubmit):
            filed = await self._desk.filed_with_key(submission.key)
            if filed is not None:
                headline = t("escalation.already_filed", number=filed.number)
                await dc.context.send_activity(card_reply(receipt_card(filed, t, headline)))
                return
        await dc.context.send_activity(text_reply(t("escalation.stale_card")))
