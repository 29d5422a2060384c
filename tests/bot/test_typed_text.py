"""Invisible format characters in what people type don't change which command it is."""

from __future__ import annotations

import pytest

from bot.turn.routing import typed_text
from tests.support.harness import BotHarness
from tests.support.visible import visible_text


@pytest.mark.parametrize(
    "typed",
    [
        "he\u200balth contoso",
        "\u202ehealth contoso\u202c",
        "health\u2060 \ufeffcontoso",
        "\u2067상태\u2069 contoso",
    ],
)
async def test_a_command_with_format_characters_is_the_command(typed: str) -> None:
    assert typed_text(typed) in ("health contoso", "상태 contoso")
    assert visible_text(await BotHarness().one(typed)).startswith("Service health · Contoso Ltd")
