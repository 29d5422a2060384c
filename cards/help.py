"""The help card: every command with an example and a button that tries it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Container, TextBlock

from cards.actions import run_command
from cards.parts import card, heading, plain, safe, subtle
from locales.translator import Translator

BOT_NAME = "Support Bot"


@dataclass(frozen=True)
class HelpEntry:
    """How one command is taught; built from the bot's command table."""

    usage: str
    summary: str
    example: str  # empty when there is nothing to try it on (no request filed yet): no Try button


def help_card(
    entries: Sequence[HelpEntry], t: Translator, greeting: str = "", hint: str = "", setup: str = ""
) -> AdaptiveCard:
    """`setup`: the command a button under the greeting runs to set the channel up (the install greeting
    in a channel)."""
    body: list[CardElement] = []
    if hint:
        body.append(TextBlock(text=safe(hint), color="Warning", weight="Bolder", wrap=True))
    body.append(heading(t("help.heading", bot=BOT_NAME)))
    if greeting:
        body.append(plain(greeting, spacing="Small"))
    if setup:
        body.append(plain(t("help.setup_channel"), spacing="Small"))
        body.append(ActionSet(actions=[run_command(t("help.setup_button"), setup)]))
    body.append(subtle(t("help.mention_first")))
    for entry in entries:
        body.append(
            Container(
                separator=True,
                spacing="Medium",
                items=[
                    TextBlock(text=safe(entry.usage), weight="Bolder", font_type="Monospace", wrap=True),
                    plain(entry.summary, spacing="None"),
                    *(
                        [
                            ActionSet(
                                actions=[run_command(t("help.try", example=entry.example), entry.example)]
                            )
                        ]
                        if entry.example
                        else []
                    ),
                ],
            )
        )
    fallback = t("help.fallback", usages="; ".join(e.usage for e in entries))
    return card(body, fallback=fallback)
