"""Ids as people paste them. An incident id (EX1100014), an Azure tracking id (VNL2-8S8) or a message
center id (MC905123) copied out of a mail, a chat or a portal arrives quoted ('"VNL2-8S8"', “EX1100014”),
in brackets, with a trailing period or comma, with an en dash or another dash for the hyphen
(VNL2–8S8), in any case: each is read as the id it is (`typed_id`). Split in two by a space ('VNL2 8S8',
'EX 1100014') it could as well be a customer's name ('Zone 365'), so `spaced_id` is only asked once the
words are known to name no customer, and only takes an id with a digit (a misspelt two-word name like
'Bleu Yonder' is shaped like a tracking id too, and is better answered 'did you mean')."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.domain.models import is_incident_id, is_tracking_id
from services.domain.service_messages import is_message_id

# What pasting leaves around an id: quotes of every kind, brackets, and sentence punctuation.
_AROUND = "\"'`“”„‘’‚«»‹›「」『』()[]{}<>.,;:!?"
# What stands for the hyphen: every dash Unicode has (its Dash_Punctuation: hyphen, non-breaking hyphen,
# figure, en and em dash, horizontal bar, small and full-width hyphen-minus, the CJK and other scripts'
# hyphens and wave dashes) and the minus sign, whichever a keyboard, an IME or a word processor put in.
_DASH_CHARACTERS = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40"
    "\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212"
)
_DASHES = re.compile(f"[{_DASH_CHARACTERS}]")


def typed_id(word: str) -> str | None:
    """The id `word` is (any of the three kinds), upper case as Microsoft writes it; None for anything
    else."""
    text = _DASHES.sub("-", word.strip(_AROUND)).upper()
    return text if is_message_id(text) or is_incident_id(text) or is_tracking_id(text) else None


def spaced_id(words: Sequence[str]) -> tuple[str, list[str]] | None:
    """An incident or tracking id typed as the first words with a space for its hyphen ('VNL2 8S8',
    'VNL2 – 8S8') or inside it ('EX 1100014'), and the words after it; None when they aren't one."""
    dashed = len(words) > 2 and _DASHES.sub("-", words[1]) == "-"
    halves = (words[0], words[2]) if dashed else tuple(words[:2])
    if len(halves) < 2:
        return None
    first, second = halves[0].lstrip(_AROUND), halves[1].rstrip(_AROUND)
    # Letters then digits ('EX 1100014', 'MC 905123') split a Graph id; anything else a tracking id.
    graph = first.isalpha() and second.isdigit()
    found = typed_id(first + second if graph else f"{first}-{second}")
    if found is None or is_message_id(found) or not any(c.isdigit() for c in found):
        return None
    return found, list(words[3 if dashed else 2 :])
