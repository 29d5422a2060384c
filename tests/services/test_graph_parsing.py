from __future__ import annotations

from datetime import UTC, datetime

from services.backends.graph.parsing import parse_health_overviews, parse_issue
from services.domain.html_text import html_to_text
from services.domain.models import StatusLevel
from services.domain.timestamps import parse_timestamp


def _issue(**overrides: object) -> dict[str, object]:
    issue: dict[str, object] = {
        "id": "EX226792",
        "title": "Mail delayed",
        "startDateTime": "2020-11-13T21:00:00Z",
        "endDateTime": None,
        "lastModifiedDateTime": "2020-11-14T18:20:24.7670000Z",
        "classification": "Advisory",
        "status": "ServiceDegradation",
        "service": "Exchange Online",
        "isResolved": False,
        "posts": [
            {
                "createdDateTime": "2020-11-12T07:07:38.97Z",
                "postType": "regular",
                "description": {"contentType": "Html", "content": "Title: Mail<br><br>Impact: <b>slow</b>"},
            }
        ],
    }
    issue.update(overrides)
    return issue


def test_html_becomes_readable_text_with_line_breaks_kept() -> None:
    html = (
        "Title: X<br><br>User impact: <b>users</b> &amp; admins<br/>"
        "Next &lt;soon&gt;<script>alert(1)</script>"
    )
    assert html_to_text(html) == "Title: X\n\nUser impact: users & admins\nNext <soon>"


def test_lists_and_paragraphs_keep_their_shape() -> None:
    assert html_to_text("<p>Steps:</p><ul><li>one</li><li>two</li></ul>") == "Steps:\n\n• one\n• two"


def test_pascal_case_enums_from_doc_examples_parse_like_camel_case() -> None:
    incident = parse_issue(_issue())
    assert incident is not None
    assert incident.is_advisory
    assert incident.status.label == "Degraded"
    assert incident.status.level is StatusLevel.DEGRADED
    assert incident.posts[0].text == "Title: Mail\n\nImpact: slow"


def test_seven_digit_fractions_and_unknown_statuses_are_tolerated() -> None:
    incident = parse_issue(_issue(status="someFutureStatus"))
    assert incident is not None
    assert incident.last_modified == datetime(2020, 11, 14, 18, 20, 24, 767000, tzinfo=UTC)
    assert incident.status.label == "Some future status"


def test_issues_without_id_or_start_are_skipped_not_fatal() -> None:
    payload = {
        "value": [
            {
                "service": "Exchange Online",
                "id": "Exchange",
                "status": "serviceOperational",
                "issues": [_issue(id=""), _issue(startDateTime=None), _issue(id="EX1")],
            },
            {"status": "serviceOperational"},
            "garbage",
        ]
    }
    services = parse_health_overviews(payload)
    assert [s.name for s in services] == ["Exchange Online"]
    assert [i.incident_id for i in services[0].incidents] == ["EX1"]


def test_partner_center_unset_dates_mean_none() -> None:
    assert parse_timestamp("0001-01-01T00:00:00") is None
    assert parse_timestamp("not a date") is None
