from __future__ import annotations

import pytest

from bot.turn.commands import (
    COMMANDS,
    CUSTOMERS_DIALOG,
    ESCALATION_DIALOG,
    HELP_DIALOG,
    OPERATOR_FLOWS,
    REQUESTS_DIALOG,
    parse,
)
from cards.actions import (
    change_command,
    changes_command,
    escalate_command,
    health_command,
    incident_command,
    incidents_command,
    request_command,
)
from cards.azure import azure_events_command
from dialogs.root import ROOT
from locales.translator import LANGUAGES, Translator
from services.domain.models import Customer
from tests.services.test_typed_ids import DASH_IDS, EVERY_DASH
from tests.support.harness import BotHarness


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("health contoso", "health", "contoso"),
        ("Health Contoso!", "health", "Contoso"),
        ("  HEALTH   contoso.onmicrosoft.com ", "health", "contoso.onmicrosoft.com"),
        ("status of contoso", "health", "contoso"),
        ("how is contoso doing?", "health", "contoso"),
        ("How's Woodgrove Bank looking today", "health", "Woodgrove Bank"),
        ("is fabrikam ok?", "health", "fabrikam"),
        ("what's the status of contoso pharma", "health", "contoso pharma"),
        ("incidents fabrikam", "incidents", "fabrikam"),
        ("incidents for woodgrove", "incidents", "woodgrove"),
        ("show incidents for woodgrove", "incidents", "woodgrove"),
        ("show me the active incidents at Contoso Ltd", "incidents", "Contoso Ltd"),
        ("list contoso's incidents", "incidents", "contoso"),
        ("what's wrong with contoso?", "incidents", "contoso"),
        ("incidents contoso exchange all", "incidents", "contoso exchange all"),
        ("incident ex1100014", "incident", "ex1100014"),
        ("incidents EX1100014", "incident", "EX1100014"),
        ("EX1100014", "incident", "EX1100014"),
        ("changes", "changes", ""),
        ("changes for contoso exchange", "changes", "contoso exchange"),
        ("change contoso", "changes", "contoso"),
        ("messages woodgrove", "changes", "woodgrove"),
        ("change MC905123", "change", "MC905123"),
        ("changes mc905123", "change", "mc905123"),
        ("MC905123", "change", "MC905123"),
        ("mc905123?", "change", "mc905123"),
        ("change MC12", "change", "MC12"),
        ("변경 contoso", "changes", "contoso"),
        ("변경상세 MC905123", "change", "MC905123"),
        ("변경상세 contoso", "change", "contoso"),
        ("tell me about MC905123", "change", "MC905123"),
        ("incident mc905123", "change", "mc905123"),
        ("what's due", "changes", ""),
        ("what is changing for contoso", "changes", "contoso"),
        ("planned changes for woodgrove bank", "changes", "woodgrove bank"),
        ("contoso 변경사항 알려줘", "changes", "contoso"),
        ("woodgrove 메시지 센터 보여줘", "changes", "woodgrove"),
        ("show EX1100014", "incident", "EX1100014"),
        ("tell me about EX1100014", "incident", "EX1100014"),
        ("incident contoso", "incidents", "contoso"),
        ("incident vnl2-8s8", "incident", "vnl2-8s8"),
        ("incidents VNL2-8S8", "incident", "VNL2-8S8"),
        ("VNL2-8S8", "incident", "VNL2-8S8"),
        ("incidents contoso azure all", "incidents", "contoso azure all"),
        ("customers", "customers", ""),
        ("customers fab", "customers", "fab"),
        ("list customers", "customers", ""),
        ("show all customers matching wood", "customers", "wood"),
        ("find contoso", "customers", "contoso"),
        ("help", "help", ""),
        ("?", "help", ""),
        ("what can you do?", "help", ""),
        ("", "help", ""),
        ("please health contoso, thanks", "health", "contoso"),
        ("/health contoso", "health", "contoso"),
        ("health 한빛 물류", "health", "한빛 물류"),
        ("escalate", "escalate", ""),
        ("escalate for contoso about EX1100014", "escalate", "contoso about EX1100014"),
        ("file a request", "escalate", ""),
        ("File a service request for contoso", "escalate", "contoso"),
        ("open a ticket for woodgrove", "escalate", "woodgrove"),
        ("request", "escalate", ""),
        ("request for contoso", "escalate", "contoso"),
        ("request 2611240010000001", "request", "2611240010000001"),
        ("requests", "requests", ""),
        ("requests contoso", "requests", "contoso"),
        ("show service requests", "requests", ""),
        ("note 2611240010000001 Customer confirmed", "note", "2611240010000001 Customer confirmed"),
        ("request E2611240010000001", "request", "E2611240010000001"),
        ("link E2611240010000001 2611240010000007", "link", "E2611240010000001 2611240010000007"),
        ("owner contoso", "owner", "contoso"),
        ("Owner of Contoso Ltd none", "owner", "Contoso Ltd none"),
        ("assign 한빛 물류", "owner", "한빛 물류"),
        ("담당지정 contoso 없음", "owner", "contoso 없음"),
        ("owners", "owners", ""),
        ("owners for woodgrove", "owners", "woodgrove"),
        ("담당자 contoso", "owners", "contoso"),
        ("mine", "mine", ""),
        ("내고객", "mine", ""),
        # As people space it: a word of two words.
        ("내 고객", "mine", ""),
        ("내  고객?", "mine", ""),
    ],
)
def test_people_type_freely(text: str, command: str, argument: str) -> None:
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.command.name, parsed.argument) == (command, argument)


