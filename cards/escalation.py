"""Cards of a guided escalation: one question per card, the escalation guard, the summary, the receipt.

The dialog decides what to ask; these functions only lay it out, every label in the reader's language
(`escalation_card.*` in the catalogues).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    ChoiceSetInput,
    Column,
    ColumnSet,
    Fact,
    FactSet,
    OpenUrlAction,
    TextBlock,
    TextInput,
)
from microsoft_teams.cards import (
    Choice as InputChoice,
)
from microsoft_teams.cards.core import TextColor
from pydantic import BaseModel, ConfigDict, Field

from cards.actions import (
    MAX_COMMAND_LENGTH,
    flow_answer,
    flow_edit,
    flow_form,
    flow_submit,
    request_command,
    requests_page,
    run_command,
)
from cards.charts import requests_chart
from cards.parts import STATUS_COLOURS, card, echo, heading, plain, safe, status_label, subtle
from locales.translator import Translator
from services.domain.models import (
    AzureEvent,
    Handoff,
    Incident,
    OpenRequestCounts,
    RequestStatus,
    ServiceRequest,
)

# The flow id the escalation's buttons carry (the escalation dialog's id).
FLOW = "escalation"
# The verbs its buttons carried before flows were scoped; buttons with them are still in chats.
ESCALATION_ANSWER = "escalation.answer"
ESCALATION_EDIT = "escalation.edit"
ESCALATION_SUBMIT = "escalation.submit"
ESCALATION_FORM = "escalation.form"

STATUS_COLOURS_OF_REQUESTS: dict[RequestStatus, TextColor] = {
    RequestStatus.AWAITING_NUMBER: "Warning",
    RequestStatus.OPEN: "Accent",
    RequestStatus.MICROSOFT_RESPONDED: "Accent",
    RequestStatus.ATTENTION_NEEDED: "Attention",
    RequestStatus.CLOSED: "Good",
}


@dataclass(frozen=True)
class Choice:
    title: str
    value: str


@dataclass(frozen=True)
class Question:
    """One step as a card: what is asked, the buttons that answer it, why the last answer failed."""

    key: str
    step: str
    heading: str
    progress: str
    prompt: str
    details: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    problem: str = ""
    hint: str = ""
    can_go_back: bool = True
    # The guided flow asking (its buttons name it), and whether it has a one-card form to offer.
    flow: str = FLOW
    offers_form: bool = True


@dataclass(frozen=True)
class SummaryField:
    step: str
    label: str
    value: str
    # False for an answer the flow settles itself (set-up's owners with every customer): no Edit button.
    editable: bool = True


def question_card(question: Question, t: Translator) -> AdaptiveCard:
    body: list[CardElement] = [heading(question.heading), subtle(question.progress)]
    if question.problem:
        body.append(TextBlock(text=safe(question.problem), color="Attention", weight="Bolder", wrap=True))
    body.append(TextBlock(text=safe(question.prompt), weight="Bolder", wrap=True, spacing="Medium"))
    body += [plain(line, spacing="Small") for line in question.details]
    if question.choices:
        body.append(
            ActionSet(
                actions=[
                    flow_answer(question.flow, f"{n}. {c.title}", question.key, question.step, c.value)
                    for n, c in enumerate(question.choices, 1)
                ]
            )
        )
    if question.hint:
        body.append(plain(question.hint, is_subtle=True, spacing="Medium"))
    actions = [run_command(t("escalation_card.back"), "back")] if question.can_go_back else []
    actions.append(run_command(t("escalation_card.cancel"), "cancel"))
    if question.offers_form:
        actions.append(flow_edit(question.flow, t("escalation_card.use_form"), question.key, "form"))
    return card(body, actions, fallback=f"{question.heading}: {question.prompt}")


class EscalationForm(BaseModel):
    """What the one-card form sends: every field as typed. Values are validated again by the dialog,
    like answers; these bounds only refuse what no field of the card could hold."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    customer: Annotated[str, Field(max_length=MAX_COMMAND_LENGTH)] = ""
    # Azure problem classification ids are resource ids of about 140 characters.
    topic: Annotated[str, Field(max_length=MAX_COMMAND_LENGTH)] = ""
    severity: Annotated[str, Field(max_length=40)] = ""
    title: Annotated[str, Field(max_length=10_000)] = ""
    description: Annotated[str, Field(max_length=100_000)] = ""
    contact_name: Annotated[str, Field(max_length=10_000)] = ""
    contact_email: Annotated[str, Field(max_length=10_000)] = ""
    phone: Annotated[str, Field(max_length=10_000)] = ""


