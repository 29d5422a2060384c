"""The escalation's validators: each returns the clean value or raises InvalidAnswer with the reason.

Typed answers, pressed buttons, the one-card form and the final check before filing all go through
these, since card data can be tampered with.
"""

from __future__ import annotations

import re

from cards.escalation import Choice
from cards.parts import without_format_characters
from dialogs.choices import InvalidAnswer, match_choice
from dialogs.root import steering_words
from locales.translator import Translator
from services.domain.azure_events import support_products_for
from services.domain.models import Contact, Severity, SupportCatalogue

EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_EMAIL_WORD = re.compile(r"<?(?P<email>\S+@\S+?)>?$")


def severity_choices(catalogue: SupportCatalogue, t: Translator) -> tuple[Choice, ...]:
    """The levels in the reader's words; the value ('critical') is accepted as typed in any language."""
    return tuple(Choice(t(f"severity.{s.severity.value}"), s.severity.value) for s in catalogue.severities)


def guard_choices(t: Translator) -> tuple[Choice, ...]:
    return (
        Choice(t("escalation_card.file_anyway"), "file"),
        Choice(t("escalation_card.follow"), "follow"),
    )


def choice(
    t: Translator, text: str, choices: tuple[Choice, ...], unknown: str = "escalation.unknown_choice"
) -> Choice:
    ambiguous = t("escalation.ambiguous_choice", value="{value}", matches="{matches}")
    return match_choice(text, choices, t(unknown, value="{value}"), ambiguous)


def guard_validator(text: str, t: Translator) -> Choice:
    return choice(t, text, guard_choices(t))


def offered_products(service: str, azure: bool, catalogue: SupportCatalogue) -> tuple[str, ...]:
    """Every product; for an Azure service, the Azure products its name means, or every Azure product
    when it means none (services/domain/azure_events.py support_products_for)."""
    if not azure:
        return catalogue.products
    return support_products_for(service, catalogue.azure_products) or catalogue.azure_products


def product_validator(text: str, products: tuple[str, ...], t: Translator) -> str:
    return choice(t, text, tuple(Choice(p, p) for p in products)).value


def topic_validator(text: str, product: str, catalogue: SupportCatalogue, t: Translator) -> str:
    topics = tuple(Choice(topic.name, topic.topic_id) for topic in catalogue.topics_of(product))
    return choice(t, text, topics, unknown="escalation.unknown_topic").value


def severity_validator(text: str, catalogue: SupportCatalogue, t: Translator) -> Severity:
    return Severity(choice(t, text, severity_choices(catalogue, t)).value)


def text_validator(t: Translator, text: str, limit: int) -> str:
    # Invisible characters don't count: a title of zero-width spaces is empty, and a right-to-left
    # override would reverse what follows on every card and in what Microsoft receives.
    clean = without_format_characters(text).strip()
    if not clean:
        raise InvalidAnswer(t("escalation.empty"))
    if len(clean) > limit:
        raise InvalidAnswer(t("escalation.too_long", length=len(clean), limit=limit))
    return clean


def title_validator(text: str, catalogue: SupportCatalogue, t: Translator) -> str:
    return text_validator(t, " ".join(text.split()), catalogue.limits.title_max)


def description_validator(text: str, catalogue: SupportCatalogue, t: Translator) -> str:
    return text_validator(t, text, catalogue.limits.description_max)


def contact_validator(text: str, default_name: str, catalogue: SupportCatalogue, t: Translator) -> Contact:
    clean = text_validator(t, text, catalogue.limits.name_max + catalogue.limits.email_max + 3)
    name, _, last = clean.rpartition(" ")
    found = _EMAIL_WORD.match(last)
    email = found.group("email") if found else last
    name = name.strip(" ,;:-")
    if not EMAIL.match(email) or len(email) > catalogue.limits.email_max:
        raise InvalidAnswer(t("escalation.bad_email", value=email))
    name = name or default_name or email.split("@", 1)[0]
    return Contact(text_validator(t, name, catalogue.limits.name_max), email)


def skips(text: str) -> bool:
    """Typed instead of pressing Skip (`steer.skip`, the words of every language we speak)."""
    return " ".join(text.casefold().split()) in steering_words("skip")


def phone_validator(text: str, catalogue: SupportCatalogue, t: Translator) -> str:
    clean = text.strip()
    if skips(clean):
        return ""
    if not re.fullmatch(catalogue.limits.phone_pattern, clean):
        raise InvalidAnswer(t("escalation.bad_phone", value=clean[:40]))
    return clean
