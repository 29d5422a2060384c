"""Short cards for when the answer is not data: errors, missing access, unknown input."""

from __future__ import annotations

from typing import Any

from microsoft_teams.cards import AdaptiveCard, TextBlock

from cards.parts import card, echo, plain, safe, subtle

# Notices are a sentence or two; one that quotes upstream or typed text is still cut here.
MESSAGE_LIMIT = 1_000


def notice_card(
    title: str, message: str, actions: list[Any] | None = None, reference: str = ""
) -> AdaptiveCard:
    title, message = echo(title), echo(message, MESSAGE_LIMIT)
    body = [
        TextBlock(text=safe(title), weight="Bolder", size="Medium", color="Warning", wrap=True),
        plain(message, spacing="Small"),
    ]
    if reference:
        body.append(subtle(f"Reference: {reference}"))
    return card(body, actions, fallback=f"{title}: {message}")
