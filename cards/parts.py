"""Pieces every card shares: safe text, headings, status colours, relative times, JSON payloads."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from microsoft_teams.cards import AdaptiveCard, CardElement, OpenUrlAction, TextBlock
from microsoft_teams.cards.core import TextColor

from locales.translator import ENGLISH, Translator
from services.models import AdminCenterLink, Customer, ServiceStatus, StatusLevel

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


def card(body: Sequence[CardElement], actions: list[Any] | None = None, fallback: str = "") -> AdaptiveCard:
    result = AdaptiveCard(version=CARD_VERSION, body=list(body))
    if actions:
        result.actions = actions
    if fallback:
        result.fallback_text = fallback
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
