"""The runner answers within the budget even when the turn doesn't finish, invokes included."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bot.turn.errors import report_turn_error
from bot.turn.turns import AuthenticationTimeout, TurnRunner, invoke_still_working
from locales.translator import ENGLISH
from services.instances.turn_journal import TurnJournal
from services.storage.sqlite_database import SqliteDatabase


class StubAdapter:
    """Runs the turn's logic like CloudAdapter would, after an authentication that may hang."""

    def __init__(self, authenticate: asyncio.Event) -> None:
        self.authenticated = authenticate
        self.connector = self
        self.sent: list[Activity] = []

    async def process_activity(
        self, _: str, activity: Activity, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> InvokeResponse | None:
        await self.authenticated.wait()
        await logic(TurnContext(self, activity))
        return None

    async def send(self, activity: Activity) -> None:
        self.sent.append(activity)


class SlowBot:
    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def on_turn(self, _: TurnContext) -> None:
        await self.release.wait()


def _activity(kind: str) -> Activity:
    return Activity(
        type=kind,
        id="a1",
        name="adaptiveCard/action" if kind == ActivityTypes.invoke else None,
        service_url="https://smba.example/amer/",
        channel_id="msteams",
        conversation=ConversationAccount(id="19:c"),
        from_property=ChannelAccount(id="29:ana"),
        recipient=ChannelAccount(id="28:bot"),
        text="health contoso",
    )


def _runner(tmp_path: Any, adapter: StubAdapter, bot: SlowBot, budget: float = 0.05) -> TurnRunner:
    journal = TurnJournal(SqliteDatabase(tmp_path / "state.sqlite3"))
    clock = lambda: datetime(2026, 11, 24, tzinfo=UTC)  # noqa: E731
    return TurnRunner(adapter, bot, journal, report_turn_error, budget, clock)  # type: ignore[arg-type]


async def test_an_invoke_that_outlives_the_budget_is_answered_with_a_still_working_message(
    tmp_path: Any,
) -> None:
    authenticated = asyncio.Event()
    authenticated.set()
    adapter, bot = StubAdapter(authenticated), SlowBot()
    runner = _runner(tmp_path, adapter, bot)
    response = await asyncio.wait_for(runner.run("", _activity(ActivityTypes.invoke)), 2)
    assert response is not None and (response.status, response.body) == (200, invoke_still_working(ENGLISH))
    bot.release.set()
    await runner.drain(2)
    assert adapter.sent == [], "an invoke is answered in its HTTP body, not with a message"


async def test_a_message_that_outlives_the_budget_is_announced_once(tmp_path: Any) -> None:
    authenticated = asyncio.Event()
    authenticated.set()
    adapter, bot = StubAdapter(authenticated), SlowBot()
    runner = _runner(tmp_path, adapter, bot)
    assert await asyncio.wait_for(runner.run("", _activity(ActivityTypes.message)), 2) is None
    await asyncio.sleep(0.05)
    assert [a.text for a in adapter.sent] == [ENGLISH("edge.still_working")]
    bot.release.set()
    await runner.drain(2)


async def test_authentication_that_outlives_the_budget_is_refused_not_processed(tmp_path: Any) -> None:
    adapter, bot = StubAdapter(asyncio.Event()), SlowBot()
    runner = _runner(tmp_path, adapter, bot)
    with pytest.raises(AuthenticationTimeout):
        await asyncio.wait_for(runner.run("", _activity(ActivityTypes.message)), 2)
    assert adapter.sent == []


async def test_time_spent_before_the_runner_counts_against_the_budget(tmp_path: Any) -> None:
    authenticated = asyncio.Event()
    authenticated.set()
    adapter, bot = StubAdapter(authenticated), SlowBot()
    runner = _runner(tmp_path, adapter, bot, budget=5.0)
    long_ago = asyncio.get_running_loop().time() - 60
    started = asyncio.get_running_loop().time()
    assert await runner.run("", _activity(ActivityTypes.message), arrived=long_ago) is None
    assert asyncio.get_running_loop().time() - started < 2, "the budget was spent before the runner began"
    bot.release.set()
    await runner.drain(2)
