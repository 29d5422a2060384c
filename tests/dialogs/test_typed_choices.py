"""Every choice a card offers can be typed instead of pressed: by its number, its name, or the start of it.

For every question of the escalation that offers choices (and the two the root asks itself), each offered
button is pressed in one conversation and typed, by number and by name, in two others that reached the
same question the same way; what the person sees next must be the same.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.harness import BotHarness
from tests.support.visible import buttons, visible_text

# The buttons every question card has; they steer (typed as 'back' / 'cancel') rather than answer.
STEERING_BUTTONS = {"Back", "Cancel", "Resume"}
_NUMBERED = re.compile(r"^(?P<number>\d+)\. (?P<name>.+)$")


class Roster:
    """The Teams roster as the bot's connector reads it (dialogs/teams_member.py), with an email."""

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]:
        return {"id": member_id, "name": "Ana Bowman", "email": "ana.bowman@contoso-partner.example"}


TO_THE_TITLE = ("escalate for northwind", "exchange", "mail flow", "minimal")
# How to reach each question that offers choices, as typed by a person.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "product": ("escalate for northwind",),
    "azure product": ("escalate for contoso on Virtual Machines",),
    "topic": ("escalate for northwind", "exchange"),
    "severity": ("escalate for northwind", "exchange", "mail flow"),
    "guard": ("escalate for contoso", "exchange"),
    "title with a suggestion": ("escalate for contoso about EX1100014", "mailbox", "minimal"),
    "description with a suggestion": ("escalate for contoso about EX1100014", "mailbox", "minimal", "Mail"),
    "contact": (*TO_THE_TITLE, "Mail is slow", "Mail takes an hour."),
    "phone": (*TO_THE_TITLE, "Mail is slow", "Mail takes an hour.", "keep"),
    "answer or command": (*TO_THE_TITLE, "health woodgrove"),
    "carry on or switch": ("escalate for northwind", "exchange", "escalate woodgrove"),
}


async def _reach(path: tuple[str, ...]) -> Conversation:
    bot = BotHarness()
    bot.adapter.connector = Roster()
    chat = Conversation(bot)
    for text in path:
        await chat.say(text)
    return chat


def _offered(reply: Any) -> list[tuple[int, str, str]]:
    """(number, name, button title) of each choice the card offers, numbered as a person counts them."""
    titles = [b.title for b in buttons(reply)]
    offered = [t for t in titles if t not in STEERING_BUTTONS and t != "Fill in a form instead"]
    found = []
    for position, title in enumerate(offered, 1):
        numbered = _NUMBERED.match(title)
        name = numbered.group("name") if numbered else title
        found.append((int(numbered.group("number")) if numbered else position, name, title))
    return found


def _cases() -> list[tuple[str, int]]:
    # How many choices each question offers (asserted again in the test, so a change is noticed).
    counts = {
        "product": 16,  # Microsoft 365's nine, then the demo desk's seven Azure Support products
        "azure product": 2,  # the two Azure Support products Resource Health's 'Virtual Machines' means
        "topic": 2,
        "severity": 3,
        "guard": 2,
        "title with a suggestion": 1,
        "description with a suggestion": 1,
        "contact": 1,
        "phone": 1,
        "answer or command": 2,
        "carry on or switch": 2,
    }
    return [(question, index) for question, count in counts.items() for index in range(count)]


# The same answer to every later question, so that two conversations differ only by the choice made.
LATER_ANSWERS = (
    ("Pick up where you left off?", "resume"),
    ("Which product is affected?", "exchange"),
    ("topic fits best?", "1"),
    ("How severe is it?", "minimal"),
    ("File a request anyway, or follow the incident?", "file"),
    ("A short title", "Typed title"),
    ("Describe the problem", "Typed description"),
    ("Who should Microsoft contact?", "ana@northwind.example"),
    ("A phone number", "skip"),
)


async def _after(path: tuple[str, ...], action: str, title: str = "") -> str:
    """What the person sees after the choice, and the summary the rest of the conversation reaches
    (so a choice that only looks the same, a title '1' for 'Use the suggestion', is told apart)."""
    chat = await _reach(path)
    seen = [await chat.press(title) if title else await chat.say(action)]
    for _ in range(12):
        answer = next((a for prompt, a in LATER_ANSWERS if prompt in chat.text), None)
        if answer is None:
            break
        seen.append(await chat.say(answer))
    return "\n---\n".join(seen)


@pytest.mark.parametrize(("question", "index"), _cases())
async def test_each_offered_choice_typed_by_number_or_name_does_what_pressing_it_does(
    question: str, index: int
) -> None:
    path = QUESTIONS[question]
    chat = await _reach(path)
    offered = _offered(chat.last)
    number, name, title = offered[index]
    pressed = await _after(path, "", title)
    assert pressed, "pressing it answered"
    for typed in (str(number), name, name.lower()):
        assert await _after(path, typed) == pressed, f"typed {typed!r} at the {question} question"


@pytest.mark.parametrize("question", ["product", "azure product", "topic", "severity", "guard"])
async def test_the_start_of_a_choice_is_enough(question: str) -> None:
    path = QUESTIONS[question]
    chat = await _reach(path)
    _, name, title = _offered(chat.last)[-1]
    start = name[:-3]
    assert await _after(path, start) == await _after(path, "", title)


async def test_the_question_counts_match_the_cards() -> None:
    for question, path in QUESTIONS.items():
        chat = await _reach(path)
        count = sum(1 for q, _ in _cases() if q == question)
        assert len(_offered(chat.last)) == count, f"{question}: {[t for *_, t in _offered(chat.last)]}"


SUMMARY_PATH = (*TO_THE_TITLE, "Mail is slow", "Mail takes an hour.", "keep", "skip")


async def test_the_summary_buttons_can_be_typed_by_name_but_not_by_number() -> None:
    chat = await _reach(SUMMARY_PATH)
    summary = chat.last
    names = [b.title for b in buttons(summary) if b.title not in STEERING_BUTTONS]
    assert "Submit" in names and "Edit Severity" in names
    for name in names:
        if name == "Submit":
            continue
        assert await _after(SUMMARY_PATH, name) == await _after(SUMMARY_PATH, "", name), name
    typed = await _reach(SUMMARY_PATH)
    assert "isn't one of the choices" in await typed.say("1") and await typed.filed() == []
    assert (await typed.say("submit")).startswith("Service request filed")
    assert len(await typed.filed()) == 1


async def test_the_form_button_can_be_typed_by_its_name() -> None:
    chat = await _reach(QUESTIONS["topic"])
    assert "Every field is checked again when you press Submit" in visible_text(
        (await chat.bot.say("Fill in a form instead"))[0]
    )
