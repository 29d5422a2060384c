"""What people typed is quoted back short, whatever its length: no query can grow a card."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from microsoft_teams.cards import AdaptiveCard

from cards.customers import customer_choice_card, customers_card, did_you_mean_card
from cards.incidents import incidents_card
from cards.notices import notice_card
from cards.parts import ECHO_LIMIT, card_payload, echo
from chatclient.card_text import render_card
from locales.translator import ENGLISH
from services.domain.models import Customer

HUGE = "contoso " * 2_000
CONTOSO = Customer("c", "t", "Contoso Ltd", "contoso.onmicrosoft.com", "reseller", True)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_echo_keeps_short_text_and_cuts_long_text_to_one_line() -> None:
    assert echo("health   contoso") == "health contoso"
    cut = echo("x" * 500)
    assert len(cut) == ECHO_LIMIT and cut.endswith("…")
    assert "\n" not in echo("a\nb" * 300)


@pytest.mark.parametrize(
    ("build", "most"),
    [
        (lambda: customers_card([], HUGE, 1, ENGLISH), 20),
        (lambda: customer_choice_card(HUGE, [(CONTOSO, "health c")], "see its health", ENGLISH), 20),
        (lambda: did_you_mean_card(HUGE, [(CONTOSO, "health c")], ENGLISH), 20),
        # Its buttons carry the filter whole; the command parser keeps arguments to 256 characters.
        (lambda: incidents_card(CONTOSO, [], NOW, ENGLISH, HUGE, may_file=True), 20),
        # A notice quotes a sentence or two: its message is cut at 1,000 characters.
        (lambda: notice_card(HUGE, HUGE), 140),
    ],
)
def test_no_card_shows_a_huge_query_in_full(build: Callable[[], AdaptiveCard], most: int) -> None:
    shown = render_card(card_payload(build())).text
    assert shown.count("contoso") < most, "the query is quoted at most a line long"


def test_a_notice_with_huge_text_stays_small() -> None:
    assert len(json.dumps(card_payload(notice_card(HUGE, HUGE)))) < 6_000
