"""Render a bot activity (text and Adaptive Cards) as plain lines with numbered buttons.

The terminal client prints this, and the test suite asserts on it, so tests read like what a support
engineer sees.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_ESCAPED = re.compile(r"\\([\\`*_\[\]~\-+.#<>{])")


OAUTH_CARD = "application/vnd.microsoft.card.oauth"


@dataclass(frozen=True)
class Button:
    title: str
    action: dict[str, Any]


@dataclass
class Rendered:
    lines: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _unescape(text: str) -> str:
    return _ESCAPED.sub(r"\1", text)


def _button(action: dict[str, Any], out: Rendered) -> str:
    title = str(action.get("title") or action.get("url") or action.get("type", "?"))
    out.buttons.append(Button(title, action))
    # A terminal can't open a browser: show where the button leads, for copying.
    url = action.get("url") if action.get("type") == "Action.OpenUrl" else None
    return (
        f"[{len(out.buttons)}: {title} ↗ {url}]" if url and url != title else f"[{len(out.buttons)}: {title}]"
    )


def _element(element: dict[str, Any], out: Rendered) -> list[str]:
    kind = element.get("type")
    lines: list[str] = []
    if kind == "TextBlock":
        lines = _unescape(str(element.get("text", ""))).splitlines() or [""]
    elif kind == "RichTextBlock":
        lines = ["".join(_unescape(str(r.get("text", ""))) for r in element.get("inlines", []))]
    elif kind == "FactSet":
        lines = [f"{_unescape(f['title'])}: {_unescape(f['value'])}" for f in element.get("facts", [])]
    elif kind == "ActionSet":
        lines = [" ".join(_button(a, out) for a in element.get("actions", []))]
    elif kind in ("Container", "Column"):
        for item in element.get("items", []):
            lines += _element(item, out)
    elif kind == "ColumnSet":
        cells = [" ".join(_element(column, out)) for column in element.get("columns", [])]
        lines = [" | ".join(c for c in cells if c)]
    elif kind and kind.startswith("Input."):
        label = element.get("label") or element.get("placeholder") or element.get("id")
        lines = [f"<{label}: {element.get('value', '')}>"]
    elif isinstance(element.get("fallback"), dict):
        # An element a terminal can't draw (a chart): what a host without it shows, as Teams would.
        return _element(element["fallback"], out)
    if isinstance(element.get("selectAction"), dict):
        lines.append(_button(element["selectAction"], out))
    if element.get("separator") and lines:
        lines.insert(0, "---")
    return lines


def render_card(card: dict[str, Any], out: Rendered | None = None) -> Rendered:
    out = out or Rendered()
    for element in card.get("body", []):
        out.lines += _element(element, out)
    if card.get("actions"):
        out.lines.append(" ".join(_button(a, out) for a in card["actions"]))
    return out


_BLOCK = re.compile(r"</?pre>|<br\s*/?>", re.IGNORECASE)
_MARKUP = re.compile(r"<[^<>]*>")


def render_activity(activity: dict[str, Any], out: Rendered | None = None) -> Rendered:
    """Text first, then each card; typing indicators render as nothing. Numbering continues `out`."""
    out = out or Rendered()
    out.lines = []
    if activity.get("type") not in (None, "message"):
        return out
    if activity.get("text"):
        text = str(activity["text"])
        if activity.get("textFormat") == "xml":  # as Teams shows it: <pre> on lines of its own, entities read
            text = html.unescape(_MARKUP.sub("", _BLOCK.sub("\n", text)))
        out.lines += text.splitlines()
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == ADAPTIVE_CARD and isinstance(attachment.get("content"), dict):
            render_card(attachment["content"], out)
        elif attachment.get("contentType") == OAUTH_CARD and isinstance(attachment.get("content"), dict):
            # A sign-in card (Teams SSO): its text and its sign-in button.
            content = attachment["content"]
            out.lines.append(str(content.get("text", "")))
            out.lines += [_button(dict(action), out) for action in content.get("buttons") or []]
        else:
            out.lines.append(f"(attachment {attachment.get('contentType')})")
    return out
