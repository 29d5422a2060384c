"""What people type for a service (services/domain/service_words.py): the start of each word of its
name, or an alias from the catalogues ('vm', '익스체인지', '팀즈', '셰어포인트', '원드라이브'); and no alias
is a word the bot reads as something else (a demo customer, a command)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.turn.commands import COMMANDS, parse
from dialogs.incidents_dialog import split_customer_and_service
from locales.translator import LANGUAGES, Translator, words_for
from services.domain.customer_search import Found, NotFound, resolve_customer
from services.domain.models import Incident, ServiceStatus, Subscription
from services.domain.service_words import ALIASED, ALIASES, names_service
from tests.support.harness import demo_backend

CUSTOMERS = asyncio.run(demo_backend().list_customers())
# The words that steer a command after its customer: an alias must never be one of them.
STEERING_WORDS = (
    "words.everyone",
    "words.azure",
    "words.resolved",
    "words.off",
    "words.nobody",
    "words.weekly",
)


def _aliases(language: str) -> list[tuple[str, str]]:
    """(alias, the name words it stands for) as one catalogue lists them."""
    t = Translator(language)
    return [
        (" ".join(alias.casefold().split()), name)
        for name in ALIASED
        for alias in t("words.service_" + name.replace(" ", "_")).split(",")
        if alias.strip()
    ]


def incident_on(service: str) -> Incident:
    start = datetime(2026, 12, 1, tzinfo=UTC)
    status = ServiceStatus("serviceDegradation")
    return Incident("EX1", "Slow", service, "", "", status, "incident", "", start, None, start, False)


EVERY_ALIAS = sorted({pair for language in LANGUAGES for pair in _aliases(language)})


@pytest.mark.parametrize(
    ("typed", "service", "named"),
    [
        ("exchange", "Exchange Online", True),
        ("EXCH onl", "Exchange Online", True),
        ("exo", "Exchange Online", True),
        ("익스체인지", "Exchange Online", True),
        ("익스체인지", "Microsoft Teams", False),
        ("teams", "Microsoft Teams", True),
        ("팀즈", "Microsoft Teams", True),
        ("msteams", "Microsoft Teams", True),
        ("팀즈", "Exchange Online", False),
        ("셰어포인트", "SharePoint Online", True),
        ("쉐어포인트", "SharePoint Online", True),
        ("spo", "SharePoint Online", True),
        ("셰어포인트", "OneDrive for Business", False),
        ("원드라이브", "OneDrive for Business", True),
        ("odfb", "OneDrive for Business", True),
        ("vm", "Virtual Machines", True),
        ("VM", "Virtual Machines", True),
        ("ｖｍ", "Virtual Machines", True),  # full-width, as an IME types it
        ("vms", "Virtual Machines", True),
        ("가상머신", "Virtual Machines", True),
        ("vm", "Virtual Machine Scale Sets", False),  # a different Azure service
        ("vm", "Virtual Network", False),
        ("vmware", "Virtual Machines", False),  # an alias is a whole word, not a prefix
        ("v", "Virtual Machines", True),  # the start of a word still names it
        ("팀즈", "팀즈", True),  # stored as typed by 'subscribe all 팀즈'
        ("teams", "팀즈", True),
        ("zz", "Exchange Online", False),
    ],
)
def test_a_service_is_named_by_the_start_of_its_words_or_an_alias(
    typed: str, service: str, named: bool
) -> None:
    assert names_service(typed, service) is named


@pytest.mark.parametrize(("alias", "name"), EVERY_ALIAS)
def test_every_catalogued_alias_names_its_service_and_nothing_else_the_bot_reads(
    alias: str, name: str
) -> None:
    assert len(alias.split()) == 1, "one word: a typed filter is matched word by word"
    assert ALIASES[alias] == tuple(name.split())
    assert names_service(alias, name.title()) and names_service(alias.upper(), name)
    others = [other for other in ALIASED if other != name]
    assert not any(names_service(alias, other) for other in others), "one service per alias"
    assert isinstance(resolve_customer(CUSTOMERS, alias, suggest=False), NotFound), "a demo customer's name"
    assert parse(alias) is None and parse(f"{alias} contoso") is None, "a command"
    assert not any(alias in command.words for command in COMMANDS)
    assert not any(alias in words_for(entry) for entry in STEERING_WORDS)
    for customer in CUSTOMERS:
        match, service = split_customer_and_service([*customer.name.split(), alias], CUSTOMERS)
        assert isinstance(match, Found) and match.customer == customer and service == alias, customer.name


@pytest.mark.parametrize(("alias", "name"), EVERY_ALIAS)
def test_subscribe_all_with_an_alias_hears_that_services_incidents(alias: str, name: str) -> None:
    """'subscribe all 팀즈' keeps the words typed; each notice is matched against them as it comes."""
    subscription = Subscription("19:c", "*", (alias,), "incidents")
    assert subscription.covers("c-1", incident_on(name.title()))
    assert not subscription.covers("c-1", incident_on("Yammer Enterprise"))
