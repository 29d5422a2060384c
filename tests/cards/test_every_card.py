"""Every card Teams will receive is valid Adaptive Card 1.5, small enough, and has titled actions."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cards.parts import card_payload
from cards.shared import SHARED_CARD_VERSION
from chatclient.card_text import render_card
from tests.cards.card_schema import VALIDATOR
from tests.cards.examples import CARDS, SNAPSHOTTED

SNAPSHOTS = Path(__file__).parent / "snapshots"
MAX_CARD_BYTES = 28 * 1024


def _actions(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Action."):
            yield node
        for value in node.values():
            yield from _actions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _actions(value)


@pytest.fixture(params=sorted(CARDS))
def payload(request: pytest.FixtureRequest) -> dict[str, Any]:
    return card_payload(CARDS[request.param]())


def test_card_is_valid_adaptive_card_1_5(payload: dict[str, Any]) -> None:
    """Teams' own `msteams` property (mentions) is a host extension the generic schema doesn't know: it is
    checked against Teams' documented shape below, the rest against the schema."""
    card = {k: v for k, v in payload.items() if k != "msteams"}
    errors = sorted(VALIDATOR.iter_errors(card), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors)


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def test_mentions_are_as_teams_documents_them(payload: dict[str, Any]) -> None:
    """`msteams.entities`: mentions whose `text` is an `<at>...</at>` span a TextBlock holds, naming an
    id and a name (cards-format, "Mention support within Adaptive Cards")."""
    teams = payload.get("msteams")
    if teams is None:
        return
    assert set(teams) == {"entities"}
    shown = "\n".join(_texts(payload.get("body", [])))
    for entity in teams["entities"]:
        assert set(entity) == {"type", "text", "mentioned"} and entity["type"] == "mention"
        assert set(entity["mentioned"]) == {"id", "name"} and all(entity["mentioned"].values())
        assert entity["text"].startswith("<at>") and entity["text"].endswith("</at>")
        assert shown.count(entity["text"]) >= 1, entity["text"]


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_declares_1_5_or_if_shared_the_1_3_link_previews_render(name: str) -> None:
    expected = SHARED_CARD_VERSION if name.startswith("shared_") else "1.5"
    assert card_payload(CARDS[name]())["version"] == expected


def test_card_is_under_28_kb(payload: dict[str, Any]) -> None:
    assert len(json.dumps(payload, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES


def test_every_action_has_a_title(payload: dict[str, Any]) -> None:
    actions = list(_actions(payload))
    assert all(str(a.get("title", "")).strip() for a in actions), actions


def test_schema_validation_catches_invalid_cards() -> None:
    broken = card_payload(CARDS["notice"]())
    broken["body"][0]["color"] = "Purple"
    assert list(VALIDATOR.iter_errors(broken))


@pytest.mark.parametrize("name", SNAPSHOTTED)
def test_card_matches_reviewed_snapshot(name: str) -> None:
    """Snapshots are reviewed by reading their `.txt` rendering; UPDATE_SNAPSHOTS=1 rewrites both."""
    payload = card_payload(CARDS[name]())
    path = SNAPSHOTS / f"{name}.json"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        path.with_suffix(".txt").write_text(render_card(payload).text + "\n", encoding="utf-8")
    assert payload == json.loads(path.read_text(encoding="utf-8"))
