"""The edge names the field whose type Teams would never send, wherever it sits in the activity."""

from __future__ import annotations

from typing import Any

import pytest

from bot.edge.activity_shape import shape_problem
from tests.integration.teams import channel_message, installation_update

MESSAGE = channel_message("https://smba.trafficmanager.net/amer/", "health contoso")


def _with(change: dict[str, Any]) -> dict[str, Any]:
    return {**MESSAGE, **change}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"entities": [None]}, "'entities[0]' must be an object"),
        ({"entities": [{"type": "clientInfo"}, 5]}, "'entities[1]' must be an object"),
        ({"entities": [{"type": ["mention"]}]}, "'entities[0].type' must be a string"),
        ({"entities": {"type": "mention"}}, "'entities' must be a list"),
        ({"id": {}}, "'id' must be a string"),
        ({"text": 5}, "'text' must be a string"),
        ({"locale": ["ko-KR"]}, "'locale' must be a string"),
        ({"timestamp": 1732458000}, "'timestamp' must be a string"),
        ({"from": "29:ana"}, "'from' must be an object"),
        ({"from": {"id": "29:ana", "name": 5}}, "'from.name' must be a string"),
        ({"conversation": {"id": "a:1", "isGroup": "yes"}}, "'conversation.isGroup' must be true or false"),
        ({"conversation": {"id": "a:1", "tenantId": 7}}, "'conversation.tenantId' must be a string"),
        ({"recipient": [{"id": "28:bot"}]}, "'recipient' must be an object"),
        ({"attachments": [{"contentType": None, "content": 1}, "x"]}, "'attachments[1]' must be an object"),
        ({"membersAdded": [{"id": 1}]}, "'membersAdded[0].id' must be a string"),
        ({"channelData": "tenant"}, "'channelData' must be an object"),
        ({"channelData": {"tenant": {"id": 1}}}, "'channelData.tenant.id' must be a string"),
        ({"channelData": {"team": []}}, "'channelData.team' must be an object"),
        ({"textHighlights": [{"occurrence": True}]}, "'textHighlights[0].occurrence' must be a whole number"),
    ],
)
def test_a_field_of_the_wrong_type_is_named(change: dict[str, Any], problem: str) -> None:
    assert shape_problem(_with(change)) == problem


@pytest.mark.parametrize(
    "activity",
    [
        MESSAGE,
        installation_update("https://smba.trafficmanager.net/amer/"),
        _with({"value": ["any", {"json": None}], "entities": [], "attachments": None, "locale": None}),
        _with({"conversation": {"id": "a:1", "TENANTID": "t", "unknownField": [1, {}]}}),
        _with({"channelData": {"tenant": {"id": "t"}, "somethingNew": 5}}),
    ],
)
def test_what_teams_sends_passes(activity: dict[str, Any]) -> None:
    assert shape_problem(activity) is None
