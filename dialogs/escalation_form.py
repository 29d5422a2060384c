"""The escalation's one-card form: the same fields as the questions, through the same validators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationError

from cards.actions import InvalidSubmission
from cards.escalation import Choice, EscalationForm, RequestForm
from dialogs.choices import InvalidAnswer
from dialogs.customer_choice import known_customer
from dialogs.escalation_state import EscalationState
from dialogs.escalation_validators import (
    EMAIL,
    contact_validator,
    description_validator,
    phone_validator,
    severity_validator,
    title_validator,
)
from locales.translator import Translator
from services.domain.models import Contact, Customer, Severity, SupportCatalogue, SupportTopic
from services.domain.ports import Backend

T = TypeVar("T")
# What the form keeps of a refused field, to show it again.
_KEPT = 20_000


def request_form(
    state: EscalationState,
    catalogue: SupportCatalogue,
    t: Translator,
    problems: tuple[str, ...] = (),
    typed: dict[str, str] | None = None,
) -> RequestForm:
    """The form, pre-filled with what is known (or with what was typed, when it was refused)."""
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
    return RequestForm(
        key=state.key,
        topics=tuple(Choice(f"{topic.product} · {topic.name}", topic.topic_id) for topic in catalogue.topics),
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
        email_pattern=EMAIL.pattern,
        phone_pattern=limits.phone_pattern,
        problems=problems,
    )


@dataclass(frozen=True)
class FilledForm:
    customer: Customer
    topic: SupportTopic
    severity: Severity
    title: str
    description: str
    contact: Contact
    phone: str


@dataclass(frozen=True)
class RefusedForm:
    """Every reason at once, and what was typed (to fill the form in again)."""

    problems: tuple[str, ...]
    typed: dict[str, str]


async def read_form(
    values: dict[str, str], backend: Backend, catalogue: SupportCatalogue, t: Translator
) -> FilledForm | RefusedForm:
    """Every field through its step's validator; all or nothing. InvalidSubmission for values no field
    of the card could hold (tampered data)."""
    try:
        form = EscalationForm.model_validate(values)
    except ValidationError as error:
        raise InvalidSubmission() from error
    problems: list[str] = []

    def check(label: str, validate: Callable[[], T]) -> T | None:
        try:
            return validate()
        except InvalidAnswer as error:
            problems.append(f"{t(label)}: {error.reason}")
            return None

    customer = await known_customer(backend, form.customer)
    if customer is None:
        problems.append(f"{t('escalation.field_customer')}: {t('escalation.unknown_customer')}")
    topic = catalogue.topic(form.topic)
    if topic is None:
        problems.append(f"{t('escalation.field_topic')}: {t('escalation.unknown_topic')}")
    severity = check("escalation.field_severity", lambda: severity_validator(form.severity, catalogue, t))
    title = check("escalation.field_title", lambda: title_validator(form.title, catalogue, t))
    description = check(
        "escalation.field_description", lambda: description_validator(form.description, catalogue, t)
    )
    email_text = f"{form.contact_name} {form.contact_email}".strip()
    contact = check("escalation.field_contact", lambda: contact_validator(email_text, "", catalogue, t))
    phone = check("escalation.field_phone", lambda: phone_validator(form.phone or "skip", catalogue, t))
    if (
        problems
        or customer is None
        or topic is None
        or severity is None
        or title is None
        or description is None
        or contact is None
        or phone is None
    ):
        return RefusedForm(tuple(problems), _typed(form))
    return FilledForm(customer, topic, severity, title, description, contact, phone)


def _typed(form: EscalationForm) -> dict[str, str]:
    return {k: str(v)[:_KEPT] for k, v in form.model_dump().items()}
