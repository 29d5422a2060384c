"""Pieces every card shares: safe text, headings, status colours, relative times, JSON payloads."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    Column,
    ColumnSet,
    Container,
    Fact,
    OpenUrlAction,
    SubmitAction,
    TextBlock,
    TextInput,
)
from microsoft_teams.cards.core import TextColor
from pydantic import BaseModel

from cards.actions import escalate_command, run_command
from locales.translator import ENGLISH, Translator
from services.domain.models import AdminCenterLink, Customer, ServiceStatus, StatusLevel

CARD_VERSION = "1.5"
# Searches and names typed by people are quoted back at most this long, so no input can grow a card.
ECHO_LIMIT = 60

STATUS_COLOURS: dict[StatusLevel, TextColor] = {
    StatusLevel.INTERRUPTED: "Attention",
    StatusLevel.DEGRADED: "Warning",
    StatusLevel.INFORMATIONAL: "Default",
    StatusLevel.OPERATIONAL: "Good",
}

# Characters that start Adaptive Card markdown (emphasis, links, code); escaped so upstream text
# such as an incident post can't turn itself into a link or formatting.
_MARKDOWN = re.compile(r"([\\`*_\[\]~<>])")
_BULLET_START = re.compile(r"^(\s*)([-+])(\s)", re.MULTILINE)
_NUMBER_START = re.compile(r"^(\s*\d+)\.(\s)", re.MULTILINE)


def safe(text: str) -> str:
    """Text from users or upstream APIs, shown literally."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    return _NUMBER_START.sub(r"\1\\.\2", _BULLET_START.sub(r"\1\\\2\3", escaped))


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """What someone typed, quoted back on a card: one line, cut to `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# Unicode's format characters (category Cf) as of Python 3.11's Unicode 14, as one character class:
# tests/cards/test_parts.py checks it against every code point's category, so a newer Unicode that adds
# some fails there rather than passing them through.
_FORMAT_RANGES = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)  # fmt: skip
_FORMAT = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _FORMAT_RANGES) + "]")


def without_format_characters(text: str) -> str:
    """`text` without Unicode format characters (category Cf: zero-width spaces and joiners, bidi marks,
    embeddings, overrides and isolates). They are invisible, so a title made of them only looks empty, and
    a right-to-left override (U+202E) shows everything after it reversed."""
    # Every format character is outside ASCII: most text (English, ids, URLs) needs no look at all.
    return text if text.isascii() else _FORMAT.sub("", text)


# Teams evaluates `{{DATE(…)}}` and `{{TIME(…)}}` in TextBlocks and facts, before markdown; an escaped
# second brace (`{\{`, shown as `{{`) is no longer a template.
_TEMPLATE_BRACE = re.compile(r"(?<=\{)\{")
# Teams refuses a card over 28 KB (/work/shared/notes/teams-platform.md); the message around it needs a
# little of that.
CARD_BUDGET = 26 * 1024
# When a card is over budget its longest texts are cut, but none below this.
_SHORTEST_CUT = 200


@dataclass(frozen=True)
class _Layout:
    """What the walk over an element needs to know of its kind, worked out once per kind."""

    # The fields Teams renders as markdown, and evaluates templates in.
    markdown: frozenset[str]
    # Each declared field's key in the card's JSON (its alias, quoted), with ': ' after it and ', '.
    keys: dict[str, int]
    # Fields that hold something without being given a value (a default other than None).
    defaulted: frozenset[str]


@functools.cache
def _layout(kind: type[BaseModel]) -> _Layout:
    markdown = (
        frozenset({"text"})
        if issubclass(kind, TextBlock)
        else frozenset({"title", "value"})
        if issubclass(kind, Fact)
        else frozenset()
    )
    fields = kind.model_fields
    return _Layout(
        markdown,
        {name: len(json.dumps(f.serialization_alias or f.alias or name)) + 4 for name, f in fields.items()},
        frozenset(name for name, f in fields.items() if f.default is not None or f.default_factory),
    )


def _fields(node: BaseModel) -> Iterator[tuple[str, Any]]:
    """Every field of an element with its value: declared ones in order, then any extra."""
    yield from node.__dict__.items()
    yield from (node.__pydantic_extra__ or {}).items()


def _strings(node: object) -> Iterator[tuple[BaseModel, str, bool]]:
    """(element, field, shown as markdown) for every string field on the card."""
    if isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, BaseModel):
        markdown = _layout(type(node)).markdown
        for name, value in list(_fields(node)):
            if isinstance(value, str):
                yield node, name, name in markdown
            else:
                yield from _strings(value)


def _size(result: AdaptiveCard) -> int:
    return len(json.dumps(card_payload(result), ensure_ascii=False).encode("utf-8"))


# Plain text people read (button and choice titles, labels, a form's typed values), as opposed to what a
# button sends back (its data, a choice's value), which is never cut.
_SHOWN_FIELDS = frozenset({"fallback_text", "title", "label", "placeholder", "error_message"})


def _shown(node: BaseModel, name: str) -> bool:
    return name in _SHOWN_FIELDS or (name == "value" and isinstance(node, TextInput))


def _fit(result: AdaptiveCard) -> None:
    """Cut the card's longest texts until it is within budget: no text from outside can make a card that
    Teams refuses, whichever builder forgot to bound it."""
    while (excess := _size(result) - CARD_BUDGET) > 0:
        texts = [
            (node, name)
            for node, name, markdown in _strings(result)
            if (markdown or _shown(node, name)) and len(getattr(node, name)) > _SHORTEST_CUT
        ]
        if not texts:
            return
        node, name = max(texts, key=lambda found: len(getattr(*found)))
        value = getattr(node, name)
        # Each character is at least one byte: cutting `excess` characters is enough when this text alone
        # is long enough; otherwise it is cut short and the next longest follows.
        keep = max(_SHORTEST_CUT, len(value) - excess - 1)
        setattr(node, name, value[: keep - 1].rstrip("\\") + "…")


def _shown_as_sent(node: BaseModel) -> int:
    """Make every string on the element as people will see it: no format characters; in the text Teams
    renders (TextBlocks and facts), no template.

    In the same pass, what the element takes in `card_payload`'s JSON, at most: exact for what it knows
    (strings, numbers, lists, JSON dicts, elements, keys with their separators), over the budget for
    anything else, so that only a card that could be over the budget is serialised to measure it."""
    layout = _layout(type(node))
    values = node.__dict__
    # Only fields given a value or holding a default can be anything but None: a card's elements leave
    # most of their fields empty, so this visits a fifth of them.
    given = node.__pydantic_fields_set__
    size = 2
    for name in given | layout.defaulted if layout.defaulted else given:
        value = values.get(name)  # an extra field given is not among them
        if value is None:
            continue  # card_payload leaves out empty fields
        size += layout.keys[name] + _shown_value(node, name, value, name in layout.markdown)
    for name, value in (node.__pydantic_extra__ or {}).items():
        if value is not None:
            size += _text_bytes(name) + 4 + _shown_value(node, name, value, name in layout.markdown)
    return size - 2 if size > 2 else size  # no ", " after the last field


def _shown_value(node: BaseModel, name: str, value: object, markdown: bool) -> int:
    if isinstance(value, str):
        text, size = (_remembered_text if len(value) <= _REMEMBERED_LENGTH else _shown_text)(value, markdown)
        if text != value:
            setattr(node, name, text)
        return size
    return _value_bytes(value)


def _shown_text(text: str, markdown: bool) -> tuple[str, int]:
    """A string as people will see it, and its bytes in the card's JSON."""
    shown = without_format_characters(text)
    if markdown and "{{" in shown:
        shown = _TEMPLATE_BRACE.sub(r"\\{", shown)
    return shown, _text_bytes(shown)


