"""A customer's service health at a glance: what's wrong first, the healthy rest on one line."""

from __future__ import annotations

from collections.abc import Mapping

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Column, ColumnSet, TextBlock

from cards.actions import incidents_command, run_command
from cards.azure import azure_events_command, azure_section
from cards.charts import health_chart
from cards.parts import (
    STATUS_COLOURS,
    card,
    file_request,
    heading,
    open_admin_center,
    safe,
    status_label,
    subtle,
)
from locales.translator import Translator
from services.domain.models import AdminCenterLink, AzureHealth, Customer, ServiceHealth, TenantHealth


def _service_row(customer: Customer, service: ServiceHealth, t: Translator) -> ColumnSet:
    active = len(service.active_incidents)
    status = service.status
    return ColumnSet(
        separator=True,
        select_action=run_command(
            t("health.service_incidents", service=service.name), incidents_command(customer, service.name)
        ),
        columns=[
            Column(
                width="stretch",
                items=[TextBlock(text=safe(service.name), weight="Bolder", wrap=True)],
            ),
            Column(
                width="auto",
                items=[
                    TextBlock(
                        text=safe(status_label(status, t)),
                        color=STATUS_COLOURS[status.level],
                        weight="Bolder",
                        wrap=True,
                    )
                ],
            ),
            Column(
                width="auto",
                items=[
                    TextBlock(
                        text=t.count("count.active_incidents", active), is_subtle=active == 0, wrap=True
                    )
                ],
            ),
        ],
    )


def _admin_center_button(
    customer: Customer, link: AdminCenterLink | None, t: Translator
) -> list[CardElement]:
    return [ActionSet(spacing="Small", actions=[open_admin_center(link, customer, t)])] if link else []


def health_card(
    health: TenantHealth,
    t: Translator,
    admin_links: Mapping[str, AdminCenterLink] | None = None,
    azure: AzureHealth | None = None,
    azure_problem: str = "",
    *,
    may_file: bool,
) -> AdaptiveCard:
    """`admin_links`: by service name, the delegated-admin link each troubled service row offers.
    `azure`: the customer's Azure service health, a section of its own when it has subscriptions;
    `azure_problem`: why it couldn't be read just now. `may_file`: whether the reader may file for the
    customer (cards/parts.py file_request)."""
    customer = health.customer
    links = admin_links or {}
    troubled = sorted(
        (s for s in health.services if s.needs_attention),
        key=lambda s: (-s.status.level, -len(s.active_incidents), s.name.casefold()),
    )
    healthy = [s for s in health.services if not s.needs_attention]
    active = sum(len(s.active_incidents) for s in health.services)
    body: list[CardElement] = [
        heading(t("health.heading", customer=customer.name)),
        subtle(
            t(
                "health.subtitle",
                domain=customer.domain,
                active=t.count("count.active_incidents", active),
                when=t.timestamp(health.as_of),
            )
        ),
    ]
    body += health_chart(health.services, t)
    for service in troubled:
        body += [
            _service_row(customer, service, t),
            *_admin_center_button(customer, links.get(service.name), t),
        ]
    if healthy:
        operational = "health.rest_operational" if troubled else "health.all_operational"
        body.append(
            TextBlock(
                text=t(operational, services=t.count("count.services", len(healthy))),
                color="Good",
                weight="Bolder",
                separator=True,
                spacing="Medium",
                wrap=True,
            )
        )
        body.append(subtle(", ".join(s.name for s in sorted(healthy, key=lambda s: s.name.casefold()))))
    if azure is not None:
        body += azure_section(azure, health.as_of, t)
    if azure_problem:
        body.append(TextBlock(text=safe(azure_problem), color="Warning", wrap=True, separator=True))
    if not t.zone_known:
        body.append(TextBlock(text=safe(t("time.zone_unknown")), is_subtle=True, wrap=True, spacing="Medium"))
    actions = [
        run_command(t("health.show_incidents"), incidents_command(customer)),
        *file_request(may_file, customer, t),
    ]
    if azure is not None and azure.active_events:
        actions.insert(
            1, run_command(t("azure.events_for", customer=customer.name), azure_events_command(customer))
        )
    headline = t("health.fallback", customer=customer.name, active=t.count("count.active_incidents", active))
    return card(body, actions, fallback=headline)
