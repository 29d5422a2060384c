"""Limits on what an incoming activity may be, checked before anything parses or runs it.

The body size is http.py's (413). Here: how deeply the JSON nests (checked on the raw bytes, before
`json.loads` can recurse), text that can't be stored, how long the text is and how many entities and
attachments come with it. Teams itself sends far less than any of these; anything bigger is not from Teams.
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
# A UTF-16 surrogate can only reach a str through a \u escape (raw ones aren't valid UTF-8).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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


def without_lone_surrogates(body: bytes, payload: Any) -> Any:
    """`payload` (parsed from `body`) with every lone UTF-16 surrogate, in keys and values, as U+FFFD.

    `"\\ud800 health contoso"` is valid JSON but no UTF-8 text: storage and the connector can't encode it.
    Replaced rather than refused: a client that cuts a message inside an emoji pair still deserves an
    answer to the rest of it (a 400 is never shown to the person; they would just get silence), and
    U+FFFD is what Unicode prescribes for a character that can't be decoded. json.loads has already joined
    every valid pair, so any surrogate left in a str is a lone one.
    """
    if not _SURROGATE_ESCAPE.search(body):
        return payload
    return _replaced(payload)


def _replaced(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    if isinstance(value, dict):
        return {_replaced(k): _replaced(v) for k, v in value.items()}
    return value


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