@dataclass(frozen=True)
class RequestForm:
    """The whole request as one form, pre-filled with what is known; limits come from the catalogue."""

    key: str
    topics: tuple[Choice, ...]
    severities: tuple[Choice, ...]
    values: dict[str, str]
    title_max: int
    description_max: int
    name_max: int
    email_max: int
    email_pattern: str
    phone_pattern: str
    problems: tuple[str, ...] = ()


# A refused form comes back with what was typed; each value no longer than its field takes, so no
# submission (Teams' maxLength is the client's promise, not ours) can grow the card.
_CUSTOMER_MAX = 300
_PHONE_MAX = 40
# A reason quotes what was typed at most this long.
_PROBLEM_MAX = 300


def _typed(form: RequestForm, field: str, limit: int) -> str:
    return form.values.get(field, "")[:limit]


def _text_input(
    form: RequestForm,
    field: str,
    label: str,
    limit: int,
    t: Translator,
    required: bool = True,
    **extra: object,
) -> TextInput:
    error = t("escalation_card.form_too_long", label=label, limit=limit)
    if required:
        error = t("escalation_card.form_required", label=label) + " " + error
    return TextInput(
        id=field,
        label=label,
        value=_typed(form, field, limit),
        max_length=limit,
        is_required=required,
        error_message=error,
        **extra,
    )


def request_form_card(form: RequestForm, t: Translator) -> AdaptiveCard:
    def choices(options: tuple[Choice, ...]) -> list[InputChoice]:
        return [InputChoice(title=c.title, value=c.value) for c in options]

    body: list[CardElement] = [
        heading(t("escalation_card.form_title")),
        subtle(t("escalation_card.form_hint")),
    ]
    if form.problems:
        body.append(
            TextBlock(text=t("escalation_card.form_problems"), color="Attention", weight="Bolder", wrap=True)
        )
        body += [
            TextBlock(text=safe(echo(p, _PROBLEM_MAX)), color="Attention", wrap=True, spacing="None")
            for p in form.problems
        ]
    body += [
        _text_input(form, "customer", t("escalation_card.form_customer"), _CUSTOMER_MAX, t),
        ChoiceSetInput(
            id="topic",
            label=t("escalation_card.form_topic"),
            choices=choices(form.topics),
            value=_typed(form, "topic", _CUSTOMER_MAX) or None,
            style="compact",
            is_required=True,
            error_message=t("escalation_card.form_required", label=t("escalation_card.form_topic")),
        ),
        ChoiceSetInput(
            id="severity",
            label=t("escalation_card.form_severity"),
            choices=choices(form.severities),
            value=_typed(form, "severity", _CUSTOMER_MAX) or None,
            style="expanded",
            is_required=True,
            error_message=t("escalation_card.form_required", label=t("escalation_card.form_severity")),
        ),
        _text_input(form, "title", t("escalation_card.form_title_field"), form.title_max, t),
        _text_input(
            form,
            "description",
            t("escalation_card.form_description"),
            form.description_max,
            t,
            is_multiline=True,
        ),
        _text_input(form, "contact_name", t("escalation_card.form_contact_name"), form.name_max, t),
        TextInput(
            id="contact_email",
            label=t("escalation_card.form_contact_email"),
            value=_typed(form, "contact_email", form.email_max),
            max_length=form.email_max,
            is_required=True,
            style="Email",
            regex=form.email_pattern,
            error_message=t("escalation_card.form_bad_email"),
        ),
        TextInput(
            id="phone",
            label=t("escalation_card.form_phone"),
            value=_typed(form, "phone", _PHONE_MAX),
            max_length=_PHONE_MAX,
            style="Tel",
            regex=f"^(?:{form.phone_pattern})?$",
            error_message=t("escalation_card.form_bad_phone"),
        ),
    ]
    submit = flow_form(FLOW, t("escalation_card.submit"), form.key)
    return card(
        body,
        [submit, run_command(t("escalation_card.cancel"), "cancel")],
        fallback=t("escalation_card.form_title"),
    )


