"""Limits on what an incoming activity may be, checked before anything parses or runs it.

The body size is http.py's (413). Here: how deeply the JSON nests (checked on the raw bytes, before
`json.loads` can recurse), how long the text is and how many entities and attachments come with it.
Teams itself sends far less than any of these; anything bigger is not from Teams.
"""

from __future__ import annotations

import re
from typing import Any

# Teams' own activities nest about 8 deep (card data inside value inside an invoke).
MAX_JSON_DEPTH = 32
# Teams caps a message at about 28 KB.
MAX_TEXT_CHARS = 32_000
MAX_ENTITIES = 64
MAX_ATTACHMENTS = 16

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def nests_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON in `body` opens more than `limit` arrays/objects inside each other.

    Strings are blanked first (a bracket inside a string doesn't nest); only brackets are visited, so an
    ordinary activity costs a few dozen steps and a bracket bomb stops at the limit.
    """
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def activity_problem(payload: dict[str, Any]) -> str | None:
    """Why this activity is beyond our limits, or None."""
    text = payload.get("text")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        return f"Text is limited to {MAX_TEXT_CHARS} characters"
    for field, limit in (("entities", MAX_ENTITIES), ("attachments", MAX_ATTACHMENTS)):
        value = payload.get(field)
        if value is not None and not isinstance(value, list):
            return f"'{field}' must be a list"
        if isinstance(value, list) and len(value) > limit:
            return f"At most {limit} {field} are accepted"
    return None
