"""A customer's service health at a glance: what's wrong first, the healthy rest on one line."""

from __future__ import annotations

from microsoft_teams.cards import AdaptiveCard, CardElement, Column, ColumnSet, TextBlock

from cards.actions import escalate_command, incidents_command, run_command
from cards.escalation import LABELS
from cards.parts import STATUS_COLOURS, card, heading, plural, safe, subtle, timestamp
from services.models import Customer, ServiceHealth, TenantHealth


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


def health_card(health: TenantHealth) -> AdaptiveCard:
    customer = health.customer
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
    body += [_service_row(customer, s) for s in troubled]
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
