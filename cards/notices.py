"""Short cards for when the answer is not data: errors, missing access, unknown input."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import AdaptiveCard, TextBlock

from cards.parts import card, plain, safe, subtle


def notice_card(
    title: str, message: str, actions: list[Any] | None = None, reference: str = ""
) -> AdaptiveCard:
    body = [
        TextBlock(text=safe(title), weight="Bolder", size="Medium", color="Warning", wrap=True),
        plain(message, spacing="Small"),
    ]
    if reference:
        body.append(subtle(f"Reference: {reference}"))
    return card(body, actions, fallback=f"{title}: {message}")
