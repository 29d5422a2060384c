"""What is typed into an escalation is what Microsoft receives and what the cards show: invisible format
characters don't count, and a refused form comes back no bigger than its fields allow."""

from __future__ import annotations

import json
import unicodedata

import pytest

from tests.dialogs.test_escalation_dialog import GOOD_FORM, Conversation, form_data
from tests.support.visible import as_dict

MAX_CARD_BYTES = 28 * 1024
INVISIBLE = ["\u200b\u200b\u200b", "\u202e", "\u2066\u2069", "\ufeff\u00ad", "\u200d \u200c"]


def _invisible(text: str) -> set[str]:
    return {c for c in text if unicodedata.category(c) == "Cf"}


@pytest.mark.parametrize("typed", INVISIBLE)
async def test_a_typed_title_of_only_invisible_characters_is_not_an_answer(typed: str) -> None:
    """It reads as an empty message (which explains the question); the title is asked again."""
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.say("exchange")
    await chat.say("mailbox")
    assert "A short title" in await chat.say("2")
    assert "A short title" in await chat.say(typed)
    assert "Describe" not in chat.text
    await chat.say("Calls drop")
    await chat.say("Since this morning.")
    await chat.say("Ana Bowman ana.bowman@northwind.example")
    await chat.say("skip")
    await chat.press("Submit")
    (request,) = await chat.filed()
    assert request.title == "Calls drop"


@pytest.mark.parametrize("typed", INVISIBLE)
async def test_a_form_title_of_only_invisible_characters_is_empty(typed: str) -> None:
    chat = Conversation()
    await chat.say("escalate")
    await chat.press("Fill in a form instead")
    text = await chat.submit(form_data(chat, **{**GOOD_FORM, "title": typed, "contact_name": typed + "Ana"}))
    assert "Title: That answer was empty." in text
    assert await chat.filed() == []


async def test_a_right_to_left_override_reaches_neither_microsoft_nor_a_card() -> None:
    chat = Conversation()
    await chat.say("escalate")
    await chat.press("Fill in a form instead")
    form = {
        **GOOD_FORM,
        "title": "Calls \u202edrop\u202c {{DATE(2017-02-14T06:08:39Z, SHORT)}}",
        "description": "PSTN \u2067calls\u2069 drop\u200b after 10 minutes.",
        "contact_name": "Ana \u202eBowman",
    }
    await chat.submit(form_data(chat, **form))
    receipt = await chat.press("Submit")
    (request,) = await chat.filed()
    assert request.title == "Calls drop {{DATE(2017-02-14T06:08:39Z, SHORT)}}"
    assert request.description == "PSTN calls drop after 10 minutes."
    assert request.contact.name == "Ana Bowman"
    assert "Calls drop {{DATE(2017-02-14T06:08:39Z, SHORT)}}" in receipt, "shown as typed, not as a date"
    assert not _invisible(json.dumps(as_dict(chat.last), ensure_ascii=False))


async def test_a_typed_answer_loses_its_format_characters_before_it_is_kept() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.say("exchange")
    await chat.say("mailbox")
    await chat.say("2")
    await chat.say("Outlook\u200b can't \u202eopen")
    await chat.say("Since \u2066this\u2069 morning.")
    await chat.say("Ana Bowman ana.bowman@northwind.example")
    await chat.say("skip")
    await chat.press("Submit")
    (request,) = await chat.filed()
    assert (request.title, request.description) == ("Outlook can't open", "Since this morning.")


async def test_a_refused_form_comes_back_within_its_fields_limits() -> None:
    """Teams' maxLength is the client's promise: a crafted submit of the largest values the form model
    takes is echoed cut to each field's catalogue limit, and the card stays within Teams' 28 KB."""
    chat = Conversation()
    await chat.say("escalate")
    await chat.press("Fill in a form instead")
    huge = {
        **GOOD_FORM,
        "customer": "c" * 300,
        "title": "t" * 10_000,
        "description": "d" * 100_000,
        "contact_name": "n" * 10_000,
        "contact_email": "e" * 10_000,
        "phone": "9" * 10_000,
    }
    await chat.submit(form_data(chat, **huge))
    card = as_dict(chat.last)["attachments"][0]["content"]
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) <= MAX_CARD_BYTES
    inputs = {i["id"]: i for i in card["body"] if i.get("type") == "Input.Text"}
    assert {field: len(i["value"]) for field, i in inputs.items()} == {
        "customer": 300,
        "title": 100,
        "description": 4000,
        "contact_name": 100,
        "contact_email": 254,
        "phone": 40,
    }
    assert all(len(i["value"]) <= i["maxLength"] for i in inputs.values())
    assert await chat.filed() == []
