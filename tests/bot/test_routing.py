from __future__ import annotations

import pytest

from bot.routing import names_a_command, recognised_command, route_submission, route_text, typed_text
from cards.actions import InvalidSubmission


def test_teams_markup_is_removed_from_typed_text() -> None:
    assert typed_text("<p>health&nbsp;<b>contoso</b></p>") == "health contoso"
    assert typed_text("<at>Someone</at> incidents   fabrikam") == "Someone incidents fabrikam"


def test_unknown_text_routes_to_help_with_a_one_line_hint() -> None:
    route = route_text("frobnicate")
    assert route.dialog_id == "help"
    assert route.options["hint"] == "I didn't understand 'frobnicate'. Here's what I can do:"


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


def test_only_a_commands_own_name_counts_as_explicit() -> None:
    assert names_a_command("health contoso") and names_a_command("Requests contoso")
    assert not names_a_command("status page is down"), "an alias starts many a sentence"
    assert not names_a_command("help"), "help is handled by each step"
    assert names_a_command("link E2611240010000001 2611240010000007")
    assert names_a_command("request 2611240010000007")
    assert not names_a_command("link sharing fails for guests"), "not the arguments link takes"
    assert not names_a_command("note: users see errors") and not names_a_command("request a callback")


def test_recognised_commands_and_plain_answers() -> None:
    route = recognised_command("health contoso")
    assert route is not None and route.dialog_id == "health"
    assert recognised_command("Mail flow") is None
