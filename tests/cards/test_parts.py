from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from cards.incidents import incident_card
from cards.parts import card_payload, safe
from chatclient.card_text import render_card
from locales.translator import ENGLISH
from services.backends.demo.backend import DemoBackend
from services.domain.incidents import find_incident
from services.domain.models import IncidentPost

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


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
