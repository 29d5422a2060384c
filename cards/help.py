"""The help card: every command with an example and a button that tries it, in sections that follow how
people work (look something up, act on a request, set up what a conversation hears, the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Container, TextBlock

from cards.actions import run_command
from cards.parts import card, heading, plain, safe, subtle
from locales.translator import Translator

BOT_NAME = "Support Bot"


class HelpSection(StrEnum):
    """The card's sections, in the order it shows them; each command's row names its own (commands.py).
    Headings are `help.section.<value>`."""

    LOOK = "look"
    ACT = "act"
    NOTICES = "notices"
    SETTINGS = "settings"

    def heading(self, t: Translator) -> str:
        return t(f"help.section.{self.value}")


@dataclass(frozen=True)
class HelpEntry:
    """How one command is taught; built from the bot's command table."""

    name: str
    section: HelpSection
    usage: str
    summary: str
    example: str  # empty when there is nothing to try it on (no request filed yet): no Try button


def _entry(entry: HelpEntry, t: Translator) -> Container:
    try_it = [ActionSet(actions=[run_command(t("help.try", example=entry.example), entry.example)])]
    return Container(
        separator=True,
        spacing="Medium",
        items=[
            TextBlock(text=safe(entry.usage), weight="Bolder", font_type="Monospace", wrap=True),
            plain(entry.summary, spacing="None"),
            *(try_it if entry.example else []),
        ],
    )


def help_card(
    entries: Sequence[HelpEntry],
    t: Translator,
    greeting: str = "",
    hint: str = "",
    setup: str = "",
    part: bool = False,
) -> AdaptiveCard:
    """`setup`: the command a button under the greeting runs to set the channel up (the install greeting
    in a channel). Each section shows its commands in the order given; a section with none is left out.
    `part`: the entries are what `help <topic>` asked for, and a button shows every command."""
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
    if not part:
        body.append(subtle(t("help.topics")))
    for section in HelpSection:
        in_section = [entry for entry in entries if entry.section is section]
        if not in_section:
            continue
        body.append(
            TextBlock(
                text=safe(section.heading(t)),
                size="Medium",
                weight="Bolder",
                color="Accent",
                wrap=True,
                spacing="ExtraLarge",
                separator=True,
                style="heading",
            )
        )
        body.extend(_entry(entry, t) for entry in in_section)
    if part:
        body.append(ActionSet(actions=[run_command(t("help.everything"), t("command.help.example"))]))
    fallback = t("help.fallback", usages="; ".join(e.usage for e in entries))
    return card(body, fallback=fallback)
