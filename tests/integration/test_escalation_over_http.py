"""A guided escalation over real HTTP: Teams-shaped activities in, replies read from the fake Bot Connector.

Each test counts the requests where they are stored (the app's own SQLite file), so "one SR" means one
row, whatever the bot said.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.support.visible import button, visible_text

ANA = {
    "id": "29:1Ana-Bowman-Teams-Id",
    "name": "Ana Bowman",
    "givenName": "Ana",
    "surname": "Bowman",
    "email": "ana.bowman@contoso-partner.example",
    "userPrincipalName": "ana.bowman@contoso-partner.example",
    "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000001",
}


class Thread:
    """One channel thread with the bot; `last` is the newest card or text the bot posted."""

    def __init__(self, bot: TestClient[Any, Any], connector: FakeConnector, service_url: str) -> None:
        self.bot, self.connector, self.service_url = bot, connector, service_url
        self.thread = ""

    @property
    def last(self) -> dict[str, Any]:
        return self.connector.messages[-1]

    async def post(self, activity: dict[str, Any]) -> str:
        before = len(self.connector.messages)
        self.thread = self.thread or activity["id"]
        response = await self.bot.post("/api/messages", json=activity)
        assert response.status in (200, 201), response.status
        return "\n".join(visible_text(m) for m in self.connector.messages[before:])

    async def say(self, text: str) -> str:
        return await self.post(channel_message(self.service_url, text, thread=self.thread))

    def click(self, message: dict[str, Any], title: str) -> dict[str, Any]:
        data = button(message, title).action["data"]
        return channel_message(self.service_url, value=data, thread=self.thread)

    async def press(self, title: str, message: dict[str, Any] | None = None) -> str:
        return await self.post(self.click(message or self.last, title))


def filed(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "bot-state.sqlite3") as db:
        return db.execute(
            "SELECT json_extract(value, '$.row[0]'), json_extract(value, '$.row[9]') FROM records "
            "WHERE collection = 'requests'"
        ).fetchall()


async def to_summary(thread: Thread) -> str:
    await thread.say("escalate for northwind")
    for answer in (
        "exchange",
        "mail flow",
        "moderate",
        "Mail to gmail.com bounces",
        "NDR 5.7.1 since 08:00.",
    ):
        await thread.say(answer)
    await thread.press("1. Keep Ana Bowman (ana.bowman@contoso-partner.example)")
    return await thread.say("skip")


async def test_submit_files_one_request_and_the_receipt_is_posted_in_the_thread(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, service_url)
    summary = await to_summary(thread)
    assert "Primary contact Ana Bowman · ana.bowman@contoso-partner.example" in summary, "from Teams"
    receipt = await thread.press("Submit")
    ((number, email),) = filed(tmp_path)
    assert receipt.startswith("Service request filed") and f"SR number: {number}" in receipt
    assert email == "ana.bowman@contoso-partner.example"
    assert all(s.conversation_id.endswith(f"messageid={thread.thread}") for s in connector.sent)


async def test_a_double_click_and_a_redelivered_activity_file_one_request(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, service_url)
    await to_summary(thread)
    summary = thread.last
    click = thread.click(summary, "Submit")
    await thread.post(click)
    ((number, _),) = filed(tmp_path)
    redelivered = await thread.post(click)  # the same activity id again, as Teams retries
    assert redelivered == "" or redelivered.startswith(f"Already filed as {number}.")
    second_click = await thread.press("Submit", summary)
    assert second_click.startswith(f"Already filed as {number}.")
    assert len(filed(tmp_path)) == 1


async def test_a_restart_mid_dialog_continues_at_the_same_step(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    first = await start_bot()
    thread = Thread(first, connector, service_url)
    await thread.say("escalate for northwind")
    await thread.say("exchange")
    assert "Which Exchange Online topic fits best?" in visible_text(thread.last)
    topics = thread.last
    await first.close()
    thread.bot = await start_bot()
    assert "How severe is it?" in await thread.say("mail flow")
    assert "A short title" in await thread.say("minimal")
    await thread.say("Mail flow is slow")
    await thread.say("Messages take an hour.")
    await thread.say("ana@northwind.example")
    await thread.say("skip")
    summary = thread.last
    assert "Severity Minimal" in visible_text(summary)
    await thread.bot.close()
    thread.bot = await start_bot()
    await thread.press("Submit", summary)
    assert "Service request filed" in visible_text(thread.last)
    assert len(filed(tmp_path)) == 1
    stale = await thread.press("1. Mail flow", topics)
    assert "That card belongs to a service request that has ended" in stale


async def test_tampered_card_data_is_refused_over_http(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    thread = Thread(await start_bot(), connector, service_url)
    await thread.say("escalate for northwind")
    key = button(thread.last, "1. Exchange Online").action["data"]["key"]
    forged = {"action": "escalation.answer", "key": key, "step": "product", "value": "Windows 95"}
    text = await thread.post(channel_message(service_url, value=forged, thread=thread.thread))
    assert "'Windows 95' isn't one of the choices." in text
    bad = await thread.post(channel_message(service_url, value={"action": "escalation.submit", "key": "1"}))
    assert "That button didn't send anything I understand" in bad
    assert filed(tmp_path) == []


async def test_answers_to_the_dialog_are_logged_as_answers_not_unknown_commands(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    thread = Thread(await start_bot(), connector, service_url)
    with caplog.at_level(logging.INFO, logger="bot.turn"):
        await thread.say("escalate for northwind")
        await thread.say("exchange")
        for answer in (
            "mail flow",
            "minimal",
            "Customers can't join meetings",
            "Hello, since 9am nobody can.",
        ):
            await thread.say(answer)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("turn type=message")]
    assert len(lines) == 6 and "command=escalation" in lines[0]
    for line in lines[1:]:
        assert "command=answer" in line and "outcome=ok" in line, line