def guard_card(
    key: str, step: str, customer_name: str, incident: Incident | AzureEvent, question: str, t: Translator
) -> AdaptiveCard:
    """Before filing: the active Microsoft 365 incident, or Azure service issue, on what is being filed."""
    if isinstance(incident, AzureEvent):
        ident, colour = incident.tracking_id, "Attention"
        line = f"{ident} · {', '.join(incident.services)} · {', '.join(incident.regions) or '—'}"
        started = incident.start or incident.last_updated
    else:
        ident, colour = incident.incident_id, STATUS_COLOURS[incident.status.level]
        line = f"{ident} · {incident.service} · {status_label(incident.status, t)}"
        started = incident.start
    when = t.timestamp(started) if started else "—"
    body: list[CardElement] = [
        heading(t("escalation_card.guard_title")),
        TextBlock(text=safe(line), color=colour, weight="Bolder", wrap=True),
        plain(incident.title, spacing="Small"),
        subtle(t("escalation_card.guard_started", customer=customer_name, when=when)),
        plain(question, spacing="Medium"),
    ]
    actions = [
        flow_answer(FLOW, t("escalation_card.file_anyway"), key, step, "file"),
        flow_answer(FLOW, t("escalation_card.follow"), key, step, "follow"),
        run_command(t("escalation_card.cancel"), "cancel"),
    ]
    return card(body, actions, fallback=f"{ident}: {t('escalation_card.guard_title')}")


def summary_card(
    key: str,
    title: str,
    fields: Sequence[SummaryField],
    t: Translator,
    flow: str = FLOW,
    heading_text: str = "",
    hint: str = "",
    submit_text: str = "",
) -> AdaptiveCard:
    """Every answer with an Edit button (unless it isn't `editable`), then Submit: `heading_text`, `hint`
    and `submit_text` default to the escalation's words."""
    heading_text = heading_text or t("escalation_card.summary_title")
    body: list[CardElement] = [heading(heading_text), subtle(title)]
    for field in fields:
        columns = [
            Column(
                width="stretch",
                items=[
                    TextBlock(text=safe(field.label), weight="Bolder", wrap=True),
                    plain(field.value or "—", spacing="None"),
                ],
            )
        ]
        if field.editable:
            edit = flow_edit(flow, t("escalation_card.edit", field=field.label), key, field.step)
            columns.append(
                Column(width="auto", vertical_content_alignment="Center", items=[ActionSet(actions=[edit])])
            )
        body.append(ColumnSet(separator=True, columns=columns))
    body.append(plain(hint or t("escalation_card.summary_hint"), is_subtle=True, spacing="Medium"))
    actions = [
        flow_submit(flow, submit_text or t("escalation_card.submit"), key),
        run_command(t("escalation_card.cancel"), "cancel"),
    ]
    return card(body, actions, fallback=f"{heading_text}: {title}")


def _contact(request: ServiceRequest) -> str:
    contact = request.contact
    return " · ".join(p for p in (contact.name, contact.email, contact.phone) if p)


def receipt_card(
    request: ServiceRequest, t: Translator, headline: str = "", handoff: Handoff | None = None
) -> AdaptiveCard:
    if handoff is not None and request.status is RequestStatus.AWAITING_NUMBER:
        return handoff_card(request, handoff, t, headline)
    facts = [
        (t("escalation_card.number"), request.number),
        (t("escalation_card.status"), t(f"request_status.{request.status.value}")),
        (t("request.fact_severity"), t(f"severity.{request.severity.value}")),
        (t("request.fact_customer"), request.customer_name),
        (t("request.fact_topic"), f"{request.topic.product} · {request.topic.name}"),
        (t("request.fact_contact"), _contact(request)),
        (t("request.fact_created"), t.timestamp(request.created)),
    ]
    if request.incident_id:
        facts.append((t("request.fact_incident"), request.incident_id))
    body: list[CardElement] = [
        heading(headline or t("escalation_card.receipt_title")),
        plain(request.title, weight="Bolder"),
    ]
    body.append(FactSet(facts=[Fact(title=t, value=safe(v)) for t, v in facts]))
    actions = [run_command(t("escalation_card.open"), request_command(request.number))]
    return card(body, actions, fallback=f"{headline or t('escalation_card.receipt_title')}: {request.number}")


def handoff_card(
    request: ServiceRequest, handoff: Handoff, t: Translator, headline: str = ""
) -> AdaptiveCard:
    """A request the bot can't file itself: the finished text to paste, and where."""
    body: list[CardElement] = [
        heading(headline or t("escalation_card.handoff_title")),
        plain(request.title, weight="Bolder"),
        FactSet(
            facts=[
                Fact(title=t("escalation_card.reference"), value=safe(request.reference)),
                Fact(title=t("escalation_card.status"), value=t(f"request_status.{request.status.value}")),
            ]
        ),
        plain(t("escalation_card.handoff_hint", reference=request.reference), spacing="Medium"),
        TextBlock(text=safe(handoff.summary), wrap=True, font_type="Monospace", separator=True),
    ]
    actions = [OpenUrlAction(title=t("escalation_card.open_partner_center"), url=handoff.portal_url)]
    return card(body, actions, fallback=f"{t('escalation_card.handoff_title')}: {request.reference}")


# Requests listed on one card; Next and Previous show the others.
REQUESTS_PAGE_SIZE = 10


