"""'File a service request' is on a card only for a reader who may file for its customer (`may_file`).

Every card that offers filing takes the flag the same way; leaving it off must take away that button
and nothing else, in both languages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from microsoft_teams.cards import AdaptiveCard

from cards.azure import azure_event_card
from cards.health import health_card
from cards.incidents import incident_card, incidents_card
from chatclient.card_text import Button
from dialogs.replies import card_reply
from locales.translator import ENGLISH, Translator
from services.domain.admin_centers import admin_center_link, admin_center_links
from services.domain.incidents import find_azure_event, find_incident, list_incidents
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import buttons

KOREAN = Translator("ko", ZoneInfo("Asia/Seoul"))
BACKEND = demo_backend()
CONTOSO = next(c for c in asyncio.run(BACKEND.list_customers()) if c.name == "Contoso Ltd")
HEALTH = asyncio.run(BACKEND.tenant_health(CONTOSO))
AZURE = asyncio.run(BACKEND.azure_health(CONTOSO))
INCIDENT = asyncio.run(find_incident(BACKEND, "EX1100014", CONTOSO))
AZURE_EVENT = asyncio.run(find_azure_event(BACKEND, "VNL2-8S8", CONTOSO))
LINKS = admin_center_links(CONTOSO, (s.name for s in HEALTH.services))
ID = CONTOSO.customer_id

Build = Callable[[Translator, bool], AdaptiveCard]
# Each card that offers filing, and the escalation its button starts (pre-filled with what it shows).
CARDS: dict[str, tuple[Build, str]] = {
    "health": (
        lambda t, may: health_card(HEALTH, t, LINKS, may_file=may),
        f"escalate for {ID}",
    ),
    "health with Azure events": (
        lambda t, may: health_card(HEALTH, t, LINKS, AZURE, may_file=may),
        f"escalate for {ID}",
    ),
    "incidents": (
        lambda t, may: incidents_card(CONTOSO, list_incidents(HEALTH), DEMO_NOW, t, may_file=may),
        f"escalate for {ID}",
    ),
    "incidents of one service, resolved too": (
        lambda t, may: incidents_card(
            CONTOSO,
            list_incidents(HEALTH, "Exchange Online", True),
            DEMO_NOW,
            t,
            "Exchange Online",
            True,
            may_file=may,
        ),
        f"escalate for {ID} on Exchange Online",
    ),
    "no incidents": (
        lambda t, may: incidents_card(CONTOSO, (), DEMO_NOW, t, may_file=may),
        f"escalate for {ID}",
    ),
    "incident": (
        lambda t, may: incident_card(
            INCIDENT, DEMO_NOW, t, admin_center_link(CONTOSO, INCIDENT.incident.service), may_file=may
        ),
        f"escalate for {ID} about EX1100014",
    ),
    "Azure event": (
        lambda t, may: azure_event_card(AZURE_EVENT, DEMO_NOW, t, may_file=may),
        f"escalate for {ID} on Virtual Machines",
    ),
}


def _files(button: Button) -> bool:
    """Whether pressing it starts filing, whatever it is called."""
    return str(button.action.get("data", {}).get("command", "")).startswith("escalate")


def _buttons(card: AdaptiveCard) -> list[Button]:
    return buttons(card_reply(card))


@pytest.mark.parametrize("t", [ENGLISH, KOREAN], ids=["en", "ko"])
@pytest.mark.parametrize("name", CARDS)
def test_a_reader_who_may_file_is_offered_it_one_who_may_not_is_not(name: str, t: Translator) -> None:
    build, command = CARDS[name]
    offered = _buttons(build(t, True))
    filing = [b for b in offered if _files(b)]
    assert [(b.title, b.action["data"]["command"]) for b in filing] == [(t("action.file_request"), command)]

    withheld = _buttons(build(t, False))
    assert not [b for b in withheld if _files(b)]
    assert t("action.file_request") not in [b.title for b in withheld]
    # Nothing else goes with it: every other button, admin-center links included, stays where it was.
    assert [b.title for b in withheld] == [b.title for b in offered if not _files(b)]


def test_a_resolved_azure_event_offers_no_filing_to_anyone() -> None:
    """Unchanged by the flag: an event that is over has nothing to file about."""
    resolved = asyncio.run(find_azure_event(BACKEND, "KTQ8-RX0", CONTOSO))
    assert not [
        b for b in _buttons(azure_event_card(resolved, DEMO_NOW, ENGLISH, may_file=True)) if _files(b)
    ]
