"""`import <json>` reads the document as pasted, its line breaks kept, whatever Teams wrapped it in: the
text the command's argument was read from (on one line) is found again in the pasted lines."""

from __future__ import annotations

import html
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.turn.commands import parse
from bot.turn.routing import typed_lines, typed_text
from dialogs.import_dialog import as_pasted

# What a settings document's lines hold: JSON's punctuation, names, curly quotes from Word, Korean, spaces.
_LINE = st.text(st.sampled_from(list("{}[]:,\"' abcxyz019-.’“”가나 \t")), max_size=30)


def _as_teams_sends(lines: list[str], form: str) -> str:
    if form == "newlines":
        return "\n".join(lines)
    if form == "paragraphs":
        return "".join(f"<p>{html.escape(line).replace('  ', '&nbsp; ')}</p>" for line in lines)
    return "<div>" + "<br>".join(html.escape(line) for line in lines) + "</div>"


@given(st.lists(_LINE, min_size=1, max_size=8), st.sampled_from(["newlines", "paragraphs", "breaks"]))
def test_the_document_is_read_as_pasted_whatever_teams_wrapped_it_in(lines: list[str], form: str) -> None:
    raw = _as_teams_sends(["import {", *lines, "}"], form)
    parsed = parse(typed_text(raw))
    assert parsed is not None and parsed.command.name == "import"
    document = as_pasted(parsed.argument, typed_lines(raw))
    # Never other text than the argument's: the same characters, spaced as pasted.
    assert "".join(document.split()) == "".join(parsed.argument.split())
    # And its lines: the document runs from the first line's '{' to the last line's '}'.
    assert document.startswith("{") and document.endswith("}")
    assert document.count("\n") == len(lines) + 1


def test_a_json_error_is_placed_on_the_line_pasted() -> None:
    raw = '<p>import {</p><p>&nbsp; "version": 1</p><p>&nbsp; "subscriptions": []</p><p>}</p>'
    parsed = parse(typed_text(raw))
    assert parsed is not None
    document = as_pasted(parsed.argument, typed_lines(raw))
    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(document)
    assert (error.value.lineno, error.value.colno) == (3, 3)
