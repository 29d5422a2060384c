"""The turn-error reporter answers whatever failed the turn, including an activity it can't read."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.turn.errors import report_turn_error
from tests.support.visible import visible_text


def _broken(
    entities: Any = None, conversation_id: Any = "a:personal-chat", locale: Any = "en-US"
) -> Activity:
    """What msrest makes of activities the edge refuses: the reporter must not trip over them either."""
    return Activity(
        type="message",
        text="health contoso",
        locale=locale,
        entities=entities,
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/amer/",
        from_property=ChannelAccount(id="29:ana"),
        recipient=ChannelAccount(id="28:bot"),
        conversation=ConversationAccount(id=conversation_id),
    )


@pytest.mark.parametrize(
    "activity",
    [
        _broken(entities=[None]),
        _broken(entities=[None], locale=None),
        _broken(entities=[1, "x", None], locale=None),
        _broken(conversation_id="a:\ud800"),
        _broken(conversation_id={"not": "a string"}),
        _broken(locale=5),
    ],
    ids=["null entity", "null entity, no locale", "scalars", "surrogate id", "object id", "number locale"],
)
async def test_the_reporter_answers_and_logs_one_line_whatever_the_activity(
    activity: Activity, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = TestAdapter()
    context = TurnContext(adapter, activity)
    with caplog.at_level(logging.INFO, logger="bot.errors"):
        reference = await report_turn_error(context, AttributeError("'NoneType' object has no attribute"))
    (card,) = adapter.activity_buffer
    assert visible_text(card).startswith("Something went wrong on my side")
    assert f"Reference: {reference}" in visible_text(card)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.errors"]
    assert f"turn failed reference={reference}" in line and "error=AttributeError" in line
