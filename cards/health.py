"""A customer's service health at a glance: what's wrong first, the healthy rest on one line."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Column, ColumnSet, TextBlock

from cards.actions import escalate_command, incidents_command, run_command
from cards.escalation import LABELS
from cards.parts import STATUS_COLOURS, card, heading, open_admin_center, plural, safe, subtle, timestamp
from services.models import AdminCenterLink, Customer, ServiceHealth, TenantHealth


def _service_row(customer: Customer, service: ServiceHealth) -> ColumnSet:
    active = len(service.active_incidents)
    status = service.status
    return ColumnSet(
        separator=True,
        select_action=run_command(f"{service.name} incidents", incidents_command(customer, service.name)),
        columns=[
            Column(
                width="stretch",
                items=[TextBlock(text=safe(service.name), weight="Bolder", wrap=True)],
            ),
            Column(
                width="auto",
                items=[
                    TextBlock(
                        text=safe(status.label),
                        color=STATUS_COLOURS[status.level],
                        weight="Bolder",
                        wrap=True,
                    )
                ],
            ),
            Column(
                width="auto",
                items=[TextBlock(text=plural(active, "active incident"), is_subtle=active == 0, wrap=True)],
            ),
        ],
    )


def _admin_center_button(customer: Customer, link: AdminCenterLink | None) -> list[CardElement]:
    return [ActionSet(spacing="Small", actions=[open_admin_center(link, customer)])] if link else []


def health_card(
    health: TenantHealth, admin_links: Mapping[str, AdminCenterLink] | None = None
) -> AdaptiveCard:
    """`admin_links`: by service name, the delegated-admin link each troubled service row offers."""
    customer = health.customer
    links = admin_links or {}
    troubled = sorted(
        (s for s in health.services if s.needs_attention),
        key=lambda s: (-s.status.level, -len(s.active_incidents), s.name.casefold()),
    )
    healthy = [s for s in health.services if not s.needs_attention]
    active = sum(len(s.active_incidents) for s in health.services)
    body: list[CardElement] = [
        heading(f"Service health · {customer.name}"),
        subtle(f"{customer.domain} · {plural(active, 'active incident')} · as of {timestamp(health.as_of)}"),
    ]
    for service in troubled:
        body += [_service_row(customer, service), *_admin_center_button(customer, links.get(service.name))]
    if healthy:
        everything = "All " if not troubled else ""
        body.append(
            TextBlock(
                text=f"✓ {everything}{plural(len(healthy), 'service')} operational",
                color="Good",
                weight="Bolder",
                separator=True,
                spacing="Medium",
                wrap=True,
            )
        )
        body.append(subtle(", ".join(s.name for s in sorted(healthy, key=lambda s: s.name.casefold()))))
    actions = [
        run_command("Show incidents", incidents_command(customer)),
        run_command(LABELS["file_request"], escalate_command(customer)),
    ]
    headline = f"{customer.name}: {plural(active, 'active incident')}"
    return card(body, actions, fallback=headline)
