"""A hint that quotes a command to type names the command that does what the hint says, in each
language: the Korean 'no requests yet' told people to file with '요청', which only ever shows one."""

from __future__ import annotations

import re

import pytest

from bot.turn.commands import parse
from locales.translator import LANGUAGES, Translator

# (message id, the command its quoted words must run)
HINTS = [("requests.none", "escalate"), ("owners.nobody_owns", "owner")]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("message_id", "command"), HINTS)
def test_the_quoted_command_does_what_the_hint_says(language: str, message_id: str, command: str) -> None:
    text = Translator(language)(message_id)
    quoted = re.findall(r"'([^']+)'", text)
    assert quoted, text
    for typed in quoted:
        parsed = parse(typed)
        assert parsed is not None and parsed.command.name == command, (typed, text)
