from __future__ import annotations

import copy
import json
import sys
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
    TextInput,
)

from cards.incidents import incident_card
from cards.parts import CARD_BUDGET, CARD_VERSION, card, card_payload, safe, without_format_characters
from chatclient.card_text import render_card
from locales.translator import ENGLISH
from services.backends.demo.backend import DemoBackend
from services.domain.incidents import find_incident
from services.domain.models import IncidentPost

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_markdown_in_upstream_text_stays_literal() -> None:
    assert safe("[click](https://evil.example) **now** _x_ `code`") == (
        "\\[click\\](https://evil.example) \\*\\*now\\*\\* \\_x\\_ \\`code\\`"
    )
    assert safe("- not a list\n1. nor this") == "\\- not a list\n1\\. nor this"
    # Teams' renderer drops anything that looks like an HTML tag.
    assert safe("health <customer>") == "health \\<customer\\>"


async def test_an_incident_post_cannot_inject_links_or_formatting(demo: DemoBackend) -> None:
    lookup = await find_incident(demo, "EX1100014")
    evil = "Fixed. [Reset your password here](https://phish.example) **urgently**"
    poisoned = replace(lookup, incident=replace(lookup.incident, posts=(IncidentPost(NOW, evil),)))
    payload = card_payload(incident_card(poisoned, NOW, ENGLISH, may_file=True))
    texts = json.dumps(payload)
    assert (
        json.dumps("Fixed. \\[Reset your password here\\](https://phish.example) \\*\\*urgently\\*\\*")
        in texts
    )
    assert evil in render_card(payload).text


def test_format_characters_are_exactly_unicodes_category_cf() -> None:
    """The character class behind `without_format_characters` is every Cf character of this Python's
    Unicode, no more: a newer Unicode with new format characters fails here."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert without_format_characters(every) == "".join(c for c in every if unicodedata.category(c) != "Cf")


# Filler whose characters take 1 to 6 bytes in the card's JSON (UTF-8, escaped), so that a card lands on
# each side of the budget however its bytes are made.
FILLERS = {
    "ascii": "x",
    "korean": "가",
    "emoji": "😀",
    "quote": '"',
    "backslash": "\\",
    "newline": "\n",
    "control": "\x01",
    "mixed": 'a가"\\\n\x01😀é',
}
# Text in every other kind of field a card holds, so that each part of the card's JSON is counted.
SIDE_TEXT = 'Ana "B" \\ 가나 😀\t\x02 é'


def _near_budget(filler: str, length: int) -> tuple[list[CardElement], list[Any], str]:
    body: list[CardElement] = [
        TextBlock(text=filler * length, wrap=True),
        FactSet(facts=[Fact(title=SIDE_TEXT, value=SIDE_TEXT)]),
        TextInput(id="title", label=SIDE_TEXT, max_length=100.0, is_required=True),
    ]
    actions: list[Any] = [
        SubmitAction(title=SIDE_TEXT, data={"command": SIDE_TEXT, "page": 2, "x": [1.5, None]})
    ]
    return body, actions, SIDE_TEXT


def _json_bytes(result: AdaptiveCard) -> int:
    return len(json.dumps(card_payload(result), ensure_ascii=False).encode("utf-8"))


@pytest.mark.parametrize("name", sorted(FILLERS))
def test_a_card_is_cut_exactly_when_its_json_is_over_the_budget(name: str) -> None:
    """card() measures a card's JSON only when a cheap count says it could be over the budget: cards a
    few bytes under, at and over the budget, made of one- to six-byte characters, are each left whole
    or cut as measuring every card would."""
    filler = FILLERS[name]
    unit = _json_bytes(card(*_near_budget(filler, 1))) - _json_bytes(card(*_near_budget(filler, 0)))
    base = _json_bytes(card(*_near_budget(filler, 0)))
    around = (CARD_BUDGET - base) // unit
    seen = set()
    for length in range(around - 3, around + 4):
        body, actions, fallback = _near_budget(filler, length)
        whole = _json_bytes(
            AdaptiveCard(
                version=CARD_VERSION, body=copy.deepcopy(body), actions=actions, fallback_text=fallback
            )
        )
        made = card(body, actions, fallback)
        assert isinstance(body[0], TextBlock) and made.body and made.body[0] is body[0]
        text = body[0].text or ""
        if whole <= CARD_BUDGET:
            assert text == filler * length, f"{name} x{length}: {whole} bytes is within the budget, yet cut"
        else:
            assert text.endswith("…"), f"{name} x{length}: {whole} bytes is over the budget, yet whole"
        assert _json_bytes(made) <= CARD_BUDGET
        seen.add(whole <= CARD_BUDGET)
    assert seen == {True, False}, "the lengths tried don't straddle the budget"