@dataclass(frozen=True)
class RequestsPage:
    """Which page of how many requests a `requests` card shows, and whose (a customer id, or '')."""

    total: int
    number: int = 1
    customer_id: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // REQUESTS_PAGE_SIZE))


def _request_status(request: ServiceRequest, t: Translator) -> tuple[str, TextColor]:
    return t(f"request_status.{request.status.value}"), STATUS_COLOURS_OF_REQUESTS[request.status]


def requests_card(
    requests: Sequence[ServiceRequest],
    now: datetime,
    t: Translator,
    scope: str = "",
    page: RequestsPage | None = None,
    *,
    open_requests: OpenRequestCounts | None,
    uncounted: str = "",
) -> AdaptiveCard:
    """`page`: where these requests are among all there are (one page of them all when None);
    `open_requests`: how many of all there are are open (the chart counts every one, not the page's),
    None when they couldn't be counted, for the reason `uncounted` says."""
    title = t("requests.title")
    if scope:
        title = f"{title} · {scope}"
    page = page or RequestsPage(total=len(requests))
    count = t.count("count.requests", page.total)
    if page.total > len(requests):
        count = t.count("count.requests_of", page.total, shown=t.number(len(requests)))
    subtitle = t("requests.subtitle", count=count)
    if page.pages > 1:
        subtitle = t(
            "requests.paged", summary=subtitle, page=t.number(page.number), pages=t.number(page.pages)
        )
    body: list[CardElement] = [heading(title), subtle(subtitle)]
    if open_requests is None:
        body.append(subtle(t("chart.requests_uncounted", reason=uncounted)))
    else:
        body += requests_chart(open_requests, t)
    if not requests:
        body.append(plain(t("requests.none")))
    for request in requests:
        word, colour = _request_status(request, t)
        body.append(
            ColumnSet(
                separator=True,
                select_action=run_command(
                    t("requests.open", number=request.number), request_command(request.number)
                ),
                columns=[
                    Column(
                        width="stretch",
                        items=[
                            TextBlock(text=safe(request.number), weight="Bolder", font_type="Monospace"),
                            plain(request.title, spacing="None"),
                            subtle(
                                t(
                                    "requests.row_subtitle",
                                    customer=request.customer_name,
                                    severity=t(f"severity.{request.severity.value}"),
                                    updated=t.relative_time(request.last_modified, now),
                                )
                            ),
                        ],
                    ),
                    Column(
                        width="auto",
                        items=[TextBlock(text=word, color=colour, weight="Bolder")],
                    ),
                ],
            )
        )
    actions = []
    if page.number > 1:
        actions.append(requests_page(t("requests.previous"), page.customer_id, page.number - 1))
    if page.number < page.pages:
        actions.append(requests_page(t("requests.next"), page.customer_id, page.number + 1))
    return card(body, actions, fallback=t("requests.fallback", title=title, count=count))


def request_card(
    request: ServiceRequest, now: datetime, t: Translator, *, note_hint: bool = True
) -> AdaptiveCard:
    """`note_hint`: whether to teach the `note` command (not on a card shared with people without the bot)."""
    facts = [
        (t("request.fact_severity"), t(f"severity.{request.severity.value}")),
        (t("request.fact_customer"), request.customer_name),
        (t("request.fact_topic"), f"{request.topic.product} · {request.topic.name}"),
        (t("request.fact_contact"), _contact(request)),
        (t("request.fact_created"), t.timestamp(request.created)),
        (t("request.fact_updated"), t.relative_time(request.last_modified, now)),
    ]
    if request.incident_id:
        facts.append((t("request.fact_incident"), request.incident_id))
    word, colour = _request_status(request, t)
    body: list[CardElement] = [
        heading(request.title),
        subtle(f"{request.number} · {request.customer_name}"),
        TextBlock(text=word, color=colour, weight="Bolder", spacing="Small"),
        FactSet(facts=[Fact(title=title, value=safe(value)) for title, value in facts]),
        plain(request.description, spacing="Medium"),
        TextBlock(text=t("request.notes"), weight="Bolder", size="Medium", separator=True, spacing="Medium"),
    ]
    if not request.notes:
        body.append(subtle(t("request.no_notes")))
    for note in sorted(request.notes, key=lambda n: n.created, reverse=True):
        body.append(subtle(f"{t.timestamp(note.created)} · {note.author}", weight="Bolder"))
        body.append(plain(note.text, spacing="None"))
    if note_hint:
        body.append(plain(t("request.add_note", number=request.number), is_subtle=True, spacing="Medium"))
    return card(body, fallback=t("request.fallback", number=request.number, title=request.title, status=word))
