"""Reading a query invoke's value, and the preview Teams lists for each result."""

from __future__ import annotations

import pytest

from bot.turn.compose_extension import PREVIEW_LIMIT, search_of, thumbnail
from dialogs.compose_search import MAX_PAGE, Preview, SearchKind


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, (SearchKind.CUSTOMERS, "", 0, MAX_PAGE)),
        (
            {"commandId": "incidents", "parameters": [{"name": "query", "value": "ex"}]},
            (SearchKind.INCIDENTS, "ex", 0, MAX_PAGE),
        ),
        (
            {"commandId": "requests", "parameters": [{"name": "initialRun", "value": "true"}]},
            (SearchKind.REQUESTS, "", 0, MAX_PAGE),
        ),
        # A client that names the parameter otherwise still searches for what was typed.
        (
            {"parameters": [{"name": "searchText", "value": "woodgrove"}]},
            (SearchKind.CUSTOMERS, "woodgrove", 0, 25),
        ),
        ({"queryOptions": {"skip": 50, "count": 10}}, (SearchKind.CUSTOMERS, "", 50, 10)),
        ({"queryOptions": {"skip": "50", "count": None}}, (SearchKind.CUSTOMERS, "", 0, MAX_PAGE)),
        ({"queryOptions": {"skip": True, "count": 2.5}}, (SearchKind.CUSTOMERS, "", 0, MAX_PAGE)),
        ({"commandId": "nope"}, (None, "", 0, MAX_PAGE)),
        ({"commandId": 3}, (None, "", 0, MAX_PAGE)),
    ],
)
def test_a_query_value_is_read_field_by_field(value: dict[str, object], expected: tuple[object, ...]) -> None:
    assert search_of(value) == expected


def test_a_preview_shows_upstream_text_as_text_on_one_bounded_line() -> None:
    hostile = Preview(
        title="Mail <b>down</b>\u202e" + "x" * 500,
        line="EX1\u200b · Exchange",
        status="🔴 <img src=x onerror=alert(1)>",
        item={"kind": "incident", "id": "EX1"},
    )
    card = thumbnail(hostile, tap=True)["content"]
    assert len(card["title"]) <= PREVIEW_LIMIT and "\u202e" not in card["title"]
    assert card["subtitle"] == "EX1 · Exchange"
    assert "<img" not in card["text"] and "&lt;img" in card["text"]
    assert card["tap"] == {"type": "invoke", "value": {"kind": "incident", "id": "EX1"}}
