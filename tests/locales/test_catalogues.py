"""Every language has every message, with the same named placeholders; every id the code asks for exists."""

from __future__ import annotations

import ast
import inspect
import string
import warnings
from pathlib import Path

import pytest

from bot.outbound import notice_delivery
from bot.turn.commands import COMMANDS
from cards.audit import ACTIONS as AUDIT_ACTIONS
from dialogs.escalation_state import STEPS
from dialogs.language import error_wording
from locales.translator import DEFAULT_LANGUAGE, ENGLISH, LANGUAGES, Translator, catalogue_path
from services.backends.live.backend import LIST_CUSTOMERS, reading_health
from services.domain.errors import (
    PARTNER_TENANT,
    AlreadyLinked,
    AwaitingServiceRequestNumber,
    AzureEventNotFound,
    AzureSubscriptionMissing,
    AzureSupportAccessDenied,
    ConsentMissing,
    DelegatedAccessMissing,
    HealthAccessDenied,
    HealthDataMissing,
    IncidentNotFound,
    PartnerCenterAccessDenied,
    PartnerCenterSignInNeeded,
    PartnerSignInExpired,
    PartnerSignInFailed,
    ServiceRequestNotFound,
    ServiceRequestOfAnotherCustomer,
    SignInSettingWrong,
    SupportDeskError,
    UnknownService,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from services.domain.models import Customer, DeliveryState, RequestStatus, Severity

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
    from babel.messages.pofile import read_po  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
CONTOSO = Customer("c", "t", "Contoso", "contoso.onmicrosoft.com", "reseller", True)
OTHERS = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})
# The layers whose every word goes through the catalogue. It grows until it names every card module;
# what is missing from it still speaks English only (see the README's Languages section).
TRANSLATED_CARD_BUILDERS = (
    "cards.health.health_card",
    "cards.help.help_card",
    "cards.incidents.incidents_card",
    "cards.incidents.incident_card",
    "cards.customers.customers_card",
    "cards.customers.customer_choice_card",
    "cards.customers.did_you_mean_card",
    "cards.notifications.overview_card",
    "cards.notifications.subscribed_card",
    "cards.notifications.subscriptions_card",
    "cards.notifications.notices_card",
    "cards.escalation.requests_card",
    "cards.escalation.request_card",
    "cards.audit.audit_card",
    "cards.escalation.question_card",
    "cards.escalation.request_form_card",
    "cards.escalation.guard_card",
    "cards.escalation.summary_card",
    "cards.escalation.receipt_card",
    "cards.escalation.handoff_card",
    "cards.notifications.incident_notice_card",
    "cards.notifications.notice_digest_card",
    "cards.notifications.thread_update_text",
)


def _messages(language: str) -> dict[str, tuple[str, ...]]:
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[language])
    found: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        found[key] = tuple(message.string) if isinstance(message.string, tuple) else (message.string,)
    return found


