"""/api/notify's id rule is the Acknowledge button's: an event is taken exactly when the card it makes can
be acknowledged (a card whose button answers 400 was the defect)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from cards.actions import ACKNOWLEDGE_NOTICE, InvalidSubmission, parse_execute
from services.domain.models import Customer, Incident
from services.domain.ports import NoticeOutbox
from services.notices.notify_events import NotifyRejected, take_event
from tests.support.harness import DEMO_NOW, demo_backend

DEMO = demo_backend()


class _TakenIds:
    """A notice board that only records which incidents got past the checks."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def observe(self, customer: Customer, incident: Incident, now: datetime) -> None:
        self.ids.append(incident.incident_id)

    async def audience_size(self, incident_id: str) -> int:
        return 0


def _taken(incident_id: str) -> str | None:
    """The id the notice (and its Acknowledge button) carries, or None when /api/notify refuses it."""
    board = _TakenIds()
    incident = {"id": incident_id, "service": "Exchange Online", "startDateTime": "2026-11-24T07:00:00Z"}
    body = {"customer": "contoso", "incident": incident}
    try:
        asyncio.run(take_event(DEMO, cast(NoticeOutbox, board), body, DEMO_NOW))
    except NotifyRejected as rejected:
        status = rejected.status
    else:
        (taken,) = board.ids
        return taken
    assert status == 400
    return None


def _acknowledgeable(incident_id: str) -> bool:
    try:
        parse_execute(ACKNOWLEDGE_NOTICE, {"action": ACKNOWLEDGE_NOTICE, "incident": incident_id})
    except InvalidSubmission:
        return False
    return True


_ids = st.one_of(
    st.from_regex(r"[A-Za-zß]{1,5}[0-9٢]{1,14}", fullmatch=True),
    st.from_regex(r"\s?[A-Z]{2,4}[0-9]{3,12}\s?", fullmatch=True),
    st.text(max_size=20),
)


@settings(max_examples=300, derandomize=True, database=None)
@given(_ids)
def test_notify_takes_exactly_the_ids_whose_acknowledge_button_works(incident_id: str) -> None:
    taken = _taken(incident_id)
    shown = incident_id.strip().upper()
    assert (taken is not None) == _acknowledgeable(shown)
    if taken is not None:
        assert taken == shown


def test_every_kind_of_id_is_drawn() -> None:
    """The strategy reaches both sides of the rule (a property test that only ever refuses proves nothing)."""
    examples: list[Any] = []

    @settings(max_examples=300, derandomize=True, database=None)
    @given(_ids)
    def collect(incident_id: str) -> None:
        examples.append(_taken(incident_id) is not None)

    collect()
    assert examples.count(True) > 30 and examples.count(False) > 30
