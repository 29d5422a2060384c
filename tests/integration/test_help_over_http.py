"""`help` over HTTP, as Teams sends it: every command once, under its section's heading, in the reader's
language, in a channel and in a personal chat alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.turn.commands import COMMANDS
from cards.help import HelpSection
from locales.translator import Translator
from tests.cards.test_help import usages_by_section
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message, installation_update, personal_message
from tests.support.visible import button, buttons, visible_text

CHATS: dict[str, Callable[[str, str], dict[str, Any]]] = {
    "channel": channel_message,
    "personal": personal_message,
}


def _in(language: str, activity: dict[str, Any]) -> dict[str, Any]:
    locale = {"en": "en-US", "ko": "ko-KR"}[language]
    activity["locale"] = locale
    activity["entities"][0]["locale"] = locale
    return activity


async def _help(
    start_bot: StartBot, connector: FakeConnector, service_url: str, chat: str, typed: str
) -> str:
    bot = await start_bot()
    language = "en" if typed.isascii() else "ko"
    assert (
        await bot.post("/api/messages", json=_in(language, CHATS[chat](service_url, typed)))
    ).status == 201
    (reply,) = connector.messages
    return visible_text(reply)


async def _help_in_each_chat(start_bot: StartBot, connector: FakeConnector, service_url: str) -> list[str]:
    bot = await start_bot()
    for chat in sorted(CHATS):
        assert (await bot.post("/api/messages", json=CHATS[chat](service_url, "help"))).status == 201
    return [visible_text(reply) for reply in connector.messages]


@pytest.mark.parametrize("chat", sorted(CHATS))
@pytest.mark.parametrize(("language", "typed"), [("en", "help"), ("ko", "도움말")])
async def test_help_teaches_every_command_once_under_its_section(
    start_bot: StartBot, connector: FakeConnector, service_url: str, chat: str, language: str, typed: str
) -> None:
    t = Translator(language)
    shown = usages_by_section(await _help(start_bot, connector, service_url, chat, typed), t)
    assert shown.pop("") == []
    assert list(shown) == [section.heading(t) for section in HelpSection]
    for section in HelpSection:
        assert shown[section.heading(t)] == [
            t(f"command.{c.name}.usage") for c in COMMANDS if c.section is section
        ]


async def test_help_reads_the_same_in_a_channel_and_in_a_personal_chat(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    in_channel, in_personal = await _help_in_each_chat(start_bot, connector, service_url)
    assert in_channel == in_personal
    assert HelpSection.LOOK.heading(Translator("en")) in in_channel


async def test_a_channels_greeting_offers_the_set_up_above_the_sections(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    assert (await bot.post("/api/messages", json=installation_update(service_url))).status == 201
    (greeting,) = connector.messages
    t = Translator("en")
    assert buttons(greeting)[0].title == t("help.setup_button")
    shown = usages_by_section(visible_text(greeting), t)
    assert list(shown)[1:] == [section.heading(t) for section in HelpSection]


async def test_help_with_a_section_shows_that_section_and_a_button_to_every_command(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    t = Translator("en")
    assert (await bot.post("/api/messages", json=channel_message(service_url, "help notices"))).status == 201
    (part,) = connector.messages
    shown = usages_by_section(visible_text(part), t)
    notices = [t(f"command.{c.name}.usage") for c in COMMANDS if c.section is HelpSection.NOTICES]
    assert shown == {"": [], HelpSection.NOTICES.heading(t): notices}
    assert t("help.topics") not in visible_text(part)
    everything = button(part, t("help.everything")).action["data"]
    assert (
        await bot.post("/api/messages", json=channel_message(service_url, value=everything))
    ).status == 201
    shown = usages_by_section(visible_text(connector.messages[1]), t)
    assert list(shown)[1:] == [section.heading(t) for section in HelpSection]


@pytest.mark.parametrize("chat", sorted(CHATS))
async def test_help_with_a_command_shows_that_command_in_the_readers_language(
    start_bot: StartBot, connector: FakeConnector, service_url: str, chat: str
) -> None:
    t = Translator("ko")
    text = await _help(start_bot, connector, service_url, chat, "도움말 에스컬레이션")
    assert usages_by_section(text, t) == {"": [], HelpSection.ACT.heading(t): [t("command.escalate.usage")]}
    assert t("command.escalate.summary") in text


async def test_help_with_a_word_it_does_not_know_shows_every_command_without_complaint(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    t = Translator("en")
    text = await _help(start_bot, connector, service_url, "channel", "help frobnicate")
    assert list(usages_by_section(text, t))[1:] == [section.heading(t) for section in HelpSection]
    assert "didn't understand" not in text
