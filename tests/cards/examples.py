"""One realistic instance of every card, built from the demo world at its asOf instant."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

from microsoft_teams.cards import AdaptiveCard

from bot.commands import COMMANDS
from cards.actions import health_command, incidents_command
from cards.customers import customer_choice_card, customers_card, did_you_mean_card
from cards.health import health_card
from cards.help import help_card
from cards.incidents import incident_card, incidents_card
from cards.notices import notice_card
from services.admin_centers import admin_center_link, admin_center_links
from services.customer_search import search_customers
from services.incidents import find_incident, list_incidents
from services.models import Customer, IncidentPost
from tests.support.harness import DEMO_NOW, demo_backend


def _world() -> dict[str, Callable[[], AdaptiveCard]]:
    backend = demo_backend()
    customers = list(asyncio.run(backend.list_customers()))
    by_name = {c.name: c for c in customers}
    contoso = by_name["Contoso Ltd"]
    contoso_health = asyncio.run(backend.tenant_health(contoso))
    lookup = asyncio.run(find_incident(backend, "EX1100014", contoso))
    huge = replace(
        lookup,
        incident=replace(
            lookup.incident,
            posts=tuple(IncidentPost(DEMO_NOW, "A long update. " * 300) for _ in range(40)),
        ),
    )
    fabrikams = [by_name["Fabrikam, Inc."], by_name["Fabrikam Residences"]]

    def choices(options: list[Customer], command: Callable[[Customer], str]) -> list[tuple[Customer, str]]:
        return [(c, command(c)) for c in options]

    return {
        "help": lambda: help_card(
            [c.help_entry for c in COMMANDS], greeting="Hi! I'm the support desk's bot."
        ),
        "help_unknown": lambda: help_card(
            [c.help_entry for c in COMMANDS], hint="I didn't understand 'frobnicate'."
        ),
        "notice": lambda: notice_card("Something went wrong", "Please try again.", reference="ab12cd34"),
        "customers": lambda: customers_card(search_customers(customers, ""), "", 2),
        "customers_none": lambda: customers_card((), "zzz", 1),
        "choice": lambda: customer_choice_card(
            "fabrikam", choices(fabrikams, health_command), "see its health"
        ),
        "did_you_mean": lambda: did_you_mean_card(
            "contsoo", choices([contoso, by_name["Contoso Pharmaceuticals"]], incidents_command)
        ),
        "health": lambda: health_card(
            contoso_health, admin_center_links(contoso, (s.name for s in contoso_health.services))
        ),
        "incidents": lambda: incidents_card(contoso, list_incidents(contoso_health), DEMO_NOW),
        "incidents_all": lambda: incidents_card(
            contoso, list_incidents(contoso_health, include_resolved=True), DEMO_NOW, include_resolved=True
        ),
        "incidents_none": lambda: incidents_card(
            by_name["Northwind Traders"], (), DEMO_NOW, "Exchange Online"
        ),
        "incident": lambda: incident_card(
            lookup, DEMO_NOW, admin_center_link(contoso, lookup.incident.service)
        ),
        "incident_huge": lambda: incident_card(huge, DEMO_NOW),
    }


CARDS = _world()
SNAPSHOTTED = ("help", "notice", "customers", "choice", "did_you_mean", "health", "incidents", "incident")
