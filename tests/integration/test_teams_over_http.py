"""Teams-shaped activities POSTed to /api/messages; replies read back from the fake Bot Connector."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from locales.translator import ENGLISH
from tests.doubles.backends import BrokenBackend, GatedBackend
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import CHANNEL, channel_message, installation_update
from tests.support.harness import demo_backend
from tests.support.visible import button, visible_text

# Every conversation here runs on the demo backend and on the live one against the https doubles.
pytestmark = pytest.mark.usefixtures("each_backend")


async def test_channel_mention_gets_a_health_card_in_the_same_thread(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    activity = channel_message(service_url, "health contoso")
    response = await bot.post("/api/messages", json=activity)
    assert response.status == 201
    (reply,) = connector.sent
    assert reply.conversation_id == activity["conversation"]["id"]
    assert reply.reply_to_id == activity["id"]
    assert visible_text(reply.activity).startswith("Service health · Contoso Ltd")


async def test_a_card_button_click_finishes_an_ambiguous_request(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    await bot.post("/api/messages", json=channel_message(service_url, "how is fabrikam doing?"))
    choice = connector.messages[0]
    assert "Which customer did you mean by 'fabrikam'?" in visible_text(choice)
    click = channel_message(service_url, value=button(choice, "Choose").action["data"])
    assert (await bot.post("/api/messages", json=click)).status == 201
    assert visible_text(connector.messages[1]).startswith("Service health · Fabrikam, Inc.")


async def test_installing_into_a_team_greets_the_channel_once(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    assert (await bot.post("/api/messages", json=installation_update(service_url))).status == 201
    update = {**installation_update(service_url), "type": "conversationUpdate"}
    update["membersAdded"] = [update["recipient"]]
    assert (await bot.post("/api/messages", json=update)).status == 201
    assert len(connector.messages) == 1
    assert connector.sent[0].conversation_id == CHANNEL
    assert "Hi! I'm the support desk's bot." in visible_text(connector.messages[0])


async def test_a_restart_keeps_conversation_state(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    first = await start_bot()
    await first.post("/api/messages", json=installation_update(service_url))
    await first.close()
    second = await start_bot()
    await second.post("/api/messages", json=installation_update(service_url))
    assert len(connector.messages) == 1, "the restarted bot remembered it had already greeted"


async def test_slow_work_is_acknowledged_and_finished_after_the_http_response(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    backend = GatedBackend(demo_backend())
    bot = await start_bot(backend=backend, reply_budget_seconds=0.05)
    posting = bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    response = await asyncio.wait_for(posting, timeout=10)
    assert response.status == 201
    notice = await connector.wait_for_messages(1)
    assert [visible_text(m) for m in notice] == [ENGLISH("edge.still_working")]
    backend.gate.set()
    messages = await connector.wait_for_messages(2)
    assert visible_text(messages[1]).startswith("Service health · Contoso Ltd")


async def test_unexpected_errors_show_a_reference_never_a_trace_or_secret(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(backend=BrokenBackend(demo_backend()))
    with caplog.at_level(logging.INFO):
        response = await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    assert response.status == 201
    text = visible_text(connector.messages[0])
    assert "Something went wrong on my side" in text
    reference = text.rsplit("Reference: ", 1)[1].strip()
    assert f"reference={reference}" in caplog.text
    (failed,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("turn failed")]
    assert f"reference={reference} conversation=" in failed, "a failure line names its conversation (hashed)"
    for secret in ("hunter2", "Traceback", "RuntimeError("):
        assert secret not in text and secret not in caplog.text


async def test_each_turn_logs_one_line_without_message_text(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    with caplog.at_level(logging.INFO, logger="bot.turn"):
        await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.turn"]
    assert line.startswith("turn type=message conversation=")
    assert "command=health" in line and "outcome=ok" in line and "duration_ms=" in line
    assert "contoso" not in line and CHANNEL not in line


@pytest.mark.parametrize(
    ("sent_type", "logged_type"),
    [
        ("message", "message"),
        ("invoke", "invoke"),
        ("x-forged outcome=ok reference=deadbeef", "other"),
        ("message\nturn type=message outcome=ok", "other"),
        ("MESSAGE", "other"),
    ],
)
async def test_the_turn_line_logs_only_known_activity_types(
    start_bot: StartBot,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    sent_type: str,
    logged_type: str,
) -> None:
    bot = await start_bot()
    activity = {**channel_message(service_url, "health contoso"), "type": sent_type}
    with caplog.at_level(logging.INFO, logger="bot.turn"):
        response = await bot.post("/api/messages", json=activity)
    assert response.status < 500
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.turn"]
    assert line.startswith(f"turn type={logged_type} conversation=")
    assert "x-forged" not in line and "\n" not in line


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "text/plain"}, b'{"type": "message"}', 415),
        ({}, b'{"type": "message"}', 415),
        ({"Content-Type": "application/json"}, b'{"type": "message"', 400),
        ({"Content-Type": "application/json"}, b"\xff\xfe not utf-8", 400),
        ({"Content-Type": "application/json"}, b'["not", "an", "activity"]', 400),
        ({"Content-Type": "application/json"}, b'{"text": "no type"}', 400),
        ({"Content-Type": "application/json"}, b'{"type": "message", "text": "help"}', 400),
        (
            {"Content-Type": "application/json"},
            b'{"type": "message", "channelId": "msteams", "serviceUrl": "http://x/", "conversation": {}}',
            400,
        ),
        (
            {"Content-Type": "application/json"},
            b'{"type": "message", "channelId": "msteams", "serviceUrl": "http://x/", '
            b'"conversation": {"id": "c"}, "entities": "nope"}',
            400,
        ),
        (
            {"Content-Type": "application/json"},
            b'{"type": "message", "text": "' + b"x" * 300_000 + b'"}',
            413,
        ),
    ],
)
async def test_bad_requests_are_answered_before_the_adapter(
    start_bot: StartBot, connector: FakeConnector, headers: dict[str, str], body: bytes, status: int
) -> None:
    bot = await start_bot()
    response = await bot.post("/api/messages", data=body, headers=headers)
    assert response.status == status
    assert "error" in await response.json()
    assert connector.sent == []


async def test_oversized_body_is_rejected_even_without_content_length(start_bot: StartBot) -> None:
    bot = await start_bot(max_body_bytes=2048)

    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1024

    response = await bot.post("/api/messages", data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status == 413


async def test_healthz_reports_status_version_and_backend(start_bot: StartBot, each_backend: str) -> None:
    bot = await start_bot()
    response = await bot.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "version": "0.1.0", "backend": each_backend}


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"])
async def test_with_an_app_id_requests_without_a_valid_token_are_401(
    start_bot: StartBot, connector: FakeConnector, service_url: str, authorization: str | None
) -> None:
    bot = await start_bot(app_id="5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33", app_password="secret")
    headers = {"Authorization": authorization} if authorization else {}
    response = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    assert response.status == 401
    assert connector.sent == []


async def test_a_slow_turn_shows_typing_before_the_answer(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    backend = GatedBackend(demo_backend())
    bot = await start_bot(backend=backend, typing_delay_seconds=0.01, reply_budget_seconds=10)
    posting = asyncio.ensure_future(
        bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    )
    await connector.wait_until(lambda: bool(connector.sent))
    backend.gate.set()
    assert (await asyncio.wait_for(posting, 10)).status == 201
    kinds = [s.activity["type"] for s in connector.sent]
    assert kinds[0] == "typing"
    assert kinds[-1] == "message"
    assert visible_text(connector.messages[-1]).startswith("Service health · Contoso Ltd")


async def test_simultaneous_install_events_greet_once(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """Teams sends installationUpdate and conversationUpdate at the same moment."""
    bot = await start_bot()
    update = {**installation_update(service_url), "type": "conversationUpdate"}
    update["membersAdded"] = [update["recipient"]]
    responses = await asyncio.gather(
        bot.post("/api/messages", json=installation_update(service_url)),
        bot.post("/api/messages", json=update),
    )
    assert [r.status for r in responses] == [201, 201]
    assert len(connector.messages) == 1


async def test_a_failing_connector_is_logged_in_one_line_without_a_traceback(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    connector.fail_with = 503
    bot = await start_bot(send_retry_seconds=0.2)
    with caplog.at_level(logging.INFO):
        response = await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    assert response.status == 201
    failures = [r.getMessage() for r in caplog.records if r.name == "bot.errors"]
    assert failures[0].startswith("turn failed reference=")
    assert "error=ConnectorError at=bot/outbound/connector.py:" in failures[0]
    assert failures[1].startswith("error card not sent reference=")
    assert "Traceback" not in caplog.text
