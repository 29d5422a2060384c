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
from tests.support.visible import buttons, visible_text

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
