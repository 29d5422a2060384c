"""Thousands of random and malformed activities, card submissions and invokes thrown at the running app:
no 5xx, no error or traceback in the log, and a dialog in progress before the barrage continues after it.

Bounded and derandomized in `make test` (FUZZ_PROFILE=ci, the default); `FUZZ_PROFILE=long make test`
throws thousands with a fresh seed each run.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cards.actions import ACTION_KEY
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import card_action, channel_message, personal_message
from tests.support.visible import visible_text

settings.register_profile("ci", max_examples=150, derandomize=True, database=None)
settings.register_profile("long", max_examples=5000, derandomize=False, database=None)
PROFILE = os.environ.get("FUZZ_PROFILE", "ci")

_text = st.text(max_size=40) | st.sampled_from(
    ["", "help", "cancel", "escalate", "<at>x</at>", "\x00", "🙂" * 9]
)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)
_FIELDS = [
    "type",
    "id",
    "text",
    "value",
    "name",
    "from",
    "conversation",
    "recipient",
    "entities",
    "attachments",
    "channelData",
    "serviceUrl",
    "channelId",
    "replyToId",
    "textFormat",
    "membersAdded",
]
_TYPES = [
    "message",
    "invoke",
    "conversationUpdate",
    "installationUpdate",
    "messageReaction",
    "event",
    "typing",
    "endOfConversation",
    "messageUpdate",
    "messageDelete",
    "x",
]
_INVOKES = [
    "adaptiveCard/action",
    "fileConsent/invoke",
    "actionableMessage/executeAction",
    "composeExtension/query",
    "task/fetch",
    "signin/verifyState",
    "config/fetch",
    "healthCheck",
    "",
]
_VERBS = [
    "run.command",
    "customers.page",
    "escalation.answer",
    "escalation.edit",
    "escalation.submit",
    "notice.acknowledge",
    "nope",
]

FUZZER = {
    "id": "29:fuzzer",
    "name": "Fuzz [x](http://evil) <at>Bot</at>",
    "aadObjectId": "f0220000-0000-4000-8000-000000000f22",
}


def _base(service_url: str) -> dict[str, Any]:
    activity = channel_message(service_url, "help")
    activity["from"] = dict(FUZZER)
    return activity


@st.composite
def _mutated(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    activity = _base(service_url)
    for field in draw(st.lists(st.sampled_from(_FIELDS), max_size=4)):
        activity[field] = draw(_json)
    activity["type"] = draw(st.sampled_from(_TYPES) | _text) if draw(st.booleans()) else activity.get("type")
    return activity


@st.composite
def _submission(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    value = draw(st.dictionaries(_text, _json, max_size=4))
    value[ACTION_KEY] = draw(st.sampled_from(_VERBS) | _text)
    activity = _base(service_url)
    del activity["text"]
    activity["value"] = value
    return activity


@st.composite
def _invoke(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    activity = card_action(
        service_url, draw(st.sampled_from(_VERBS)), draw(st.dictionaries(_text, _json)), "1"
    )
    activity["from"] = dict(FUZZER)
    activity["name"] = draw(st.sampled_from(_INVOKES) | _text)
    if draw(st.booleans()):
        activity["value"] = draw(_json)
    return activity


def _bodies(service_url: str) -> list[bytes]:
    """Examples drawn up front (the app runs on pytest's event loop, which Hypothesis can't drive)."""
    drawn: list[bytes] = []
    activities = _mutated(service_url) | _submission(service_url) | _invoke(service_url)
    raw = st.binary(max_size=200) | _json.map(lambda v: json.dumps(v).encode())
    bodies = activities.map(lambda a: json.dumps(a).encode()) | raw

    @settings(settings.get_profile(PROFILE), phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(bodies)
    def collect(body: bytes) -> None:
        drawn.append(body)

    collect()
    return drawn


async def test_random_and_malformed_input_breaks_nothing(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot()
    escalating = personal_message(service_url, "escalate contoso")
    assert (await bot.post("/api/messages", json=escalating)).status == 201
    await connector.wait_for_messages(1)
    with caplog.at_level(logging.INFO):
        for body in _bodies(service_url):
            response = await bot.post(
                "/api/messages", data=body, headers={"Content-Type": "application/json"}
            )
            assert response.status < 500, body[:500]
            await response.read()
    broken = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert broken == []
    before = len(connector.messages)
    assert (await bot.post("/api/messages", json=personal_message(service_url, "exchange"))).status == 201
    messages = await connector.wait_for_messages(before + 1)
    assert "File a request anyway, or follow the incident?" in visible_text(messages[-1])
