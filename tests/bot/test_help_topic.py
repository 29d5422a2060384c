"""`help <section>` and `help <command>`: which part of the help card a text after the help word asks for."""

from __future__ import annotations

import pytest

from bot.turn.commands import BY_NAME, COMMANDS, help_topic
from bot.turn.routing import route_text
from cards.help import HelpSection
from dialogs.requests import HelpRequest
from locales.translator import LANGUAGES, Translator, words_for


@pytest.mark.parametrize(
    ("typed", "section", "command"),
    [
        ("help", "", ""),
        ("help notices", "notices", ""),
        ("help alerts", "notices", ""),
        ("help look up", "look", ""),
        ("help Settings?", "settings", ""),
        ("help service requests", "act", ""),
        ("help escalate", "", "escalate"),
        ("help with escalate", "", "escalate"),
        ("help incident EX1100014", "", "incident"),
        ("help incidents contoso all", "", "incidents"),
        ("help sign out", "", "signout"),
        ("help owners", "", "owners"),
        ("도움말 알림", "notices", ""),
        ("도움말 조회", "look", ""),
        ("도움말 기타", "settings", ""),
        ("도움말 에스컬레이션", "", "escalate"),
        # '설정' is setup's word; the settings section is '기타'.
        ("도움말 설정", "", "setup"),
        # Greetings and words that are neither: the whole card, as before.
        ("hi there", "", ""),
        ("hello team", "", ""),
        ("hey, good morning", "", ""),
        ("help me", "", ""),
        ("help frobnicate", "", ""),
        ("help help", "", ""),
        ("안녕 여러분", "", ""),
    ],
)
def test_what_help_is_asked_about(typed: str, section: str, command: str) -> None:
    route = route_text(typed)
    assert route.dialog_id == BY_NAME["help"].dialog_id
    asked = HelpRequest.from_options(route.options)
    assert (asked.section, asked.command) == (section, command)
    assert not asked.hint, "asking for part of the help is understood"


def _words(language: str, message_id: str) -> list[str]:
    return [" ".join(w.casefold().split()) for w in Translator(language)(message_id).split(",") if w.strip()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_section_word_asks_for_its_section(language: str) -> None:
    for section in HelpSection:
        words = _words(language, f"help.section.{section.value}.words")
        assert words, f"{section.value}: no words in {language}"
        for word in words:
            assert help_topic(word) == (section.value, ""), word


def test_no_section_word_names_two_sections() -> None:
    taken = [word for section in HelpSection for word in words_for(f"help.section.{section.value}.words")]
    assert len(taken) == len(set(taken))


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_with_any_command_word_shows_that_command(language: str) -> None:
    """A section word wins over a command word only when it holds that command: nothing is hidden."""
    for command in COMMANDS:
        if command.name == "help":
            continue
        for word in _words(language, f"command.{command.name}.words"):
            section, name = help_topic(word)
            assert name == command.name or section == command.section.value, f"help {word}: {section or name}"
