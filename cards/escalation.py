"""Cards of a guided escalation: one question per card, the escalation guard, the summary, the receipt.

The dialog decides what to ask; these functions only lay it out. Every label a support engineer reads on
these cards is in LABELS, so a translation changes one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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
    SubmitAction,
    TextBlock,
    TextInput,
)
from microsoft_teams.cards import (
    Choice as InputChoice,
)
from microsoft_teams.cards.core import TextColor

from cards.actions import (
    ACTION_KEY,
    ESCALATION_FORM,
    escalation_answer,
    escalation_edit,
    escalation_submit,
    request_command,
    run_command,
)
from cards.parts import STATUS_COLOURS, card, heading, plain, safe, subtle, timestamp
from locales.translator import Translator
from services.models import Handoff, Incident, RequestStatus, ServiceRequest, Severity

LABELS = {
    "file_request": "File a service request",
    "back": "Back",
    "cancel": "Cancel",
    "submit": "Submit",
    "edit": "Edit",
    "try_again": "Try again",
    "file_anyway": "File anyway",
    "follow": "Follow the incident",
    "guard_title": "Microsoft is already working on this",
    "summary_title": "Check the request before it's filed",
    "summary_hint": "Nothing is filed until you press Submit.",
    "receipt_title": "Service request filed",
    "handoff_title": "Ready to file in Partner Center",
    "handoff_hint": "Microsoft takes this request in Partner Center. Open it, paste the text below, then "
    "tell me the SR number: link {reference} <SR number>",
    "open_partner_center": "Open in Partner Center",
    "reference": "Reference",
    "number": "SR number",
    "status": "Status",
    "severity": "Severity",
    "customer": "Customer",
    "topic": "Topic",
    "contact": "Primary contact",
    "created": "Created",
    "updated": "Last update",
    "incident": "Incident",
    "notes": "Notes",
    "no_notes": "No notes yet. 'note <number> <text>' adds one.",
    "requests_title": "Service requests",
    "no_requests": "No service requests yet. 'escalate' files one.",
    "open": "Open",
    "use_form": "Fill in a form instead",
    "form_title": "File a service request",
    "form_hint": "Every field is checked again when you press Submit; nothing is filed before that.",
    "form_problems": "Please fix:",
    "form_customer": "Customer (name, domain or tenant id)",
    "form_topic": "Product and topic",
    "form_severity": "Severity",
    "form_title_field": "Title",
    "form_description": "Description",
    "form_contact_name": "Primary contact's name",
    "form_contact_email": "Primary contact's email",
    "form_phone": "Phone (optional)",
    "form_required": "{label} is required.",
    "form_too_long": "{label}: at most {limit} characters.",
    "form_bad_email": "Enter an email address like ana@contoso.com.",
    "form_bad_phone": "Digits, spaces and + ( ) - . / only.",
    "add_note": "Add a note: note {number} <text>",
}
STATUS_WORDS: dict[RequestStatus, tuple[str, TextColor]] = {
    RequestStatus.AWAITING_NUMBER: ("Awaiting SR number", "Warning"),
    RequestStatus.OPEN: ("Open", "Accent"),
    RequestStatus.MICROSOFT_RESPONDED: ("Microsoft responded", "Accent"),
    RequestStatus.ATTENTION_NEEDED: ("Attention needed", "Attention"),
    RequestStatus.CLOSED: ("Closed", "Good"),
}
SEVERITY_WORDS = {Severity.CRITICAL: "Critical", Severity.MODERATE: "Moderate", Severity.MINIMAL: "Minimal"}


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


@dataclass(frozen=True)
class SummaryField:
    step: str
    label: str
    value: str


def question_card(question: Question) -> AdaptiveCard:
    body: list[CardElement] = [heading(question.heading), subtle(question.progress)]
    if question.problem:
        body.append(TextBlock(text=safe(question.problem), color="Attention", weight="Bolder", wrap=True))
    body.append(TextBlock(text=safe(question.prompt), weight="Bolder", wrap=True, spacing="Medium"))
    body += [plain(line, spacing="Small") for line in question.details]
    if question.choices:
        body.append(
            ActionSet(
                actions=[
                    escalation_answer(f"{n}. {c.title}", question.key, question.step, c.value)
                    for n, c in enumerate(question.choices, 1)
                ]
            )
        )
    if question.hint:
        body.append(plain(question.hint, is_subtle=True, spacing="Medium"))
    actions = [run_command(LABELS["back"], "back")] if question.can_go_back else []
    actions.append(run_command(LABELS["cancel"], "cancel"))
    actions.append(escalation_edit(LABELS["use_form"], question.key, "form"))
    return card(body, actions, fallback=f"{question.heading}: {question.prompt}")


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


def _text_input(
    form: RequestForm, field: str, label: str, limit: int, required: bool = True, **extra: object
) -> TextInput:
    error = LABELS["form_too_long"].format(label=LABELS[label], limit=limit)
    if required:
        error = LABELS["form_required"].format(label=LABELS[label]) + " " + error
    return TextInput(
        id=field,
        label=LABELS[label],
        value=form.values.get(field, ""),
        max_length=limit,
        is_required=required,
        error_message=error,
        **extra,
    )


def request_form_card(form: RequestForm) -> AdaptiveCard:
    def choices(options: tuple[Choice, ...]) -> list[InputChoice]:
        return [InputChoice(title=c.title, value=c.value) for c in options]

    body: list[CardElement] = [heading(LABELS["form_title"]), subtle(LABELS["form_hint"])]
    if form.problems:
        body.append(TextBlock(text=LABELS["form_problems"], color="Attention", weight="Bolder", wrap=True))
        body += [TextBlock(text=safe(p), color="Attention", wrap=True, spacing="None") for p in form.problems]
    body += [
        _text_input(form, "customer", "form_customer", 300),
        ChoiceSetInput(
            id="topic",
            label=LABELS["form_topic"],
            choices=choices(form.topics),
            value=form.values.get("topic") or None,
            style="compact",
            is_required=True,
            error_message=LABELS["form_required"].format(label=LABELS["form_topic"]),
        ),
        ChoiceSetInput(
            id="severity",
            label=LABELS["form_severity"],
            choices=choices(form.severities),
            value=form.values.get("severity") or None,
            style="expanded",
            is_required=True,
            error_message=LABELS["form_required"].format(label=LABELS["form_severity"]),
        ),
        _text_input(form, "title", "form_title_field", form.title_max),
        _text_input(form, "description", "form_description", form.description_max, is_multiline=True),
        _text_input(form, "contact_name", "form_contact_name", form.name_max),
        TextInput(
            id="contact_email",
            label=LABELS["form_contact_email"],
            value=form.values.get("contact_email", ""),
            max_length=form.email_max,
            is_required=True,
            style="Email",
            regex=form.email_pattern,
            error_message=LABELS["form_bad_email"],
        ),
        TextInput(
            id="phone",
            label=LABELS["form_phone"],
            value=form.values.get("phone", ""),
            max_length=40,
            style="Tel",
            regex=f"^(?:{form.phone_pattern})?$",
            error_message=LABELS["form_bad_phone"],
        ),
    ]
    submit = SubmitAction(title=LABELS["submit"], data={ACTION_KEY: ESCALATION_FORM, "key": form.key})
    return card(body, [submit, run_command(LABELS["cancel"], "cancel")], fallback=LABELS["form_title"])


def guard_card(key: str, step: str, customer_name: str, incident: Incident, question: str) -> AdaptiveCard:
    body: list[CardElement] = [
        heading(LABELS["guard_title"]),
        TextBlock(
            text=safe(f"{incident.incident_id} · {incident.service} · {incident.status.label}"),
            color=STATUS_COLOURS[incident.status.level],
            weight="Bolder",
            wrap=True,
        ),
        plain(incident.title, spacing="Small"),
        subtle(f"{customer_name} · started {timestamp(incident.start)}"),
        plain(question, spacing="Medium"),
    ]
    actions = [
        escalation_answer(LABELS["file_anyway"], key, step, "file"),
        escalation_answer(LABELS["follow"], key, step, "follow"),
        run_command(LABELS["cancel"], "cancel"),
    ]
    return card(body, actions, fallback=f"{incident.incident_id}: {LABELS['guard_title']}")


def summary_card(key: str, title: str, fields: Sequence[SummaryField]) -> AdaptiveCard:
    body: list[CardElement] = [heading(LABELS["summary_title"]), subtle(title)]
    for field in fields:
        body.append(
            ColumnSet(
                separator=True,
                columns=[
                    Column(
                        width="stretch",
                        items=[
                            TextBlock(text=safe(field.label), weight="Bolder", wrap=True),
                            plain(field.value or "—", spacing="None"),
                        ],
                    ),
                    Column(
                        width="auto",
                        vertical_content_alignment="Center",
                        items=[
                            ActionSet(
                                actions=[escalation_edit(f"{LABELS['edit']} {field.label}", key, field.step)]
                            )
                        ],
                    ),
                ],
            )
        )
    body.append(plain(LABELS["summary_hint"], is_subtle=True, spacing="Medium"))
    actions = [escalation_submit(LABELS["submit"], key), run_command(LABELS["cancel"], "cancel")]
    return card(body, actions, fallback=f"{LABELS['summary_title']}: {title}")


def _contact(request: ServiceRequest) -> str:
    contact = request.contact
    return " · ".join(p for p in (contact.name, contact.email, contact.phone) if p)


def receipt_card(request: ServiceRequest, headline: str = "", handoff: Handoff | None = None) -> AdaptiveCard:
    if handoff is not None and request.status is RequestStatus.AWAITING_NUMBER:
        return handoff_card(request, handoff, headline)
    facts = [
        (LABELS["number"], request.number),
        (LABELS["status"], STATUS_WORDS[request.status][0]),
        (LABELS["severity"], SEVERITY_WORDS[request.severity]),
        (LABELS["customer"], request.customer_name),
        (LABELS["topic"], f"{request.topic.product} · {request.topic.name}"),
        (LABELS["contact"], _contact(request)),
        (LABELS["created"], timestamp(request.created)),
    ]
    if request.incident_id:
        facts.append((LABELS["incident"], request.incident_id))
    body: list[CardElement] = [
        heading(headline or LABELS["receipt_title"]),
        plain(request.title, weight="Bolder"),
    ]
    body.append(FactSet(facts=[Fact(title=t, value=safe(v)) for t, v in facts]))
    actions = [run_command(LABELS["open"], request_command(request.number))]
    return card(body, actions, fallback=f"{headline or LABELS['receipt_title']}: {request.number}")


def handoff_card(request: ServiceRequest, handoff: Handoff, headline: str = "") -> AdaptiveCard:
    """A request the bot can't file itself: the finished text to paste, and where."""
    body: list[CardElement] = [
        heading(headline or LABELS["handoff_title"]),
        plain(request.title, weight="Bolder"),
        FactSet(
            facts=[
                Fact(title=LABELS["reference"], value=safe(request.reference)),
                Fact(title=LABELS["status"], value=STATUS_WORDS[request.status][0]),
            ]
        ),
        plain(LABELS["handoff_hint"].format(reference=request.reference), spacing="Medium"),
        TextBlock(text=safe(handoff.summary), wrap=True, font_type="Monospace", separator=True),
    ]
    actions = [OpenUrlAction(title=LABELS["open_partner_center"], url=handoff.portal_url)]
    return card(body, actions, fallback=f"{LABELS['handoff_title']}: {request.reference}")


def _request_status(request: ServiceRequest, t: Translator) -> tuple[str, TextColor]:
    return t(f"request_status.{request.status.value}"), STATUS_WORDS[request.status][1]


def requests_card(
    requests: Sequence[ServiceRequest], now: datetime, t: Translator, scope: str = ""
) -> AdaptiveCard:
    title = t("requests.title")
    if scope:
        title = f"{title} · {scope}"
    count = t.count("count.requests", len(requests))
    body: list[CardElement] = [heading(title), subtle(t("requests.subtitle", count=count))]
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
    return card(body, fallback=t("requests.fallback", title=title, count=count))


def request_card(request: ServiceRequest, now: datetime, t: Translator) -> AdaptiveCard:
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
    body.append(plain(t("request.add_note", number=request.number), is_subtle=True, spacing="Medium"))
    return card(body, fallback=t("request.fallback", number=request.number, title=request.title, status=word))
