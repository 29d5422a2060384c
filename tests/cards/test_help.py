"""The help card teaches every command once, under the section its row in the command table names, in
the order people work: look something up, act on a request, what a conversation hears, the rest."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from bot.turn.commands import COMMANDS, Command, help_entries
from cards.help import HelpSection, help_card
from cards.parts import card_payload
from chatclient.card_text import render_card
from locales.translator import LANGUAGES, Translator

EXAMPLES = {"number": "2612060010000001", "reference": "E2612060010000001", "filing": "yes"}


def usages_by_section(text: str, t: Translator) -> dict[str, list[str]]:
    """The command usages a help card's visible text shows under each section heading, in order (the
    text before the first heading under ''). A usage is its own line, as the card shows it."""
    headings = {section.heading(t) for section in HelpSection}
    usages = {t(f"command.{c.name}.usage") for c in COMMANDS}
    shown: dict[str, list[str]] = {"": []}
    current = ""
    for line in text.splitlines():
        if line in headings:
            assert line not in shown, f"the heading {line!r} is shown twice"
            current = line
            shown[current] = []
        elif line in usages:
            shown[current].append(line)
    return shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_is_taught_once_under_its_rows_section(language: str) -> None:
    t = Translator(language)
    text = render_card(card_payload(help_card(help_entries(t, EXAMPLES), t))).text
    shown = usages_by_section(text, t)
    assert shown.pop("") == [], "a command above the first section"
    assert list(shown) == [section.heading(t) for section in HelpSection], "every section, in order"
    taught = Counter(usage for usages in shown.values() for usage in usages)
    assert [u for u, n in taught.items() if n != 1] == [], "a command taught more than once"
    for command in COMMANDS:
        usage = t(f"command.{command.name}.usage")
        assert usage in shown[command.section.heading(t)], f"{command.name} is not under its section"
    # Within a section, the table's order.
    for section in HelpSection:
        rows = [t(f"command.{c.name}.usage") for c in COMMANDS if c.section is section]
        assert shown[section.heading(t)] == rows


def test_every_row_must_name_its_section() -> None:
    """No default: a new command that doesn't say where help teaches it can't be built."""
    (section,) = [f for f in dataclasses.fields(Command) if f.name == "section"]
    assert section.default is dataclasses.MISSING and section.default_factory is dataclasses.MISSING
    assert all(isinstance(c.section, HelpSection) for c in COMMANDS)


def test_every_section_teaches_a_few_commands() -> None:
    """Sections are for scanning: none empty, none holding most of the card."""
    sizes = Counter(c.section for c in COMMANDS)
    assert set(sizes) == set(HelpSection)
    assert max(sizes.values()) <= len(COMMANDS) // 2, sizes


@pytest.mark.parametrize("section", HelpSection)
def test_section_headings_are_written_in_each_language(section: HelpSection) -> None:
    english, korean = (section.heading(Translator(language)) for language in ("en", "ko"))
    assert english and korean and english != korean
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean), korean
    assert english.isascii(), english


def test_a_card_of_one_section_shows_only_that_heading() -> None:
    t = Translator("en")
    entries = [e for e in help_entries(t, EXAMPLES) if e.section is HelpSection.ACT]
    shown = usages_by_section(render_card(card_payload(help_card(entries, t))).text, t)
    assert list(shown) == ["", HelpSection.ACT.heading(t)]
    assert shown[HelpSection.ACT.heading(t)] == [e.usage for e in entries]
