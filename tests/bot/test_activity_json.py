"""Our serializer of outgoing activities gives msrest's JSON, and hands msrest what it doesn't know."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    CardAction,
    ChannelAccount,
    ConversationAccount,
    Entity,
    Mention,
    SuggestedActions,
)

from bot.outbound.activity_json import _model, _Unsupported, activity_json
from dialogs.replies import text_reply
from tests.support.harness import DEMO_NOW


def _reply(activity: Activity) -> Activity:
    activity.service_url = "https://smba.trafficmanager.net/amer/"
    activity.conversation = ConversationAccount(id="19:c@thread.tacv2;messageid=1", is_group=True)
    activity.from_property = ChannelAccount(id="28:bot", name="Support")
    activity.recipient = ChannelAccount(id="29:ana", name="Ana", aad_object_id="a1")
    activity.reply_to_id = "1"
    activity.channel_id = "msteams"
    return activity


ACTIVITIES: list[Activity] = [
    _reply(text_reply("plain text, ünïcode, emoji 🚨")),
    _reply(Activity(type=ActivityTypes.typing)),
    _reply(
        Activity(
            type="message", text="x", timestamp=DEMO_NOW, local_timestamp=datetime(2026, 1, 1, tzinfo=UTC)
        )
    ),
    _reply(
        MessageFactory.attachment(
            CardFactory.adaptive_card(
                {
                    "type": "AdaptiveCard",
                    "version": "1.5",
                    "body": [{"type": "TextBlock", "text": "a", "wrap": True, "size": None, "n": 1.5}],
                    "actions": [
                        {"type": "Action.Submit", "title": "Go", "data": {"verb": "x", "ids": [1, 2]}}
                    ],
                }
            )
        )
    ),
    _reply(
        Activity(
            type="message",
            text="pick",
            suggested_actions=SuggestedActions(
                to=["29:ana"], actions=[CardAction(type="imBack", title="a", value="a")]
            ),
            entities=[
                Mention(
                    mentioned=ChannelAccount(id="29:ana", name="Ana"), text="<at>Ana</at>", type="mention"
                )
            ],
            channel_data={"notification": {"alert": True}},
        )
    ),
]


@pytest.mark.parametrize("activity", ACTIVITIES, ids=lambda a: str(a.type))
def test_the_json_equals_msrests(activity: Activity) -> None:
    assert _model(activity) == activity.serialize(), "without falling back to msrest"


@pytest.mark.parametrize(
    "odd",
    [
        {"channel_data": {"when": datetime(2026, 1, 1, tzinfo=UTC)}},  # msrest writes dates in objects as ISO
        {"channel_data": {1: "int key"}},
        {"entities": [Entity(type="x"), None]},
        {"value": ChannelAccount(id="nested model in an object")},
        {"text": 42},  # msrest would write "42"
    ],
)
def test_what_it_does_not_know_is_left_to_msrest(odd: dict[str, Any]) -> None:
    activity = _reply(Activity(type="message", **odd))
    with pytest.raises(_Unsupported):
        _model(activity)
    assert activity_json(activity) == activity.serialize()


def test_the_turn_journals_conversation_reference_equals_msrests() -> None:
    incoming = _reply(Activity(type="message", id="17", text="help", locale="en-US"))
    reference = TurnContext.get_conversation_reference(incoming)
    assert _model(reference) == reference.serialize()
