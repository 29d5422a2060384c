from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity, ChannelAccount

from bot.turn.mentions import addressed_to_someone_else, command_text

BOT = ChannelAccount(id="28:bot", name="Support Bot")


def _message(text: str, entities: list[Any], conversation_type: str = "channel") -> Activity:
    return Activity().deserialize(
        {
            "type": "message",
            "text": text,
            "entities": entities,
            "recipient": {"id": BOT.id, "name": BOT.name},
            "conversation": {"id": "19:c", "conversationType": conversation_type},
        }
    )


def _mention(identifier: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "mentioned": {"id": identifier, "name": name}, "text": f"<at>{name}</at>"}


def test_every_mention_is_removed_from_the_command() -> None:
    activity = _message(
        "<at>Support Bot</at> health contoso <at>Megan Bowen</at>",
        [_mention(BOT.id, "Support Bot"), _mention("29:megan", "Megan Bowen")],
    )
    assert command_text(activity) == "health contoso"
    assert not addressed_to_someone_else(activity)


def test_only_a_colleague_mentioned_in_a_channel_is_not_for_the_bot() -> None:
    text = "<at>Megan Bowen</at> health contoso?"
    assert addressed_to_someone_else(_message(text, [_mention("29:megan", "Megan Bowen")]))
    assert addressed_to_someone_else(_message(text, [_mention("29:megan", "Megan Bowen")], "groupChat"))
    assert not addressed_to_someone_else(_message(text, [_mention("29:megan", "Megan Bowen")], "personal"))


@pytest.mark.parametrize(
    "entities",
    [
        [{"type": "mention", "text": "<at>Support Bot</at>"}],
        [{"type": "mention"}],
        [{"type": "mention", "mentioned": "nobody", "text": 5}],
        [{"type": "Mention", "mentioned": {"name": "no id"}, "text": "<at>Support Bot</at>"}],
    ],
)
def test_malformed_mentions_are_plain_text(entities: list[Any]) -> None:
    activity = _message("<at>Support Bot</at> health contoso", entities)
    assert command_text(activity) == "health contoso"
    assert not addressed_to_someone_else(activity)


def test_a_mention_entity_whose_text_is_a_plain_word_does_not_cut_it_from_the_command() -> None:
    activity = _message("<at>Support Bot</at> health contoso", [{"type": "mention", "text": "contoso"}])
    assert command_text(activity) == "health contoso"
