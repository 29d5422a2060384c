"""The health card's order: worst status first, then most incidents, then name; never name alone."""

from __future__ import annotations

from dataclasses import replace

from cards.health import health_card
from dialogs.replies import card_reply
from locales.translator import ENGLISH
from services.backends.demo.backend import DemoBackend
from services.domain.models import Customer, ServiceHealth, ServiceStatus
from tests.support.visible import visible_text


async def test_troubled_services_sort_by_status_then_incidents_then_name(
    demo: DemoBackend, customers: list[Customer]
) -> None:
    health = await demo.tenant_health(customers[0])
    exchange = next(s for s in health.services if s.name == "Exchange Online")
    incident = exchange.active_incidents[0]
    services = (
        ServiceHealth("a", "Azure Information Protection", ServiceStatus("serviceDegradation"), (incident,)),
        ServiceHealth("b", "Bookings", ServiceStatus("serviceDegradation"), (incident, replace(incident))),
        ServiceHealth("z", "Zeta Service", ServiceStatus("serviceInterruption"), (incident,)),
        ServiceHealth("y", "Yammer", ServiceStatus("serviceOperational")),
    )
    lines = visible_text(
        card_reply(health_card(replace(health, services=services), ENGLISH, may_file=True))
    ).splitlines()
    rows = [line.split(" | ")[0] for line in lines if " | " in line]
    assert rows == ["Zeta Service", "Bookings", "Azure Information Protection"]


async def test_the_health_card_offers_to_file_a_request_for_its_customer(
    demo: DemoBackend, customers: list[Customer]
) -> None:
    card = card_reply(health_card(await demo.tenant_health(customers[0]), ENGLISH, may_file=True))
    assert "[5: File a service request]" in visible_text(card)