# Most strings on a card are the same from card to card (element types, styles, labels, button data):
# short ones are worked out once.
_REMEMBERED_LENGTH = 256
_remembered_text = functools.lru_cache(maxsize=4096)(_shown_text)


def _value_bytes(value: object) -> int:
    """What a field's value other than a string takes in the card's JSON, at most (its strings made as
    shown first, as `_shown_as_sent` does for elements; strings directly in lists are left as they are)."""
    if isinstance(value, BaseModel):
        return _shown_as_sent(value)
    if isinstance(value, list):
        # Brackets and ", " between items; JSON shows an empty item as null.
        size = 2 * len(value)
        for item in value:
            size += _value_bytes(item) if item is not None else 4
        return size if value else 2
    if isinstance(value, str):
        return _text_bytes(value)
    if isinstance(value, bool):
        return 4 if value else 5
    if isinstance(value, int):
        return len(repr(value))
    if isinstance(value, float):
        return len(repr(value)) if math.isfinite(value) else len("-Infinity")
    if isinstance(value, dict):
        try:
            return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError):
            pass
    return CARD_BUDGET + 1  # not known without serialising: measured


def _text_bytes(text: str) -> int:
    """A string's bytes in JSON (ensure_ascii=False): quotes, UTF-8, and a backslash before each quote and
    backslash; a control character is two bytes (\\n) or six (\\u0001)."""
    size = (len(text) if text.isascii() else len(text.encode("utf-8"))) + 2
    size += sum(text.count(c) for c in _BACKSLASHED)
    if not text.isprintable():
        short = sum(text.count(c) for c in _SHORT_ESCAPES)
        size += 5 * len(_CONTROL.findall(text)) - 4 * short
    return size


