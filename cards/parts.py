"""Pieces every card shares: safe text, headings, status colours, relative times, JSON payloads."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from typing import Any

from microsoft_teams.cards import AdaptiveCard, CardElement, Fact, OpenUrlAction, TextBlock, TextInput
from microsoft_teams.cards.core import TextColor
from pydantic import BaseModel

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


def without_format_characters(text: str) -> str:
    """`text` without Unicode format characters (category Cf: zero-width spaces and joiners, bidi marks,
    embeddings, overrides and isolates). They are invisible, so a title made of them only looks empty, and
    a right-to-left override (U+202E) shows everything after it reversed."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


# Teams evaluates `{{DATE(…)}}` and `{{TIME(…)}}` in TextBlocks and facts, before markdown; an escaped
# second brace (`{\{`, shown as `{{`) is no longer a template.
_TEMPLATE_BRACE = re.compile(r"(?<=\{)\{")
# Teams refuses a card over 28 KB (/work/shared/notes/teams-platform.md); the message around it needs a
# little of that.
CARD_BUDGET = 26 * 1024
# When a card is over budget its longest texts are cut, but none below this.
_SHORTEST_CUT = 200


def _strings(node: object) -> Iterator[tuple[BaseModel, str, bool]]:
    """(element, field, shown as markdown) for every string field on the card."""
    if isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, BaseModel):
        markdown = (
            {"text"}
            if isinstance(node, TextBlock)
            else {"title", "value"}
            if isinstance(node, Fact)
            else set()
        )
        for name in [*type(node).model_fields, *(node.model_extra or {})]:
            value = getattr(node, name)
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


def _shown_as_sent(result: AdaptiveCard) -> None:
    """Every string on the card as people will see it: no format characters; in the text Teams renders
    (TextBlocks and facts), no template."""
    for node, name, markdown in _strings(result):
        text = without_format_characters(getattr(node, name))
        setattr(node, name, _TEMPLATE_BRACE.sub(r"\\{", text) if markdown else text)


def card(body: Sequence[CardElement], actions: list[Any] | None = None, fallback: str = "") -> AdaptiveCard:
    """Every card is made here, so what any card shows passes `_shown_as_sent`: a new card can't forget."""
    result = AdaptiveCard(version=CARD_VERSION, body=list(body))
    if actions:
        result.actions = actions
    if fallback:
        result.fallback_text = fallback
    _shown_as_sent(result)
    _fit(result)
    return result


def open_admin_center(link: AdminCenterLink, customer: Customer, t: Translator = ENGLISH) -> OpenUrlAction:
    """A button that opens the customer's admin center in the browser, under the partner's GDAP rights."""
    title = t("admin_center.open", admin_center=link.admin_center, customer=customer.name)
    return OpenUrlAction(title=title, url=link.url)


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


def card_payload(element: CardElement) -> dict[str, Any]:
    """A card (or one of its elements) as Teams receives it: camelCase JSON without empty fields."""
    return element.model_dump(mode="json", by_alias=True, exclude_none=True)
