"""Every Try button on the help card works: its example names things that exist (the demo's own requests)."""

from __future__ import annotations

import pytest

from tests.dialogs.test_escalation_dialog import Conversation, to_summary
from tests.support.harness import BotHarness
from tests.support.visible import buttons, visible_text

NOT_THERE = ("not found", "couldn't find", "didn't understand", "isn't", "doesn't exist")


async def _help_with(filed: bool) -> tuple[BotHarness, list[str]]:
    bot = BotHarness()
    if filed:
        chat = Conversation(bot)
        await to_summary(chat)
        await chat.press("Submit")
    (card,) = await bot.say("help")
    return bot, [b.title for b in buttons(card) if b.title.startswith("Try: ")]


async def test_with_no_request_filed_the_help_offers_no_request_to_try() -> None:
    _, tries = await _help_with(filed=False)
    assert tries, "the other commands still have their Try button"
    assert not [t for t in tries if t.startswith(("Try: request ", "Try: note ", "Try: link "))]


async def test_once_a_request_is_filed_the_help_tries_that_one() -> None:
    bot, tries = await _help_with(filed=True)
    (request,) = await bot.desk.recent_requests()
    assert f"Try: request {request.number}" in tries
    assert f"Try: note {request.number} Customer confirmed the workaround" in tries


@pytest.mark.parametrize("filed", [False, True])
async def test_every_try_button_on_the_help_card_finds_what_it_names(filed: bool) -> None:
    _, tries = await _help_with(filed)
    for title in tries:
        bot, _ = await _help_with(filed)
        (card,) = await bot.say("help")
        replies = await bot.press(next(b for b in buttons(card) if b.title == title))
        text = "\n".join(visible_text(r) for r in replies)
        assert replies and not any(word in text for word in NOT_THERE), f"{title}: {text[:300]}"
