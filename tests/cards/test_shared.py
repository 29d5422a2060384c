"""Cards shared from the compose box are for people without the bot: links only, nothing that talks to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cards.parts import card_payload
from tests.cards.examples import CARDS

SHARED = sorted(name for name in CARDS if name.startswith("shared_"))


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def test_there_is_a_shared_example_of_each_card_the_extension_inserts() -> None:
    assert {n.removesuffix("_ko").removesuffix("_huge") for n in SHARED} == {
        "shared_health",
        "shared_incident",
        "shared_request",
    }


@pytest.mark.parametrize("name", SHARED)
def test_a_shared_card_has_no_button_or_tap_that_only_works_where_the_bot_is(name: str) -> None:
    payload = card_payload(CARDS[name]())
    for node in _nodes(payload):
        if str(node.get("type", "")).startswith("Action."):
            assert node["type"] == "Action.OpenUrl", node
        assert "selectAction" not in node or node["selectAction"]["type"] == "Action.OpenUrl"
        assert node.get("type") != "ActionSet" or node["actions"], "an empty ActionSet is left"
        assert node.get("style") != "heading", "TextBlock style heading is Adaptive Cards 1.5"


def test_sharing_keeps_the_links_and_the_words() -> None:
    """The delegated-admin links stay (they open a portal in the browser); what the card says is unchanged."""
    original, shared = card_payload(CARDS["health"]()), card_payload(CARDS["shared_health"]())
    links = [n["url"] for n in _nodes(original) if n.get("type") == "Action.OpenUrl"]
    assert links and links == [n["url"] for n in _nodes(shared) if n.get("type") == "Action.OpenUrl"]
    texts = [n["text"] for n in _nodes(original) if n.get("type") == "TextBlock"]
    assert texts == [n["text"] for n in _nodes(shared) if n.get("type") == "TextBlock"]
    assert any(n.get("type") == "Action.Submit" for n in _nodes(original))


def test_a_shared_request_card_does_not_teach_the_note_command() -> None:
    assert "note 26" in str(card_payload(CARDS["service_request"]()))
    assert "note 26" not in str(card_payload(CARDS["shared_request"]()))
