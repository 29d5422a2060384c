"""What a support engineer sees of the admin-center buttons on the health and incident cards."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from microsoft_teams.cards import AdaptiveCard

from cards.health import health_card
from cards.incidents import incident_card
from dialogs.replies import card_reply
from locales.translator import ENGLISH
from services.domain.admin_centers import admin_center_link, admin_center_links
from services.domain.incidents import find_incident
from services.domain.models import Customer, IncidentLookup, TenantHealth
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import buttons, visible_text

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


def _contoso() -> tuple[TenantHealth, IncidentLookup]:
    backend = demo_backend()
    contoso = next(c for c in asyncio.run(backend.list_customers()) if c.name == "Contoso Ltd")
    return asyncio.run(backend.tenant_health(contoso)), asyncio.run(
        find_incident(backend, "EX1100014", contoso)
    )


HEALTH, LOOKUP = _contoso()
WITHOUT_ACCESS = replace(HEALTH.customer, delegated_access=False, relationship="advisor")


def _health(customer: Customer) -> AdaptiveCard:
    health = replace(HEALTH, customer=customer)
    return health_card(
        health, ENGLISH, admin_center_links(customer, (s.name for s in health.services)), may_file=True
    )


def _incident(customer: Customer) -> AdaptiveCard:
    lookup = replace(LOOKUP, customer=customer)
    return incident_card(
        lookup, DEMO_NOW, ENGLISH, admin_center_link(customer, lookup.incident.service), may_file=True
    )


def _admin_titles(card: AdaptiveCard) -> list[str]:
    return [b.title for b in buttons(card_reply(card)) if b.action.get("type") == "Action.OpenUrl"]


def test_each_troubled_service_row_offers_its_admin_center_under_its_incidents_button() -> None:
    lines = visible_text(card_reply(_health(HEALTH.customer))).splitlines()
    row = lines.index("Exchange Online | Interrupted | 1 active incident")
    assert lines[row + 1] == "[1: Exchange Online incidents]"
    assert lines[row + 2] == (
        "[2: Open Exchange admin center for Contoso Ltd ↗ https://admin.exchange.microsoft.com/"
        "?landingpage=homepage&form=mac_sidebar&delegatedOrg=contoso.onmicrosoft.com]"
    )
    assert _admin_titles(_health(HEALTH.customer)) == [
        "Open Exchange admin center for Contoso Ltd",
        "Open Microsoft Defender portal for Contoso Ltd",
        "Open SharePoint admin center for Contoso Ltd",
    ]


def test_admin_center_buttons_open_the_customers_directory() -> None:
    urls = [b.action["url"] for b in buttons(card_reply(_health(HEALTH.customer))) if "url" in b.action]
    assert urls[1:] == [
        f"https://security.microsoft.com/?tid={CONTOSO_TENANT}",
        "https://contoso-admin.sharepoint.com",
    ]


def test_healthy_services_offer_no_admin_center() -> None:
    text = visible_text(card_reply(_health(HEALTH.customer)))
    assert "Teams admin center" not in text and "Intune" not in text.split("operational")[0]


def test_a_customer_without_delegated_access_gets_no_admin_button_on_the_health_card() -> None:
    card = _health(WITHOUT_ACCESS)
    assert _admin_titles(card) == []
    assert "Exchange Online incidents" in [b.title for b in buttons(card_reply(card))]


def test_the_incident_card_offers_the_admin_center_of_the_incidents_service() -> None:
    reply = card_reply(_incident(HEALTH.customer))
    assert _admin_titles(_incident(HEALTH.customer)) == ["Open Exchange admin center for Contoso Ltd"]
    lines = visible_text(reply).splitlines()
    # Between the facts and the timeline, so a long timeline doesn't push it out of view.
    facts_end = lines.index("Last updated: 11 hours ago")
    assert lines[facts_end + 1 : facts_end + 4] == [
        "[1: Open Exchange admin center for Contoso Ltd ↗ https://admin.exchange.microsoft.com/"
        "?landingpage=homepage&form=mac_sidebar&delegatedOrg=contoso.onmicrosoft.com]",
        "---",
        "Timeline",
    ]
    assert [b.title for b in buttons(reply)][-3:] == [
        "Incidents for Contoso Ltd",
        "Service health",
        "File a service request",
    ]


def test_a_customer_without_delegated_access_gets_no_admin_button_on_the_incident_card() -> None:
    card = _incident(WITHOUT_ACCESS)
    assert _admin_titles(card) == []
    assert "admin center" not in visible_text(card_reply(card))
