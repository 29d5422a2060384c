"""The people a message @mentions, as `owner` and `setup` store them: the roster's object id and name,
never the bot, each once; a mention the roster can't place is named back, not guessed or an error."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, Entity

from dialogs.teams_member import MentionedPeople, mentioned_people
from services.domain.models import Owner

ROSTER = {
    "29:ana": {"id": "29:ana", "name": "Ana Bowman", "aadObjectId": "aad-ana"},
    "29:ben": {"id": "29:ben", "name": "Ben Ito", "aadObjectId": "aad-ben"},
    "29:nameless": {"id": "29:nameless", "aadObjectId": "aad-nameless"},
}


class Connector:
    """The adapter's roster reads (bot/outbound/connector.py's `member`), answering from ROSTER."""

    def __init__(self, failing: bool = False) -> None:
        self.failing = failing

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]:
        if self.failing or member_id not in ROSTER:
            raise LookupError("MemberNotFoundInConversation")
        return ROSTER[member_id]


class Adapter:
    def __init__(self, connector: Connector) -> None:
        self.connector = connector


def mention(teams_id: Any, name: Any = "Someone") -> Entity:
    return Entity().deserialize({"type": "mention", "mentioned": {"id": teams_id, "name": name}, "text": "x"})


async def people(entities: list[Entity], connector: Connector | None = None) -> MentionedPeople:
    activity = Activity(
        type="message",
        channel_id="msteams",
        service_url="https://smba.example/",
        conversation=ConversationAccount(id="19:ops@thread.tacv2", conversation_type="channel"),
        from_property=ChannelAccount(id="29:caller"),
        recipient=ChannelAccount(id="28:bot"),
        entities=entities,
    )
    return await mentioned_people(TurnContext(Adapter(connector or Connector()), activity))


ANA, BEN = Owner("aad-ana", "Ana Bowman"), Owner("aad-ben", "Ben Ito")


@pytest.mark.parametrize(
    ("entities", "expected"),
    [
        ([mention("28:bot", "Support Bot"), mention("29:ana", "Ana")], MentionedPeople((ANA,), ())),
        ([mention("29:ben"), mention("29:ana"), mention("29:ben")], MentionedPeople((BEN, ANA), ())),
        ([mention("29:stranger", "Zoë Stranger")], MentionedPeople((), ("Zoë Stranger",))),
        (
            [mention("29:nameless", "Nameless in text")],
            MentionedPeople((Owner("aad-nameless", "Nameless in text"),), ()),
        ),
        ([mention(None), mention(7), mention("", "Empty")], MentionedPeople((), ())),
        ([Entity().deserialize({"type": "mention", "mentioned": "29:ana"})], MentionedPeople((), ())),
        ([Entity().deserialize({"type": "clientInfo", "locale": "ko-KR"})], MentionedPeople((), ())),
        ([], MentionedPeople((), ())),
    ],
    ids=[
        "not-the-bot",
        "each-once-in-order",
        "not-in-roster",
        "roster-without-name",
        "bad-ids",
        "bad-shape",
        "other-entity",
        "none",
    ],
)
async def test_mentions_become_people_by_object_id(entities: list[Entity], expected: MentionedPeople) -> None:
    assert await people(entities) == expected


async def test_a_roster_that_fails_names_everyone_back_instead_of_guessing() -> None:
    found = await people([mention("29:ana", "Ana"), mention("29:ben", "Ben")], Connector(failing=True))
    assert found == MentionedPeople((), ("Ana", "Ben"))