# Read as they are, never filled in: regular expressions, whose braces are repetition counts.
NOT_FORMATTED = {"phrases"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_default_catalogue_has_messages() -> None:
    assert len(_messages(DEFAULT_LANGUAGE)) > 50


@pytest.mark.parametrize("language", OTHERS)
def test_every_message_exists_in_every_language(language: str) -> None:
    english, other = _messages(DEFAULT_LANGUAGE), _messages(language)
    assert sorted(set(english) - set(other)) == [], "missing"
    assert sorted(set(other) - set(english)) == [], "not in the English catalogue"
    assert [key for key, forms in other.items() if not all(forms)] == [], "untranslated"


@pytest.mark.parametrize("language", OTHERS)
def test_placeholders_are_the_same_in_every_language(language: str) -> None:
    english, other = _messages(DEFAULT_LANGUAGE), _messages(language)
    differ = {
        key: (forms, other[key])
        for key, forms in english.items()
        if key in other
        and key not in NOT_FORMATTED
        and {frozenset(_placeholders(f)) for f in forms} != {frozenset(_placeholders(f)) for f in other[key]}
    }
    assert differ == {}


def _literal_ids() -> set[str]:
    """Every message id written as a literal in a call to a translator: t("..."), t.count("...", n)."""
    ids: set[str] = set()
    for folder in ("bot", "dialogs", "cards", "services", "manifest"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                first, func = node.args[0], node.func
                named = isinstance(func, ast.Name) and func.id in ("t", "ENGLISH", "KOREAN")
                counted = isinstance(func, ast.Attribute) and func.attr == "count"
                if (named or counted) and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    ids.add(first.value)
    return ids


def test_every_message_the_code_asks_for_is_in_the_catalogue() -> None:
    asked = _literal_ids() | {
        f"command.{c.name}.{part}" for c in COMMANDS for part in ("usage", "summary", "example")
    }
    asked |= {c.operator_action for c in COMMANDS if c.operator_action}
    asked |= {f"{e.message_id}.{part}" for e in ERRORS for part in ("title", "message")}
    # Ids the code builds from a value: every value has its message.
    asked |= {f"notices.state_{state.value}" for state in DeliveryState}
    asked |= {f"subscription.kinds_{kinds}" for kinds in ("incidents", "advisories", "all")}
    asked |= {f"request_status.{status.value}" for status in RequestStatus}
    asked |= {
        f"{kind}.{severity.value}"
        for severity in Severity
        for kind in ("severity", "severity_meaning", "severity_response")
    }
    asked |= {
        f"escalation.{kind}_{step}" for step in STEPS if step != "guard" for kind in ("ask", "help", "field")
    } - {"escalation.ask_topic"}
    asked |= {f"audit.{action}" for action in AUDIT_ACTIONS}
    # Reasons the outbox records as message ids, said by `notices` in the reader's language.
    asked |= {
        value.partition("|")[0]
        for value in vars(notice_delivery).values()
        if isinstance(value, str) and value.startswith("notices.reason_")
    }
    assert len(asked) > 50
    assert sorted(asked - set(_messages(DEFAULT_LANGUAGE))) == []


@pytest.mark.parametrize("builder", TRANSLATED_CARD_BUILDERS)
def test_translated_card_builders_take_a_translator(builder: str) -> None:
    module_name, _, name = builder.rpartition(".")
    module = __import__(module_name, fromlist=[name])
    parameters = inspect.signature(getattr(module, name)).parameters
    assert "t" in parameters and parameters["t"].default is inspect.Parameter.empty


def test_a_missing_message_is_an_error_not_its_id() -> None:
    with pytest.raises(KeyError):
        Translator("ko")("no.such.message")


ERRORS = [
    DelegatedAccessMissing("Contoso", "indirect reseller"),
    IncidentNotFound("EX1", "Contoso"),
    IncidentNotFound("EX1"),
    AzureEventNotFound("VNL2-8S8", "Contoso"),
    AzureEventNotFound("VNL2-8S8"),
    HealthDataMissing("Contoso"),
    UnknownService("teams", "Contoso", ["Exchange Online", "SharePoint Online"]),
    UpstreamUnavailable("Graph"),
    AlreadyLinked("E1", "2611"),
    ServiceRequestNotFound("2611"),
    ServiceRequestOfAnotherCustomer("2611", "E1", "Northwind", "Contoso"),
    ServiceRequestOfAnotherCustomer("2611", "E1", "Northwind", ""),
    HealthAccessDenied("Contoso", delegated=True),
    HealthAccessDenied("Contoso", delegated=False),
    ConsentMissing("Contoso"),
    PartnerSignInExpired(),
    PartnerSignInFailed(),
    SignInSettingWrong("client_id"),
    SignInSettingWrong("tenant_id"),
    SignInSettingWrong("consent"),
    SignInSettingWrong("partner_consent"),
    PartnerCenterAccessDenied(),
    AzureSupportAccessDenied("Contoso"),
    AzureSubscriptionMissing("Contoso"),
    PartnerCenterSignInNeeded(app_only=True),
    PartnerCenterSignInNeeded(app_only=False),
    AwaitingServiceRequestNumber("E1"),
    UpstreamUnavailable("Microsoft Graph", reading_health(CONTOSO)),
    UpstreamThrottled("Partner Center", LIST_CUSTOMERS, None),
    UpstreamThrottled("Partner Center", LIST_CUSTOMERS, 3.4),
    AzureSupportAccessDenied(PARTNER_TENANT),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: f"{type(e).__name__}:{e.message_id}")
def test_an_errors_wording_is_the_catalogues_in_every_language(error: SupportDeskError) -> None:
    """English (logs, tests, the doctor) and Korean both come from the catalogue, filled with what the
    error carries; Korean has its own words."""
    english = error_wording(error, ENGLISH)
    assert (
        english
        == (error.title, error.message)
        == (
            ENGLISH(f"{error.message_id}.title"),
            ENGLISH(f"{error.message_id}.message", **{k: str(v) for k, v in error.values.items()}),
        )
    )
    assert str(error) == error.message
    for value in error.values.values():
        assert str(value) in error.message
    korean = error_wording(error, Translator("ko"))
    assert korean != english and all(korean)


def test_no_error_wording_is_written_in_code() -> None:
    """services/domain/errors.py names message ids; the sentences are the catalogue's only."""
    tree = ast.parse((ROOT / "services" / "domain" / "errors.py").read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    sentences = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        if " " in node.value.strip()
    ]
    assert sentences == []


def test_an_error_quoting_what_its_caller_was_doing_says_that_in_korean_too() -> None:
    error = UpstreamThrottled("Microsoft Graph", reading_health(CONTOSO), 20)
    assert error.message == (
        "Microsoft Graph asked me to slow down, so I can't read Contoso's service health yet. "
        "Try again in about 20 seconds."
    )
    assert error_wording(error, Translator("ko"))[1] == (
        "Microsoft Graph이(가) 요청을 줄여 달라고 해서 아직 Contoso의 서비스 상태를 읽을 수 없습니다. "
        "약 20초 후 다시 시도하세요."
    )
