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
from tests.support.visible import visible_text

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


def _deep(levels: int, leaf: Any = "x") -> Any:
    nested = leaf
    for level in range(levels):
        nested = {"a": nested} if level % 2 else [nested]
    return nested


NOTIFY_TOKEN = "notify-token-for-tests"
NOTIFY = {"Authorization": f"Bearer {NOTIFY_TOKEN}", **JSON}


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"customer": "contoso", "incident": ' + b'{"a":' * 20_000 + b"1" + b"}" * 20_000 + b"}",
        json.dumps({"customer": "contoso", "incident": {"id": "EX2200001", "posts": _deep(40)}}).encode(),
        json.dumps({"customer": _deep(33), "incident": {}}).encode(),
    ],
    ids=["bracket bomb", "objects in the incident", "lists and objects in posts", "just over the limit"],
)
async def test_notify_refuses_json_nested_too_deeply_as_messages_does(
    start_bot: StartBot, connector: FakeConnector, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    bot = await start_bot(notify_token=NOTIFY_TOKEN, watch_interval_seconds=3600, demo_tick_seconds=0)
    with caplog.at_level(logging.INFO):
        response = await bot.post("/api/notify", data=body, headers=NOTIFY)
        await asyncio.sleep(0.05)
    assert response.status == 400
    assert await response.json() == {"error": "JSON is nested too deeply"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len(_refusals(caplog)) == 1
    assert connector.sent == []


async def test_notify_bodies_share_the_size_limit_of_messages(
    start_bot: StartBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(notify_token=NOTIFY_TOKEN, max_body_bytes=4096)
    body = json.dumps({"customer": "contoso", "incident": {"title": "x" * 5000}}).encode()
    with caplog.at_level(logging.INFO):
        response = await bot.post("/api/notify", data=body, headers=NOTIFY)
    assert response.status == 413
    assert len(_refusals(caplog)) == 1


def _with_surrogate(service_url: str, where: str) -> dict[str, Any]:
    activity = channel_message(service_url, "health contoso")
    if where == "text first":
        activity["text"] = "\ud800 " + activity["text"]
    elif where == "text last":
        activity["text"] += " \udfff"
    elif where == "half an emoji":
        activity["text"] = activity["text"] + " \ud83d"
    elif where == "sender name":
        activity["from"]["name"] = "Ana \udc00 Bowman"
    elif where == "entity":
        activity["entities"][0]["timezone"] = "Europe/\ud800"
    elif where == "channel data key":
        activity["channelData"]["\udbff"] = "x"
    elif where == "locale":
        activity["locale"] = "en-\udfffUS"
    return activity


@pytest.mark.parametrize(
    "where",
    ["text first", "text last", "half an emoji", "sender name", "entity", "channel data key", "locale"],
)
async def test_a_lone_surrogate_anywhere_is_replaced_and_the_turn_answers_once(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    where: str,
) -> None:
    """Valid JSON, but no text UTF-8 can carry: replaced by U+FFFD at the edge. The turn answers, and is
    journaled: the same activity redelivered is not answered twice."""
    bot = await start_bot()
    body = json.dumps(_with_surrogate(service_url, where)).encode()  # ASCII, the surrogate as \\ud800
    assert b"\\ud" in body
    first = await _post_quietly(bot, caplog, body)
    assert first.status == 201
    (reply,) = await connector.wait_for_messages(1)
    if where == "text first":  # the person sees what arrived, and what the bot can do
        assert visible_text(reply).startswith("I didn't understand '\ufffd health contoso'.")
    else:
        assert visible_text(reply).startswith("Service health · Contoso Ltd")
    again = await _post_quietly(bot, caplog, body)
    assert again.status in (200, 201)
    await asyncio.sleep(0.1)
    assert len(connector.messages) == 1
