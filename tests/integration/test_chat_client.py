"""`make chat` against the real app over loopback: cards print readably, numbers press buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from botbuilder.schema.teams import TeamsChannelAccount

from app import create_app
from chatclient.session import ChatSession
from settings import Settings
from tests.integration.conftest import StartBot
from tests.support.harness import DEMO_NOW, demo_backend


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
    assert "[1: Set up this channel]" in printed[-1], "a channel's greeting offers the set-up first"
    assert "[2: Try: health contoso]" in printed[-1]
    await session.send("2")
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


async def test_the_chat_goes_on_after_the_bot_restarts_and_says_so_while_it_is_down(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    async def serve() -> web.AppRunner:
        app = create_app(Settings(data_dir=tmp_path), backend=demo_backend(), clock=lambda: DEMO_NOW)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
        return runner

    bot = await serve()
    printed: list[str] = []
    session = ChatSession(
        f"http://127.0.0.1:{unused_tcp_port}/api/messages", printed.append, scope="personal"
    )
    await session.start()
    await session.send("help")
    await bot.cleanup()
    bot = await serve()
    await session.send("health contoso")
    assert printed[-1].startswith("Support Bot:\n  Service health · Contoso Ltd"), "after a restart"
    await bot.cleanup()
    await session.send("help")
    assert printed[-1].startswith("  (can't reach the bot at http://127.0.0.1:"), "while it is down"
    await session.close()


async def test_the_roster_answers_so_the_primary_contact_is_you(chat: tuple[ChatSession, list[str]]) -> None:
    session, printed = chat
    for line in ("escalate for northwind", "exchange", "mail flow", "minimal", "Mail is slow", "Since 9am."):
        await session.send(line)
    assert "Who should Microsoft contact?" in printed[-1]
    assert "[1: 1. Keep You (you@chat.localhost.example)]" in printed[-1]
    await session.send("1")
    await session.send("skip")
    assert "Primary contact You · you@chat.localhost.example" in printed[-1]


async def test_the_roster_route_answers_in_the_bot_framework_shape(
    chat: tuple[ChatSession, list[str]],
) -> None:
    session, _ = chat
    async with ClientSession() as http:
        url = f"{session.service_url}v3/conversations/{session.conversation_id}/members/29:local-user"
        async with http.get(url) as response:
            member = TeamsChannelAccount().deserialize(await response.json())
        assert response.status == 200
        assert (member.id, member.name, member.email) == (
            "29:local-user",
            "You",
            "you@chat.localhost.example",
        )
        assert member.user_principal_name and member.tenant_id and member.given_name and member.surname
        async with http.get(url.replace("29:local-user", "29:someone-else")) as response:
            assert response.status == 404
            assert (await response.json())["error"]["code"] == "MemberNotFoundInConversation"
