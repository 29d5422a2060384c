"""`escalate woodgrove` while a request for Contoso is in progress: the bot says which request is in progress
and offers to carry on or to switch; the new one starts only once the old one is cancelled, and nothing is
filed for either until its own Submit."""

from __future__ import annotations

import pytest

from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.visible import button, buttons

IN_PROGRESS = "You're filing a service request for Contoso Ltd; nothing has been filed yet."
START = "Start 'escalate woodgrove' instead?"
# Each question of a Contoso request (OneDrive has no active incident) and how to get there.
CONTOSO = ("escalate for contoso", "onedrive", "1", "minimal", "Sync stops", "Files stay pending.")
STEPS = {
    "product": (1, "Which product is affected?"),
    "topic": (2, "Which OneDrive for Business topic fits best?"),
    "severity": (3, "How severe is it?"),
    "title": (4, "A short title"),
    "description": (5, "Describe the problem"),
    "contact": (6, "Who should Microsoft contact?"),
    "summary": (8, "Check the request before it's filed"),
}
TO_SUMMARY = (*CONTOSO, "ana@contoso.example", "skip")


async def _at(step: str) -> Conversation:
    chat = Conversation()
    turns, question = STEPS[step]
    for text in TO_SUMMARY[:turns]:
        await chat.say(text)
    assert question in chat.text
    return chat


async def _ask_to_switch(chat: Conversation, step: str) -> str:
    text = await chat.say("escalate woodgrove")
    if step in ("title", "description", "contact"):  # free text: first, is it the answer?
        assert "'escalate woodgrove' reads like a command too." in text
        text = await chat.say("run")
    return text


@pytest.mark.parametrize("step", list(STEPS))
async def test_escalate_for_another_customer_says_what_is_in_progress_and_carry_on_keeps_it(
    step: str,
) -> None:
    chat = await _at(step)
    offer = await _ask_to_switch(chat, step)
    assert IN_PROGRESS in offer and START in offer
    assert await chat.filed() == []
    back = await chat.press("1. Carry on with this one")
    assert STEPS[step][1] in back and "Contoso Ltd" in back, "the same question, for Contoso"


@pytest.mark.parametrize("step", list(STEPS))
async def test_switching_cancels_the_old_request_then_starts_the_new_one(step: str) -> None:
    chat = await _at(step)
    await _ask_to_switch(chat, step)
    switched = await chat.press("2. Cancel this one and start the new one")
    assert switched.startswith("Cancelled. Nothing was filed.")
    assert "File a service request · Woodgrove Bank" in switched and "Which product is affected?" in switched
    assert await chat.filed() == []


@pytest.mark.parametrize(
    ("typed", "carries_on"), [("1", True), ("carry", True), ("2", False), ("cancel this", False)]
)
async def test_the_switch_can_be_typed(typed: str, carries_on: bool) -> None:
    chat = await _at("severity")
    await _ask_to_switch(chat, "severity")
    reply = await chat.say(typed)
    assert ("How severe is it?" in reply) is carries_on
    assert ("Woodgrove Bank" in reply) is not carries_on


async def test_cancel_typed_at_the_offer_cancels_without_starting_anything() -> None:
    chat = await _at("topic")
    await _ask_to_switch(chat, "topic")
    assert await chat.say("cancel") == "Cancelled. Nothing was filed."


async def test_the_old_summarys_submit_files_nothing_after_a_switch() -> None:
    chat = await _at("summary")
    summary = chat.last
    await _ask_to_switch(chat, "summary")
    await chat.press("2. Cancel this one and start the new one")
    await chat.press("Submit", summary)
    assert await chat.filed() == [], "Contoso's request was cancelled"
    assert "Which product is affected?" in await chat.say("resume"), "Woodgrove's request is in progress"


async def test_at_the_summary_submit_after_carrying_on_files_for_contoso_once() -> None:
    chat = await _at("summary")
    await _ask_to_switch(chat, "summary")
    summary = await chat.press("1. Carry on with this one")
    assert "Customer Contoso Ltd" in summary
    await chat.press("Submit")
    (request,) = await chat.filed()
    assert request.customer_name == "Contoso Ltd"


async def test_a_file_a_request_button_of_an_older_card_offers_to_switch_too() -> None:
    chat = Conversation()
    incidents = (await chat.bot.say("incidents woodgrove"))[0]
    for text in CONTOSO[:3]:
        await chat.say(text)
    titles = [b.title for b in buttons(incidents)]
    escalate = next(t for t in titles if "service request" in t.lower())
    offer = await chat.press(escalate, incidents)
    assert IN_PROGRESS in offer and "escalate for" in offer
    assert button(chat.last, "1. Carry on with this one")
