from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cards.incidents import incident_card
from cards.parts import card_payload, relative_time, safe
from chatclient.card_text import render_card
from locales.translator import ENGLISH
from services.demo.backend import DemoBackend
from services.incidents import find_incident
from services.models import IncidentPost

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=5), "5 min ago"),
        (timedelta(hours=2, minutes=59), "2 h ago"),
        (timedelta(days=3, hours=1), "3 d ago"),
        (-timedelta(hours=2), "in 2 h"),
    ],
)
def test_relative_times_read_like_a_person_would_say_them(ago: timedelta, expected: str) -> None:
    assert relative_time(NOW - ago, NOW) == expected


def test_markdown_in_upstream_text_stays_literal() -> None:
    assert safe("[click](https://evil.example) **now** _x_ `code`") == (
        "\\[click\\](https://evil.example) \\*\\*now\\*\\* \\_x\\_ \\`code\\`"
    )
    assert safe("- not a list\n1. nor this") == "\\- not a list\n1\\. nor this"
    # Teams' renderer drops anything that looks like an HTML tag.
    assert safe("health <customer>") == "health \\<customer\\>"


async def test_an_incident_post_cannot_inject_links_or_formatting(demo: DemoBackend) -> None:
    lookup = await find_incident(demo, "EX1100014")
    evil = "Fixed. [Reset your password here](https://phish.example) **urgently**"
    poisoned = replace(lookup, incident=replace(lookup.incident, posts=(IncidentPost(NOW, evil),)))
    payload = card_payload(incident_card(poisoned, NOW, ENGLISH))
    texts = json.dumps(payload)
    assert (
        json.dumps("Fixed. \\[Reset your password here\\](https://phish.example) \\*\\*urgently\\*\\*")
        in texts
    )
    assert evil in render_card(payload).text
