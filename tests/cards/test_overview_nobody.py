"""The overview of someone who can read no customer's health (no GDAP grants, or no delegated access to
any) says so, rather than '✓ All 0 customers healthy'."""

from __future__ import annotations

import pytest

from cards.notifications import overview_card
from dialogs.replies import card_reply
from locales.translator import Translator
from tests.support.harness import DEMO_NOW
from tests.support.visible import visible_text


@pytest.mark.parametrize(
    ("language", "readable", "unreadable", "says", "never"),
    [
        ("en", 0, 0, "There are no customers whose health I can read.", ["All 0", "✓"]),
        ("en", 0, 3, "There are no customers whose health I can read.", ["All 0", "✓"]),
        ("ko", 0, 0, "상태를 읽을 수 있는 고객이 없습니다.", ["0곳", "✓"]),
        ("en", 1, 0, "✓ All 1 customer healthy", ["no customers"]),
        ("en", 22, 2, "✓ All 22 customers healthy", ["no customers"]),
    ],
)
def test_an_overview_with_no_customer_to_read_says_so(
    language: str, readable: int, unreadable: int, says: str, never: list[str]
) -> None:
    reply = card_reply(overview_card([], readable, unreadable, DEMO_NOW, Translator(language)))
    shown = visible_text(reply)
    assert says in shown, shown
    for words in never:
        assert words not in shown, shown
    summary = reply.attachments[0].content.get("fallbackText", "")
    assert not any(words in summary for words in never), summary