# What JSON writes with a backslash before it.
_BACKSLASHED = '"\\'
# What JSON escapes in two bytes; every other character below a space takes six.
_SHORT_ESCAPES = "\n\r\t\b\f"
_CONTROL = re.compile("[\x00-\x1f]")


def card(body: Sequence[CardElement], actions: list[Any] | None = None, fallback: str = "") -> AdaptiveCard:
    """Every card is made here, so what any card shows passes `_shown_as_sent`: a new card can't forget."""
    result = AdaptiveCard(version=CARD_VERSION, body=list(body))
    if actions:
        result.actions = actions
    if fallback:
        result.fallback_text = fallback
    if _shown_as_sent(result) > CARD_BUDGET:
        _fit(result)
    return result


def open_admin_center(link: AdminCenterLink, customer: Customer, t: Translator = ENGLISH) -> OpenUrlAction:
    """A button that opens the customer's admin center in the browser, under the partner's GDAP rights."""
    title = t("admin_center.open", admin_center=link.admin_center, customer=customer.name)
    return OpenUrlAction(title=title, url=link.url)


def file_request(
    may_file: bool, customer: Customer, t: Translator, incident_id: str = "", service: str = ""
) -> list[SubmitAction]:
    """'File a service request' for `customer`, pre-filled with the incident or service, when the reader
    may file for it (GDAP: a role Need.FILE accepts); nothing otherwise, as a button whose click is
    refused helps nobody. Cards posted to channels (notices) offer it to everyone: many read those."""
    if not may_file:
        return []
    return [run_command(t("action.file_request"), escalate_command(customer, incident_id, service))]


def status_label(status: ServiceStatus, t: Translator) -> str:
    """Graph's status in the reader's language; a status Graph adds later is shown as Graph names it."""
    message_id = f"status.{status.code.casefold()}"
    return t(message_id) if t.has(message_id) else status.label


def heading(text: str) -> TextBlock:
    return TextBlock(text=safe(text), size="Large", weight="Bolder", wrap=True, style="heading")


def subtle(text: str, **extra: Any) -> TextBlock:
    return TextBlock(text=safe(text), is_subtle=True, wrap=True, spacing="None", **extra)


def plain(text: str, **extra: Any) -> TextBlock:
    return TextBlock(text=safe(text), wrap=True, **extra)


def badge(text: str, colour: TextColor) -> TextBlock:
    """A status in its colour, beside an id in a list row."""
    return TextBlock(text=safe(text), color=colour, weight="Bolder", wrap=True)


def id_row(
    identifier: str,
    badges: Sequence[CardElement],
    title: str,
    details: Sequence[CardElement],
    opens: SubmitAction,
) -> Container:
    """One row of a list card (incidents, Azure events, message center messages): the item's id beside
    its status, its title and details below; selecting the row opens it."""
    return Container(
        separator=True,
        spacing="Medium",
        select_action=opens,
        items=[
            ColumnSet(
                columns=[
                    Column(
                        width="auto",
                        items=[TextBlock(text=safe(identifier), weight="Bolder", font_type="Monospace")],
                    ),
                    Column(width="stretch", items=list(badges)),
                ]
            ),
            plain(title, spacing="Small"),
            *details,
        ],
    )


def timeline(body: list[CardElement], entries: Sequence[tuple[str, str]], budget: int, t: Translator) -> None:
    """Append a timeline's entries (a stamp, then the update's text), newest first as given, while the
    card stays within `budget` bytes; then how many earlier ones didn't fit."""
    left = budget - sum(len(json.dumps(card_payload(e))) for e in body)
    for shown, (stamp, text) in enumerate(entries):
        entry = Container(
            separator=shown > 0, items=[subtle(stamp, weight="Bolder"), plain(text, spacing="Small")]
        )
        left -= len(json.dumps(card_payload(entry)))
        if left < 0:
            body.append(subtle(t.count("count.earlier_updates_not_shown", len(entries) - shown)))
            return
        body.append(entry)


def card_payload(element: CardElement) -> dict[str, Any]:
    """A card (or one of its elements) as Teams receives it: camelCase JSON without empty fields."""
    return element.model_dump(mode="json", by_alias=True, exclude_none=True)
