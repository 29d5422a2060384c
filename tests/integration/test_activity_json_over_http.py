"""Every activity the bot sends in a session of every command serializes to exactly msrest's JSON."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from msrest.serialization import Model

import bot.outbound.connector
from bot.outbound.activity_json import _model
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message, personal_message
from tests.integration.test_escalation_over_http import ANA
from tests.integration.test_notifications import QUIET_BOT, event, notify


async def test_every_activity_sent_serializes_as_msrest_would(
    start_bot: StartBot, connector: FakeConnector, service_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[Any, Any]] = []

    def both(model: Model) -> Any:
        ours = _model(model)  # raises where activity_json would hand the activity to msrest
        compared.append((ours, model.serialize()))
        return ours

    monkeypatch.setattr(bot.outbound.connector, "activity_json", both)
    connector.members[ANA["id"]] = ANA
    client = await start_bot(**QUIET_BOT)
    for text in (
        "help",
        "health contoso",
        "incidents contoso",
        "incident EX1100014",
        "customers",
        "how is woodgrove doing?",
        "escalate contoso",
        "cancel",
        "no such command",
    ):
        for activity in (personal_message(service_url, text), channel_message(service_url, text)):
            assert (await client.post("/api/messages", json=activity)).status in (200, 201)
    await client.post("/api/messages", json=channel_message(service_url, "subscribe contoso"))
    sent = len(connector.sent)
    assert (await notify(client, event("contoso")))[0] == 202
    await connector.wait_until(lambda: len(connector.sent) > sent)
    await asyncio.sleep(0.1)
    assert len(compared) >= 20
    for ours, msrests in compared:
        assert ours == msrests
