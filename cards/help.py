"""The help card: every command with an example and a button that tries it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Container, TextBlock

from cards.actions import run_command
from cards.parts import card, heading, plain, safe, subtle

BOT_NAME = "Support Bot"


@dataclass(frozen=True)
class HelpEntry:
    """How one command is taught; built from the bot's command table."""

    usage: str
    summary: str
    example: str


def help_card(entries: Sequence[HelpEntry], greeting: str = "", hint: str = "") -> AdaptiveCard:
    body: list[CardElement] = []
    if hint:
        body.append(TextBlock(text=safe(hint), color="Warning", weight="Bolder", wrap=True))
    body.append(heading(f"{BOT_NAME} commands"))
    if greeting:
        body.append(plain(greeting, spacing="Small"))
    body.append(
        subtle(
            "In a channel or group chat, mention me first: @Support Bot health contoso. "
            "Name a customer by name, domain or tenant id; case doesn't matter, "
            "and plain questions work too: 'how is contoso doing?'"
        )
    )
    for entry in entries:
        body.append(
            Container(
                separator=True,
                spacing="Medium",
                items=[
                    TextBlock(text=safe(entry.usage), weight="Bolder", font_type="Monospace", wrap=True),
                    plain(entry.summary, spacing="None"),
                    ActionSet(actions=[run_command(f"Try: {entry.example}", entry.example)]),
                ],
            )
        )
    fallback = "Commands: " + "; ".join(e.usage for e in entries)
    return card(body, fallback=fallback)