@pytest.mark.parametrize(
    "text",
    [
        "incident MC905123",
        "incident mc905123",
        "incidents MC905123",
        "incidents mc905123?",
        "장애상세 MC905123",
        "장애상세 mc905123",
        "장애 MC905123",
        "show me MC905123",
        "incident MC905123 contoso",
    ],
)
def test_a_message_center_id_where_an_incident_id_goes_opens_the_message(text: str) -> None:
    """Graph's MC ids are shaped like incident ids: whichever incident word (English or Korean, one or
    many) comes before one, the person wants that message, not 'incident not found'."""
    parsed = parse(text)
    assert parsed is not None
    assert parsed.command.name == "change"
    assert parsed.argument.split()[0].upper() == "MC905123"


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("incident VNL2–8S8", "incident", "VNL2-8S8"),
        ("incident VNL2—8S8", "incident", "VNL2-8S8"),
        ("incident VNL2−8S8 contoso", "incident", "VNL2-8S8 contoso"),
        ('incident "VNL2-8S8"', "incident", "VNL2-8S8"),
        ("incident 'vnl2-8s8'.", "incident", "VNL2-8S8"),
        ("incidents “VNL2‑8S8”", "incident", "VNL2-8S8"),
        ("incident (EX1100014)", "incident", "EX1100014"),
        ("incident [ex1100014], contoso", "incident", "EX1100014 contoso"),
        ("«VNL2–8S8»", "incident", "VNL2-8S8"),
        ("“EX1100014”.", "incident", "EX1100014"),
        ("'MC905123'", "change", "MC905123"),
        ("change (mc905123)", "change", "MC905123"),
        ("incident 'mc905123'", "change", "MC905123"),
        ("escalate 'EX1100014'", "escalate", "EX1100014"),
        # Split by a space it may be a customer: the incidents dialog tells (test_incidents_dialog.py).
        ("incident VNL2 8S8", "incidents", "VNL2 8S8"),
        ("incident zone 365", "incidents", "zone 365"),
        ("incident 'contoso'", "incidents", "'contoso'"),
        ("health 'ab-12'", "health", "'ab-12'"),
        ("incident fourth coffee", "incidents", "fourth coffee"),
    ],
)
def test_an_id_pasted_with_quotes_a_dash_or_punctuation_is_the_id(
    text: str, command: str, argument: str
) -> None:
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.command.name, parsed.argument) == (command, argument)


