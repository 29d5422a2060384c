"""`make chat` against the real app over loopback: cards print readably, numbers press buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatclient.session import ChatSession
from tests.integration.conftest import StartBot


@pytest.fixture
async def chat(start_bot: StartBot) -> AsyncIterator[tuple[ChatSession, list[str]]]:
    bot = await start_bot()
    printed: list[str] = []
    session = ChatSession(str(bot.make_url("/api/messages")), printed.append, scope="channel")
    await session.start()
    yield session, printed
    await session.close()


async def test_the_bot_greets_and_buttons_are_pressed_by_number(chat: tuple[ChatSession, list[str]]) -> None:
    session, printed = chat
    await session.join()
    assert "Hi! I'm the support desk's bot." in printed[-1]
    assert "[1: Try: health contoso]" in printed[-1]
    await session.send("1")
    assert printed[-2] == "  (pressed: Try: health contoso)"
    assert printed[-1].startswith("Support Bot:\n  Service health · Contoso Ltd")


async def test_typed_commands_reach_the_bot_with_a_mention_in_channels(
    chat: tuple[ChatSession, list[str]],
) -> None:
    session, printed = chat
    await session.send("incidents fabrikam")
    assert "Which customer did you mean by 'fabrikam'?" in printed[-1]
    await session.send("2")
    assert "Active incidents · Fabrikam Residences" in printed[-1]
