"""What any text from users or Microsoft can do to a card: nothing but be shown.

Every card in `examples.py` is rebuilt with generated text appended to every field that carries text
from users or upstream APIs (the poisoning of `test_hostile_text`): Teams evaluates `{{DATE(…)}}` and
`{{TIME(…)}}` in TextBlocks and facts, invisible format characters (zero-width spaces, a right-to-left
override) change what is read, and a long enough text makes a card Teams refuses (28 KB).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards.escalation import receipt_card, requests_card, summary_card
from cards.parts import card_payload, without_format_characters
from chatclient.card_text import render_card
from locales.translator import ENGLISH
from services.domain.models import Contact, RequestStatus, ServiceRequest, Severity, SupportTopic
from tests.cards import examples
from tests.cards.test_hostile_text import (
    BUILDERS,
    NO_OUTSIDE_TEXT,
    TEXT_ARGUMENTS,
    TEXT_FIELDS,
    markdown_texts,
    poisoning,
)
from tests.support.harness import DEMO_NOW

MAX_CARD_BYTES = 28 * 1024
DATE = "{{DATE(2017-02-14T06:08:39Z, SHORT)}}"
MARKER = "zq-marker"
FORMAT_CHARACTERS = (
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2069",
    "\u200b",
    "\u200d",
    "\u200f",
    "\ufeff",
    "\xad",
)
PIECES = st.sampled_from(
    [DATE, "{{TIME(2017-02-14T06:08:39Z)}}", "{{", "{{{", "{", "}}", "\\", "\\{", "{\\", *FORMAT_CHARACTERS]
)
TAILS = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=12).map(lambda p: f" {MARKER} {''.join(p)}")


REQUEST = ServiceRequest(
    number="2611240010000001",
    customer_id="c",
    customer_name="Contoso Ltd",
    topic=SupportTopic("32444672", "Exchange Online", "Mailbox access"),
    severity=Severity.MODERATE,
    title="",
    description="Since 04:00 UTC about 300 users can't open OWA.",
    contact=Contact("Ana Bowman", "ana.bowman@contoso.com", ""),
    status=RequestStatus.OPEN,
    created=DEMO_NOW,
    last_modified=DEMO_NOW,
)


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


# Bounded before any card sees them, so not made maximal here: identifiers (an incident id, SR number or
# reference has its shape checked where it enters), Microsoft's service names (one of Graph's list;
# listed as 'ServiceHealth.name' they are left as they are), and
# what is typed after a command (the parser keeps it to 256 characters; test_echoes.py makes it huge).
# Button data carries these; a cut there would change what the button does.
BOUNDED_FIELDS = frozenset({"incident_id", "number", "reference", "service", "services"})
BOUNDED_ARGUMENTS = frozenset({"query", "search", "service"})


def _build(monkeypatch: pytest.MonkeyPatch, name: str, tail: str, maximal: bool = False) -> dict[str, Any]:
    fields, arguments = TEXT_FIELDS, TEXT_ARGUMENTS
    if maximal:
        fields, arguments = fields - BOUNDED_FIELDS | {"ServiceHealth.name"}, arguments - BOUNDED_ARGUMENTS
    with monkeypatch.context() as patched:
        for builder in BUILDERS:
            patched.setattr(examples, builder, poisoning(getattr(examples, builder), tail, fields, arguments))
        return card_payload(examples.CARDS[name]())


@pytest.mark.parametrize("name", sorted(set(examples.CARDS) - NO_OUTSIDE_TEXT))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tail=TAILS)
def test_no_template_or_format_character_from_outside_reaches_a_card(
    monkeypatch: pytest.MonkeyPatch, name: str, tail: str
) -> None:
    payload = _build(monkeypatch, name, tail)
    texts = list(markdown_texts(payload))
    assert any(MARKER in t for t in texts), f"{name}: the generated text never reached the card"
    assert not [t for t in texts if "{{" in t], "Teams would evaluate a template"
    invisible = {c for s in _strings(payload) for c in s if unicodedata.category(c) == "Cf"}
    assert not invisible, f"{name}: format characters {invisible}"


@pytest.mark.parametrize(
    "tail",
    [" " + "x" * 100_000, " " + "가" * 100_000, ' "\x01' * 30_000, " [x](y) *" * 20_000],
    ids=["ascii", "korean", "json-escaped", "markdown"],
)
@pytest.mark.parametrize("name", sorted(set(examples.CARDS) - NO_OUTSIDE_TEXT))
def test_every_card_built_from_maximal_text_fits_teams_limit(
    monkeypatch: pytest.MonkeyPatch, name: str, tail: str
) -> None:
    """Each field from outside 100 KB long (a notice's title through `/api/notify`, a form's echo, …)."""
    payload = _build(monkeypatch, name, tail, maximal=True)
    assert len(json.dumps(payload, ensure_ascii=False).encode("utf-8")) <= MAX_CARD_BYTES


def test_the_maximal_cards_are_really_maximal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without this, a poisoning that reached no card would pass the size test."""
    tail = " " + "x" * 100_000
    for name in ("incident_notice", "escalation_form", "escalation_summary", "service_requests"):
        assert len(json.dumps(card_payload(examples.CARDS[name]()))) < 20_000
        assert len(json.dumps(_build(monkeypatch, name, tail, maximal=True))) > 20_000, name


@pytest.mark.parametrize(
    "build",
    [
        lambda request: summary_card("k" * 32, request.title, [], ENGLISH),
        lambda request: receipt_card(request, ENGLISH),
        lambda request: requests_card(
            [request], DEMO_NOW, ENGLISH, open_requests=examples.open_counts([request])
        ),
    ],
    ids=["summary", "receipt", "requests"],
)
def test_a_date_template_in_a_title_is_shown_as_typed(build: Any) -> None:
    """Teams would draw it as 2/14/2017; people see what was typed."""
    request = replace(REQUEST, title=f"Outage {DATE} \u202eevil")
    payload = card_payload(build(request))
    assert not [t for t in markdown_texts(payload) if "{{" in t]
    assert f"Outage {DATE} evil" in render_card(payload).text


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\u200b\u200b\u200b", ""),
        ("\u202eevil.exe\u202c", "evil.exe"),
        ("Mail\u00ad flow\ufeff", "Mail flow"),
        ("메일 \u2067지연\u2069", "메일 지연"),
        ("👩\u200d💻 laptops", "👩💻 laptops"),
    ],
)
def test_format_characters_are_dropped(typed: str, kept: str) -> None:
    assert without_format_characters(typed) == kept
