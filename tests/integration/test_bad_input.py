"""Bad input breaks nothing: every malformed or oversized activity gets a well-formed 4xx (or a 2xx with
nothing to do), is logged once, and posts nothing into the chat."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import card_action, channel_message

JSON = {"Content-Type": "application/json"}


async def _post_quietly(bot: Any, caplog: pytest.LogCaptureFixture, body: bytes | dict[str, Any]) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    with caplog.at_level(logging.INFO):
        response = await bot.post("/api/messages", data=data, headers=JSON)
        await asyncio.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "an error was logged"
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    return response


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.http"]


async def test_a_bracket_bomb_under_the_size_limit_is_400(
    start_bot: StartBot, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    response = await _post_quietly(bot, caplog, b"[" * 100_000 + b"]" * 100_000)
    assert response.status == 400
    assert await response.json() == {"error": "JSON is nested too deeply"}
    assert len(_refusals(caplog)) == 1


async def test_deep_nesting_inside_an_activity_is_400(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    nested: Any = "deep"
    for _ in range(40):
        nested = {"a": nested}
    response = await _post_quietly(bot, caplog, channel_message(service_url, value={"verb": nested}))
    assert response.status == 400
    assert connector.sent == []


async def test_brackets_inside_strings_do_not_count_as_nesting(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    response = await _post_quietly(bot, caplog, channel_message(service_url, "health " + "[{" * 100))
    assert response.status == 201
    assert len(await connector.wait_for_messages(1)) == 1


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"text": "x" * 40_000}, "Text is limited to 32000 characters"),
        ({"entities": [{"type": "clientInfo"}] * 65}, "At most 64 entities are accepted"),
        (
            {"attachments": [{"contentType": "text/plain", "content": "x"}] * 17},
            "At most 16 attachments are accepted",
        ),
    ],
)
async def test_activities_beyond_the_limits_are_400(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    change: dict[str, Any],
    error: str,
) -> None:
    bot = await start_bot()
    response = await _post_quietly(bot, caplog, {**channel_message(service_url, "help"), **change})
    assert response.status == 400
    assert await response.json() == {"error": error}
    assert connector.sent == []
    assert len(_refusals(caplog)) == 1


def _invoke(service_url: str, name: str, value: Any = ..., thread: str = "1") -> dict[str, Any]:
    activity = card_action(service_url, "notice.acknowledge", {}, thread)
    activity["name"] = name
    if value is ...:
        del activity["value"]
    else:
        activity["value"] = value
    return activity


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("adaptiveCard/action", "a string"),
        ("adaptiveCard/action", ...),
        ("adaptiveCard/action", {"action": "not an object"}),
        ("adaptiveCard/action", {"action": {"type": "Action.Submit", "verb": 7}}),
        ("fileConsent/invoke", "garbage"),
        ("fileConsent/invoke", ...),
        ("actionableMessage/executeAction", ["garbage"]),
        ("composeExtension/query", 12),
    ],
)
async def test_malformed_invokes_are_400_with_nothing_posted(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    name: str,
    value: Any,
) -> None:
    bot = await start_bot()
    response = await _post_quietly(bot, caplog, _invoke(service_url, name, value))
    assert response.status == 400
    assert isinstance(await response.json(), dict)
    assert connector.sent == []


@pytest.mark.parametrize(
    "activity",
    [
        {"type": "invoke", "name": "fileConsent/invoke", "value": {"action": "accept", "context": 5}},
        {"type": "invoke", "name": "something/new", "value": {}},
        {"type": "invoke", "value": {}},
        {"type": "futureActivityType", "value": {"x": 1}},
        {"type": "event", "name": "application/vnd.microsoft.meetingStart", "value": "x"},
    ],
)
async def test_unknown_types_and_invoke_names_are_answered_with_nothing_to_do(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    activity: dict[str, Any],
) -> None:
    bot = await start_bot()
    body = {**channel_message(service_url, "help"), **activity}
    response = await _post_quietly(bot, caplog, body)
    assert response.status in (200, 201)
    assert connector.sent == []
    turns = [r.getMessage() for r in caplog.records if r.name == "bot.turn"]
    assert len(turns) == 1


@pytest.mark.parametrize("sender", [{}, {"name": "no id"}, {"id": ""}])
async def test_an_activity_without_a_sender_id_is_400(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    sender: dict[str, Any],
) -> None:
    """Found by the fuzz test: botbuilder's per-user state raised on it (an error card and an ERROR)."""
    bot = await start_bot()
    response = await _post_quietly(bot, caplog, {**channel_message(service_url, "help"), "from": sender})
    assert response.status == 400
    assert connector.sent == []
