from __future__ import annotations

import pytest

from bot.turn.routing import complete_command, recognised_command, route_submission, route_text, typed_text
from cards.actions import InvalidSubmission
from locales.translator import Translator
from tests.support.harness import demo_backend


def test_teams_markup_is_removed_from_typed_text() -> None:
    assert typed_text("<p>health&nbsp;<b>contoso</b></p>") == "health contoso"
    assert typed_text("<at>Someone</at> incidents   fabrikam") == "Someone incidents fabrikam"


def test_unknown_text_routes_to_help_with_a_one_line_hint() -> None:
    route = route_text("frobnicate")
    assert route.dialog_id == "help"
    assert route.options["hint"] == "I didn't understand 'frobnicate'. Here's what I can do:"


@pytest.mark.parametrize(
    ("typed", "language", "hint"),
    [
        ("cancel", "en", "edge.nothing_to_cancel"),
        ("Never mind!", "en", "edge.nothing_to_cancel"),
        ("stop", "en", "edge.nothing_to_cancel"),
        ("취소", "ko", "edge.nothing_to_cancel"),
        ("cancel", "ko", "edge.nothing_to_cancel"),
        ("go back", "en", "edge.nothing_to_back"),
        ("이전", "ko", "edge.nothing_to_back"),
        ("resume", "en", "edge.nothing_to_resume"),
        ("continue.", "en", "edge.nothing_to_resume"),
        ("계속", "ko", "edge.nothing_to_resume"),
    ],
)
def test_a_steering_word_with_nothing_running_says_so_rather_than_not_understood(
    typed: str, language: str, hint: str
) -> None:
    """A flow's own question takes these first; on their own they steer nothing, and saying 'I didn't
    understand "cancel"' would be wrong: the bot did understand."""
    t = Translator(language)
    route = route_text(typed, t)
    assert route.dialog_id == "help"
    assert route.options["hint"] == t(hint)


@pytest.mark.parametrize("typed", ["cancel my subscription to contoso", "back up the mailbox", "cancelled"])
def test_a_steering_word_inside_other_words_is_not_understood_as_before(typed: str) -> None:
    assert route_text(typed).options["hint"] == f"I didn't understand '{typed}'. Here's what I can do:"


def test_a_button_runs_its_command_as_if_typed() -> None:
    route = route_submission({"action": "command.run", "command": "health contoso", "msteams": {"x": 1}})
    assert (route.dialog_id, route.options["argument"]) == ("health", "contoso")


def test_paging_buttons_carry_search_and_page() -> None:
    route = route_submission({"action": "customers.page", "search": "fab", "page": 2})
    assert (route.dialog_id, route.options) == ("customers", {"argument": "fab", "page": 2})


@pytest.mark.parametrize(
    "value",
    [
        {"action": "customers.page", "search": "fab", "page": "2; drop table"},
        {"action": "customers.page", "page": -1},
        {"action": "escalation.delete_everything"},
        {"action": "command.run", "command": ""},
        {"action": "command.run", "command": "x" * 5000},
        {"command": "health contoso"},
        "health contoso",
        None,
        [1, 2],
    ],
)
def test_tampered_button_data_is_rejected(value: object) -> None:
    with pytest.raises(InvalidSubmission):
        route_submission(value)


@pytest.mark.parametrize(
    ("text", "dialog"),
    [
        ("health contoso", "health"),
        ("Requests woodgrove", "requests"),
        ("customers contoso", "customers"),
        ("incidents fabrikam inc exchange all", "incidents"),
        ("how is northwind doing?", "health"),
        ("link E2611240010000001 2611240010000007", "link"),
        ("request 2611240010000007", "request"),
        ("escalate for woodgrove", "escalation"),
        ("escalate", "escalation"),
        ("overview", "overview"),
        ("quiet 2h", "quiet"),
        ("quiet off", "quiet"),
        ("조용히 72시간", "quiet"),
        ("language ko", "language"),
        ("상태 한빛", "health"),
        ("고객 contoso", "customers"),
        ("요청목록", "requests"),
    ],
)
async def test_a_complete_command_with_valid_arguments_is_recognised(text: str, dialog: str) -> None:
    route = await complete_command(text, demo_backend())
    assert route is not None and route.dialog_id == dialog


@pytest.mark.parametrize(
    "text",
    [
        "status page is down",
        "help",
        "hello, since 9am users cannot join meetings",
        "Health check endpoint returns 503",
        "Customers can't join meetings",
        "Overview page is blank",
        "link sharing fails for guests",
        "note: users see errors",
        "request a callback",
        "quiet hours setting is ignored",
        # What `quiet` itself refuses (whole hours 1-72), and a bare `quiet` that only asks how long.
        "quiet 0.5",
        "quiet 100",
        "quiet 1e-9",
        "quiet",
        "language pack install fails",
        "audit log export fails",
        "상태 표시줄이 사라졌습니다",
        "요청한 라이선스가 적용되지 않음",
    ],
)
async def test_a_sentence_starting_with_a_command_word_is_not_a_complete_command(text: str) -> None:
    assert await complete_command(text, demo_backend()) is None


def test_recognised_commands_and_plain_answers() -> None:
    route = recognised_command("health contoso")
    assert route is not None and route.dialog_id == "health"
    assert recognised_command("Mail flow") is None