@pytest.mark.parametrize("dash", EVERY_DASH, ids=DASH_IDS)
@pytest.mark.parametrize(
    ("typed", "command", "argument"),
    [
        ("incident VNL2{dash}8S8", "incident", "VNL2-8S8"),
        ("incident VNL2{dash}8S8 contoso", "incident", "VNL2-8S8 contoso"),
        ("incidents “VNL2{dash}8S8”", "incident", "VNL2-8S8"),
        ("장애상세 VNL2{dash}8S8", "incident", "VNL2-8S8"),
        ("VNL2{dash}8S8", "incident", "VNL2-8S8"),
        ("(KR3T{dash}7HN).", "incident", "KR3T-7HN"),
        ("escalate VNL2{dash}8S8", "escalate", "VNL2-8S8"),
    ],
)
def test_a_tracking_id_typed_with_any_dash_is_the_id(
    typed: str, command: str, argument: str, dash: str
) -> None:
    """Word, Outlook and IMEs put a dash of their own in a tracking id (U+2010 hyphen, U+2011
    non-breaking hyphen, U+2012 figure dash, U+2212 minus, U+FF0D full-width hyphen-minus, ...)."""
    parsed = parse(typed.format(dash=dash))
    assert parsed is not None
    assert (parsed.command.name, parsed.argument) == (command, argument)


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("EX1100014 알려줘", "incident", "EX1100014"),
        ("ex1100014 보여 주세요", "incident", "ex1100014"),
        ("EX1100014에 대해 알려줘", "incident", "EX1100014"),
        ("VNL2-8S8 알려줘", "incident", "VNL2-8S8"),
        ("vnl2-8s8 좀 보여줘", "incident", "vnl2-8s8"),
        ("MC905123 알려줘", "change", "MC905123"),
        ("mc905123 보여줘?", "change", "mc905123"),
    ],
)
def test_an_id_then_a_korean_tell_me_opens_it(text: str, command: str, argument: str) -> None:
    """'EX1100014 알려줘' is how 'tell me about EX1100014' is said in Korean."""
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.command.name, parsed.argument) == (command, argument)


@pytest.mark.parametrize("text", ["frobnicate the widgets", "delete everything", "what is love"])
def test_unknown_text_is_not_a_command(text: str) -> None:
    assert parse(text) is None


def test_commands_run_by_card_buttons_parse_back_to_the_same_request() -> None:
    customer = Customer("c-id", "t-id", "Contoso Ltd", "contoso.onmicrosoft.com", "reseller", True)
    cases = {
        health_command(customer): ("health", "c-id"),
        incidents_command(customer, "exchange", True): ("incidents", "c-id exchange all"),
        incident_command("EX1100014", customer): ("incident", "EX1100014 c-id"),
        incident_command("VNL2-8S8", customer): ("incident", "VNL2-8S8 c-id"),
        azure_events_command(customer, "sql", True): ("incidents", "c-id azure sql all"),
        escalate_command(customer): ("escalate", "c-id"),
        escalate_command(customer, "EX1100014"): ("escalate", "c-id about EX1100014"),
        escalate_command(customer, service="exchange"): ("escalate", "c-id on exchange"),
        request_command("2611240010000001"): ("request", "2611240010000001"),
        changes_command(customer): ("changes", "c-id"),
        changes_command(): ("changes", ""),
        change_command("MC905123"): ("change", "MC905123"),
    }
    for text, expected in cases.items():
        parsed = parse(text)
        assert parsed is not None
        assert (parsed.command.name, parsed.argument) == expected


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_command_is_taught_with_a_runnable_example(language: str) -> None:
    t = Translator(language)
    for command in COMMANDS:
        example = command.help_entry(
            t,
            {
                "number": "2612060010000001",
                "reference": "E2612060010000001",
                "settings": '{"version": 1}',
                "filing": "yes",
            },
        ).example
        parsed = parse(example)
        assert parsed is not None and parsed.command is command, example


async def test_every_command_is_registered_once_with_a_dialog_that_runs_it() -> None:
    """The row is the registration: the dialog it builds carries the row's id, the root runs every row's
    dialog and no other, and nothing else names a dialog no row builds."""
    root = BotHarness().bot.root
    ids = [c.dialog_id for c in COMMANDS]
    assert len(set(ids)) == len(ids) == len({c.name for c in COMMANDS}), "one row per command and per dialog"
    for command in COMMANDS:
        dialog = await root.find_dialog(command.dialog_id)
        assert dialog is not None, f"{command.name}: its dialog is not in the root"
        assert dialog.id == command.dialog_id, f"{command.name}: its dialog took another id"
    # The root's own steps aside, every dialog in it is a command's.
    in_root = {dialog_id for dialog_id in root._dialogs._dialogs if not dialog_id.startswith(f"{ROOT}.")}
    assert in_root == set(ids), "a dialog in the root that no command starts, or a command without one"
    for edge in (HELP_DIALOG, CUSTOMERS_DIALOG, REQUESTS_DIALOG, ESCALATION_DIALOG, *OPERATOR_FLOWS):
        assert edge in ids, f"{edge}: started by the edge, but no command builds it"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_says_what_it_does_in_the_catalogue(language: str) -> None:
    t = Translator(language)
    wanted = [f"command.{c.name}.{part}" for c in COMMANDS for part in ("usage", "summary", "example")]
    wanted += [c.operator_action for c in COMMANDS if c.operator_action]
    assert [message_id for message_id in wanted if t(message_id) in ("", message_id)] == []
