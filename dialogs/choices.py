"""Typed answers to a choice: its number, its title or value in any case, or a unique start of the title
(or, failing that, of one of the title's words)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from cards.escalation import Choice
from cards.parts import echo


def normalize(text: str) -> str:
    """Case-, width- and punctuation-insensitive; letters of every script survive."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


class InvalidAnswer(Exception):
    """An answer a step refuses; `reason` is the wording shown when the question is asked again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def match_choice(text: str, choices: Sequence[Choice], unknown: str, ambiguous: str) -> Choice:
    """`unknown` and `ambiguous` are the reasons to give, with {value} and {matches} fields; {value} is
    what was typed, cut to one short line (a pasted paragraph is not shown back whole)."""
    wanted = normalize(text)
    if not wanted:
        raise InvalidAnswer(unknown.format(value=echo(text)))
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1]
    exact = [c for c in choices if wanted in (normalize(c.title), normalize(c.value))]
    if len(exact) == 1:
        return exact[0]
    starting = [c for c in choices if normalize(c.title).startswith(wanted)]
    if len(starting) == 1:
        return starting[0]
    if not starting:  # 'teams' for 'Microsoft Teams': the start of a later word
        starting = [c for c in choices if f" {wanted}" in f" {normalize(c.title)}"]
        if len(starting) == 1:
            return starting[0]
    if len(starting) > 1:
        raise InvalidAnswer(ambiguous.format(value=echo(text), matches=", ".join(c.title for c in starting)))
    raise InvalidAnswer(unknown.format(value=echo(text)))


def typed_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    """At a question that takes free text, the offered choice `text` names by its number, its name or
    value, or the start of its name; None when `text` is an answer of its own."""
    wanted = normalize(text)
    if not wanted or not choices:
        return None
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1]
    named = [
        c
        for c in choices
        if wanted in (normalize(c.title), normalize(c.value)) or normalize(c.title).startswith(wanted)
    ]
    return named[0] if len(named) == 1 else None
