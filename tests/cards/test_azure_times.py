"""An Azure event's times read as what they are: planned maintenance announced days ahead starts and ends
in the future, and its card says 'starts' and 'ends', never 'started in 2 days' or 'Mitigated: in 2 days'."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cards.azure import azure_event_card, azure_events_card
from dialogs.replies import card_reply
from locales.translator import Translator
from services.domain.models import (
    AzureEvent,
    AzureEventLookup,
    AzureEventType,
    AzureHealth,
    AzureImpact,
    Customer,
)
from tests.support.harness import DEMO_NOW
from tests.support.visible import visible_text

CONTOSO = Customer("c-id", "t-id", "Contoso Ltd", "contoso.onmicrosoft.com", "reseller", True)


def _event(start: timedelta, end: timedelta | None) -> AzureEvent:
    return AzureEvent(
        "0T3M-5PL",
        AzureEventType.PLANNED_MAINTENANCE,
        "PlannedMaintenance",
        "Active",
        "Planned maintenance: Azure SQL Database – West Europe",
        "A platform update.",
        (AzureImpact("SQL Database", ("West Europe",)),),
        DEMO_NOW + start,
        DEMO_NOW + end if end is not None else None,
        DEMO_NOW - timedelta(days=2),
    )


# (language, when it starts and ends, what the card says, what it must never say)
CASES = [
    (
        "en",
        timedelta(days=2),
        timedelta(days=2, hours=4),
        ["starts in 2 days", "Impact starts:", "Ends:"],
        ["started in", "Impact started:", "Mitigated: "],
    ),
    (
        "en",
        -timedelta(hours=3),
        None,
        ["started 3 hours ago", "Impact started:", "Mitigated: Ongoing"],
        ["starts", "Ends:"],
    ),
    (
        "en",
        -timedelta(hours=3),
        timedelta(hours=1),
        ["started 3 hours ago", "Impact started:", "Ends:"],
        ["Mitigated: "],
    ),
    ("en", -timedelta(hours=5), -timedelta(hours=1), ["Impact started:", "Mitigated:"], ["Ends:"]),
    (
        "ko",
        timedelta(days=2),
        timedelta(days=2, hours=4),
        ["2일 후 시작 예정", "영향 시작 예정:", "종료 예정:"],
        ["시작 2일 후", "완화: "],
    ),
    ("ko", -timedelta(hours=3), None, ["시작 3시간 전", "영향 시작:", "완화: 진행 중"], ["예정"]),
]


@pytest.mark.parametrize(("language", "start", "end", "says", "never"), CASES)
def test_an_events_times_say_whether_they_are_ahead_or_past(
    language: str, start: timedelta, end: timedelta | None, says: list[str], never: list[str]
) -> None:
    t = Translator(language)
    event = _event(start, end)
    health = AzureHealth(CONTOSO, ("sub-1",), (event,), DEMO_NOW)
    shown = visible_text(card_reply(azure_events_card(health, [event], DEMO_NOW, t))) + "\n"
    shown += visible_text(
        card_reply(azure_event_card(AzureEventLookup(event, CONTOSO), DEMO_NOW, t, may_file=True))
    )
    for words in says:
        assert words in shown, shown
    for words in never:
        assert words not in shown, shown
