"""Graph's serviceUpdateMessage shapes (as the docs' list example returns them) into ServiceMessage values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.backends.graph.message_parsing import parse_message, parse_messages
from services.domain.models import MessageCategory, MessageSeverity

# The shape of `GET /admin/serviceAnnouncement/messages`'s items in Graph's v1.0 docs.
RECORDED: dict[str, Any] = {
    "startDateTime": "2019-02-01T18:51:00Z",
    "endDateTime": "2019-06-01T08:00:00Z",
    "lastModifiedDateTime": "2021-01-08T01:10:24.7600000Z",
    "title": "Plan for change: Updates to Microsoft 365 apps system requirements",
    "id": "MC172851",
    "category": "planForChange",
    "severity": "normal",
    "tags": ["Updated message", "Admin impact"],
    "isMajorChange": True,
    "actionRequiredByDateTime": None,
    "services": ["Microsoft 365 apps"],
    "expiryDateTime": None,
    "hasAttachments": False,
    "viewPoint": None,
    "details": [{"name": "ExternalLink", "value": "https://aka.ms/example"}],
    "body": {
        "contentType": "html",
        "content": "<p>Updated January 07, 2021: We've <b>updated</b> this message.</p>"
        "<ul><li>Office 2013</li><li>Office 2016 &amp; 2019</li></ul>",
    },
}


def _raw(**changes: object) -> dict[str, Any]:
    return {**RECORDED, **changes}


def test_a_recorded_message_keeps_every_field_the_desk_shows() -> None:
    message = parse_message(RECORDED)
    assert message is not None
    assert message.message_id == "MC172851"
    assert message.title == "Plan for change: Updates to Microsoft 365 apps system requirements"
    assert message.services == ("Microsoft 365 apps",)
    assert message.category is MessageCategory.PLAN_FOR_CHANGE
    assert message.severity is MessageSeverity.NORMAL
    assert message.is_major_change
    assert message.act_by is None
    assert message.start == datetime(2019, 2, 1, 18, 51, tzinfo=UTC)
    assert message.end == datetime(2019, 6, 1, 8, 0, tzinfo=UTC)
    assert message.last_modified == datetime(2021, 1, 8, 1, 10, 24, 760000, tzinfo=UTC)
    assert message.tags == ("Updated message", "Admin impact")
    assert (
        message.body
        == "Updated January 07, 2021: We've updated this message.\n\n• Office 2013\n• Office 2016 & 2019"
    )


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("planForChange", MessageCategory.PLAN_FOR_CHANGE),
        ("PlanForChange", MessageCategory.PLAN_FOR_CHANGE),
        ("preventOrFixIssue", MessageCategory.PREVENT_OR_FIX_ISSUE),
        ("PREVENTORFIXISSUE", MessageCategory.PREVENT_OR_FIX_ISSUE),
        ("stayInformed", MessageCategory.STAY_INFORMED),
        ("unknownFutureValue", MessageCategory.OTHER),
        ("retirement", MessageCategory.OTHER),
        ("other", MessageCategory.OTHER),
        ("", MessageCategory.OTHER),
        (None, MessageCategory.OTHER),
        (7, MessageCategory.OTHER),
    ],
)
def test_categories_in_any_case_and_ones_graph_adds_later_are_kept(
    category: object, expected: object
) -> None:
    message = parse_message(_raw(category=category))
    assert message is not None and message.category is expected


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("normal", MessageSeverity.NORMAL),
        ("High", MessageSeverity.HIGH),
        ("critical", MessageSeverity.CRITICAL),
        ("unknownFutureValue", MessageSeverity.OTHER),
        ("urgent", MessageSeverity.OTHER),
        (None, MessageSeverity.OTHER),
    ],
)
def test_severities_in_any_case_and_unknown_ones_are_kept(severity: object, expected: object) -> None:
    message = parse_message(_raw(severity=severity))
    assert message is not None and message.severity is expected


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"isMajorChange": None}, lambda m: m.is_major_change is False),
        ({"isMajorChange": "true"}, lambda m: m.is_major_change is False),
        ({"actionRequiredByDateTime": "2026-12-10T00:00:00Z"}, lambda m: m.act_by.day == 10),
        ({"actionRequiredByDateTime": "not a date"}, lambda m: m.act_by is None),
        ({"services": None, "tags": "Retirement"}, lambda m: m.services == () and m.tags == ()),
        (
            {"services": ["Exchange Online", "", None, "Exchange Online"]},
            lambda m: m.services == ("Exchange Online",),
        ),
        ({"title": ""}, lambda m: m.title == "MC172851"),
        ({"id": "mc172851"}, lambda m: m.message_id == "MC172851"),
        ({"body": {"contentType": "text", "content": "a <b> c"}}, lambda m: m.body == "a <b> c"),
        ({"body": None}, lambda m: m.body == ""),
        ({"lastModifiedDateTime": None}, lambda m: m.last_modified == m.start),
    ],
)
def test_missing_or_odd_fields_read_as_nothing_rather_than_failing(
    changes: dict[str, object], check: Any
) -> None:
    message = parse_message(_raw(**changes))
    assert message is not None and check(message)


def test_messages_without_an_id_or_any_time_are_skipped_and_the_page_still_reads() -> None:
    page = {
        "value": [
            _raw(id=""),
            _raw(startDateTime=None, lastModifiedDateTime=None),
            "garbage",
            _raw(id="MC2"),
        ]
    }
    assert [m.message_id for m in parse_messages(page)] == ["MC2"]
    assert parse_messages({"error": {"code": "x"}}) == ()
