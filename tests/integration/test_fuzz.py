"""Thousands of random and malformed activities, card submissions and invokes thrown at the running app:
no 5xx, no error or traceback in the log, and a dialog in progress before the barrage continues after it.

Two parts. Every field the bot reads (top-level and nested, as Teams nests them) is given a value of
every JSON type, one at a time, in each kind of activity: that table is exhaustive, so a field of the
wrong type (`"entities": [null]` once gave 500) can't hide behind the luck of a random draw. Then random
activities with several such fields changed at once, random card submissions and invokes.

The random part is bounded and derandomized in `make test` (FUZZ_PROFILE=ci, the default);
`FUZZ_PROFILE=long make test` throws thousands with a fresh seed each run.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cards.actions import (
    ACKNOWLEDGE_NOTICE,
    ACTION_KEY,
    CUSTOMERS_PAGE,
    RUN_COMMAND,
)
from cards.escalation import ESCALATION_ANSWER, ESCALATION_EDIT, ESCALATION_FORM, ESCALATION_SUBMIT
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import card_action, channel_message, installation_update, personal_message
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
    "composeExtension/selectItem",
    "composeExtension/queryLink",
    "task/fetch",
    "signin/verifyState",
    "config/fetch",
    "healthCheck",
    "",
]
_VERBS = [
    RUN_COMMAND,
    CUSTOMERS_PAGE,
    ESCALATION_ANSWER,
    ESCALATION_EDIT,
    ESCALATION_SUBMIT,
    ESCALATION_FORM,
    ACKNOWLEDGE_NOTICE,
    "nope",
]

Path = tuple[str | int, ...]
# Every field the bot, botbuilder or msrest reads, where Teams puts it.
READ_FIELDS: list[Path] = [
    ("type",),
    ("id",),
    ("name",),
    ("action",),
    ("text",),
    ("textFormat",),
    ("value",),
    ("locale",),
    ("localTimezone",),
    ("timestamp",),
    ("localTimestamp",),
    ("serviceUrl",),
    ("channelId",),
    ("replyToId",),
    ("from",),
    ("from", "name"),
    ("from", "aadObjectId"),
    ("from", "role"),
    ("conversation",),
    ("conversation", "conversationType"),
    ("conversation", "tenantId"),
    ("conversation", "isGroup"),
    ("conversation", "name"),
    ("recipient",),
    ("recipient", "id"),
    ("recipient", "name"),
    ("entities",),
    ("entities", 0),
    ("entities", 0, "type"),
    ("entities", 0, "locale"),
    ("entities", 0, "timezone"),
    ("entities", 1),
    ("entities", 1, "type"),
    ("entities", 1, "mentioned"),
    ("entities", 1, "mentioned", "id"),
    ("entities", 1, "text"),
    ("attachments",),
    ("attachments", 0),
    ("attachments", 0, "contentType"),
    ("attachments", 0, "content"),
    ("channelData",),
    ("channelData", "tenant"),
    ("channelData", "tenant", "id"),
    ("channelData", "team"),
    ("channelData", "team", "id"),
    ("channelData", "channel"),
    ("channelData", "channel", "id"),
    ("channelData", "eventType"),
    ("channelData", "settings"),
    ("channelData", "settings", "selectedChannel"),
    ("membersAdded",),
    ("membersAdded", 0),
    ("membersAdded", 0, "id"),
    ("membersRemoved",),
]
# One value of every JSON type, and the containers Teams never sends where it sends a scalar.
EVERY_JSON_TYPE: list[Any] = [
    None,
    True,
    0,
    -1.5,
    "",
    "x",
    "\ud800",
    [],
    [None],
    [1],
    ["x"],
    [{}],
    {},
    {"a": {"b": [1, None]}},
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


def _set(activity: dict[str, Any], path: Path, value: Any) -> None:
    """A copy of `value` at `path`, creating the objects and list items on the way (as a sender could)."""
    value = copy.deepcopy(value)
    here: Any = activity
    for step, following in zip(path, path[1:], strict=False):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(step, int):
            if not isinstance(here, list):
                return
            while len(here) <= step:
                here.append({})
            if not isinstance(here[step], dict | list):
                here[step] = empty
        elif not isinstance(here.get(step), dict | list):
            here[step] = empty
        here = here[step]
    last = path[-1]
    if isinstance(last, int) and isinstance(here, list):
        while len(here) <= last:
            here.append({})
        here[last] = value
    elif isinstance(last, str) and isinstance(here, dict):
        here[last] = value


def _kinds(service_url: str) -> dict[str, dict[str, Any]]:
    """One of each kind of activity the bot handles, as Teams sends it."""
    submit = personal_message(service_url, value={ACTION_KEY: RUN_COMMAND, "command": "health contoso"})
    invoke = card_action(service_url, ACKNOWLEDGE_NOTICE, {"incident": "EX2200001"}, "1")
    installed = installation_update(service_url)
    installed["membersAdded"] = [{"id": "28:5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"}]
    return {
        "message": channel_message(service_url, "health contoso"),
        "submit": submit,
        "invoke": invoke,
        "installationUpdate": installed,
    }


@st.composite
def _mutated(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    # Fields and values picked uniformly: Hypothesis leans to the first items of a list, and a field late in
    # READ_FIELDS must be as likely to go wrong as `type`.
    pick = draw(st.randoms(use_true_random=False))
    activity = pick.choice(list(_kinds(service_url).values()))
    for path in pick.sample(READ_FIELDS, pick.randint(1, 3)):
        _set(activity, path, pick.choice(EVERY_JSON_TYPE) if pick.random() < 0.7 else draw(_json))
    for field in draw(st.lists(st.sampled_from(_FIELDS), max_size=1)):
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
    # Most draws are real activities with a few fields changed: random bytes rarely get past the JSON check.
    activities = st.one_of(
        _mutated(service_url), _mutated(service_url), _submission(service_url), _invoke(service_url)
    )
    raw = st.binary(max_size=200) | _json.map(lambda v: json.dumps(v).encode())
    bodies = st.one_of(*[activities.map(lambda a: json.dumps(a).encode())] * 3, raw)

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


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("kind", ["message", "submit", "invoke", "installationUpdate"])
async def test_every_field_the_bot_reads_with_a_value_of_every_json_type_breaks_nothing(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """Each field alone, each JSON type: a clear 4xx or a 2xx, never a 5xx or an error in the log."""
    bot = await start_bot()
    failures = []
    with caplog.at_level(logging.INFO):
        for path in READ_FIELDS:
            for value in EVERY_JSON_TYPE:
                activity = _kinds(service_url)[kind]
                _set(activity, path, value)
                caplog.clear()
                response = await bot.post("/api/messages", json=activity)
                await response.read()
                await asyncio.sleep(0)
                if response.status >= 500 or _errors(caplog):
                    failures.append(
                        f"{'.'.join(map(str, path))}={value!r}: {response.status} {_errors(caplog)}"
                    )
    assert failures == []
    before = len(connector.messages)
    assert (
        await bot.post("/api/messages", json=personal_message(service_url, "health contoso"))
    ).status == 201
    messages = await connector.wait_for_messages(before + 1)
    assert visible_text(messages[-1]).startswith("Service health · Contoso Ltd")
