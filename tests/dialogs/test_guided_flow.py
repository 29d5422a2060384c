"""The guided-flow base: card data scoped by flow, routed by flow id, and buttons of the previous
release (`{"action": "escalation.answer", ...}`, saved from real cards in fixtures/) still working."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from cards.actions import FlowAnswer, FlowEdit, FlowForm, FlowSubmit, InvalidSubmission, parse_submission
from cards.escalation import FLOW
from dialogs.escalation_dialog import ESCALATION
from dialogs.escalation_validators import phone_validator
from dialogs.root import steering_words
from locales.translator import ENGLISH
from tests.dialogs.test_escalation_dialog import GOOD_FORM, Conversation
from tests.support.harness import BotHarness
from tests.support.visible import button

OLD = json.loads((Path(__file__).parent / "fixtures" / "old_escalation_cards.json").read_text())
KEY: str = OLD["key"]


def old(card: str, title: str) -> dict[str, Any]:
    data: dict[str, Any] = OLD["cards"][card][title]
    return data


@pytest.fixture
def old_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialog started now gets the key the old cards carry, as a dialog in progress across the
    upgrade would."""
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(KEY))


def every_old_button() -> list[dict[str, Any]]:
    return [data for card in OLD["cards"].values() for data in card.values() if "key" in data]


@pytest.mark.parametrize("data", every_old_button(), ids=lambda d: f"{d['action']}-{d.get('value', '')}")
def test_every_old_button_parses_as_the_same_scoped_button(data: dict[str, Any]) -> None:
    verb = data["action"].removeprefix("escalation.")
    scoped = {**data, "flow": "escalation", "action": verb}
    assert parse_submission(data) == parse_submission(scoped)
    parsed = parse_submission(scoped)
    assert isinstance(parsed, FlowAnswer | FlowEdit | FlowSubmit | FlowForm)
    assert parsed.flow == ESCALATION == FLOW


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"flow": "setup", "action": "answer", "key": KEY, "step": "kinds", "value": "both"}, FlowAnswer),
        ({"flow": "escalation", "action": "edit", "key": KEY, "step": "title"}, FlowEdit),
        ({"flow": "escalation", "action": "submit", "key": KEY, "msteams": {"x": 1}}, FlowSubmit),
        ({"flow": "escalation", "action": "form", "key": KEY, "title": "Calls drop"}, FlowForm),
        ({"action": "setup.submit", "key": KEY}, FlowSubmit),
    ],
)
def test_any_flow_s_buttons_parse_into_typed_models(data: dict[str, Any], kind: type) -> None:
    assert isinstance(parse_submission(data), kind)


@pytest.mark.parametrize(
    "data",
    [
        {"flow": "Escalation", "action": "submit", "key": KEY},  # not an id we write
        {"flow": "../x", "action": "submit", "key": KEY},
        {"flow": "escalation", "action": "confirm", "key": KEY},  # no such verb
        {"flow": "escalation", "action": "submit", "key": "1"},
        {"flow": "escalation", "action": "answer", "key": KEY, "step": "title"},  # no value
        {"action": "escalation.confirm", "key": KEY},
        {"action": "escalation.", "key": KEY},
        {"flow": "escalation", "action": "form", "key": KEY, "title": "t" * 100_001},
        {"flow": "escalation", "action": "form", "key": KEY, **{f"f{n}": "x" for n in range(50)}},
    ],
)
def test_tampered_flow_data_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidSubmission):
        parse_submission(data)


def test_a_form_hands_its_flow_only_the_typed_values() -> None:
    form = parse_submission({"flow": "escalation", "action": "form", "key": KEY, "title": "a", "msteams": {}})
    assert isinstance(form, FlowForm) and form.fields() == {"title": "a"}


@pytest.mark.usefixtures("old_key")
async def test_old_buttons_answer_edit_and_submit_a_dialog_in_progress() -> None:
    chat = Conversation()
    await chat.say("escalate for contoso")
    assert "Microsoft is already working on this" in await chat.submit(
        old("product_question", "1. Exchange Online")
    )
    assert "Which Exchange Online topic fits best?" in await chat.submit(old("guard", "File anyway"))
    for answer in (
        "mailbox",
        "2",
        "Outlook can't open shared mailboxes",
        "Since 9am.",
        "Ana ana@contoso.example",
    ):
        await chat.say(answer)
    await chat.say("skip")
    assert "How severe is it?" in await chat.submit(old("summary", "Edit Severity"))
    assert "Severity Critical" in await chat.say("critical")
    assert (await chat.submit(old("summary", "Submit"))).startswith("Service request filed")
    (request,) = await chat.filed()
    again = await chat.submit(old("summary", "Submit"))
    assert again.startswith(f"Already filed as {request.number}."), "an old Submit after filing is answered"
    assert len(await chat.filed()) == 1


@pytest.mark.usefixtures("old_key")
async def test_an_old_form_button_fills_the_request_in_one_go() -> None:
    chat = Conversation()
    await chat.say("escalate")
    assert "<Title: " in await chat.submit(old("product_question", "Fill in a form instead"))
    summary = await chat.submit({**old("form", "Submit"), **GOOD_FORM})
    assert "Check the request before it's filed" in summary and "Title Calls drop" in summary


async def test_a_card_of_a_flow_we_do_not_have_is_refused_and_a_flow_in_progress_carries_on() -> None:
    chat = Conversation()
    text = await chat.submit({"flow": "retired", "action": "submit", "key": KEY})
    assert "That button didn't send anything I understand" in text
    await chat.say("escalate for northwind")
    text = await chat.submit({"flow": "retired", "action": "submit", "key": KEY})
    assert "That button didn't send anything I understand" in text
    assert "Which Exchange Online topic fits best?" in await chat.say("exchange"), "the escalation carries on"


async def test_new_buttons_name_their_flow() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    data = button(chat.last, "1. Exchange Online").action["data"]
    assert data == {
        "flow": "escalation",
        "action": "answer",
        "key": data["key"],
        "step": "product",
        "value": "Exchange Online",
    }


@pytest.mark.parametrize("word", sorted(steering_words("skip")))
async def test_every_skip_word_of_every_catalogue_skips_the_phone(word: str) -> None:
    catalogue = await BotHarness().desk.support_catalogue()
    assert phone_validator(f" {word.upper()} ", catalogue, ENGLISH) == ""
