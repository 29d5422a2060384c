"""Azure service health on cards: a section of the customer's health card, a customer's Azure events, one
event with its timeline of updates, and the Azure part of the overview."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    Container,
    Fact,
    FactSet,
    TextBlock,
    TextColor,
)

from cards.actions import health_command, incident_command, incidents_command, run_command
from cards.parts import badge, card, echo, file_request, heading, id_row, plain, safe, subtle, timeline
from locales.translator import Translator
from services.domain.models import (
    AzureEvent,
    AzureEventAcross,
    AzureEventLookup,
    AzureEventType,
    AzureHealth,
    Customer,
)

MAX_ROWS = 15
# The overview lists this many Azure events at most (the busiest first).
MAX_OVERVIEW_EVENTS = 8
# Teams rejects bot messages over ~100 KB (UTF-16); every card stays under 28 KB (cards/incidents.py).
CARD_BUDGET_BYTES = 24_000

_TYPE_WORDS = {
    AzureEventType.SERVICE_ISSUE: "azure.type_service_issue",
    AzureEventType.PLANNED_MAINTENANCE: "azure.type_planned_maintenance",
    AzureEventType.HEALTH_ADVISORY: "azure.type_health_advisory",
    AzureEventType.SECURITY_ADVISORY: "azure.type_security_advisory",
}


# What `incidents <customer>` takes to list Azure events (`words.azure` in the catalogues; this one is
# understood in every language).
AZURE_WORD = "azure"


def azure_events_command(customer: Customer, service: str = "", include_resolved: bool = False) -> str:
    return incidents_command(customer, " ".join(p for p in (AZURE_WORD, service) if p), include_resolved)


def azure_type(event: AzureEvent, t: Translator) -> str:
    """The event type in the reader's language; one Microsoft added since is named as Azure wrote it."""
    known = _TYPE_WORDS.get(event.event_type)
    return t(known) if known else t("azure.type_other", name=event.type_name or "—")


def _status(event: AzureEvent, t: Translator) -> tuple[str, TextColor]:
    if not event.is_active:
        return t("azure.status_resolved"), "Good"
    return t("azure.status_active"), "Attention" if event.is_service_issue else "Warning"


def _ahead(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and moment > now


def _where(event: AzureEvent) -> str:
    return " · ".join(
        f"{i.service} ({', '.join(i.regions)})" if i.regions else i.service for i in event.impact
    )


def _event_row(event: AzureEvent, customer: Customer, now: datetime, t: Translator) -> Container:
    status, colour = _status(event, t)
    moment = event.start or event.last_updated
    subtitle = t(
        "azure.row_subtitle_ahead" if _ahead(moment, now) else "azure.row_subtitle",
        where=_where(event) or "—",
        started=t.relative_time(moment, now) if moment else "—",
    )
    return id_row(
        event.tracking_id,
        [badge(f"{azure_type(event, t)} · {status}", colour)],
        event.title,
        [subtle(subtitle)],
        run_command(
            t("incidents.open", incident=event.tracking_id), incident_command(event.tracking_id, customer)
        ),
    )


def azure_section(health: AzureHealth, now: datetime, t: Translator) -> list[CardElement]:
    """The health card's Azure part: its active events, or that the subscriptions have none. Nothing
    for a customer without subscriptions."""
    if not health.has_azure:
        return []
    active = health.active_events
    subscriptions = t.count("count.subscriptions", len(health.subscriptions))
    body: list[CardElement] = [
        TextBlock(
            text=t("azure.section_heading"), weight="Bolder", size="Medium", separator=True, spacing="Large"
        ),
    ]
    if not active:
        body.append(
            TextBlock(text=t("azure.none_active", subscriptions=subscriptions), color="Good", wrap=True)
        )
        return body
    body.append(
        subtle(
            t(
                "azure.section_subtitle",
                events=t.count("count.azure_events", len(active)),
                subscriptions=subscriptions,
            )
        )
    )
    body += [_event_row(e, health.customer, now, t) for e in active[:MAX_ROWS]]
    return body


def azure_events_card(
    health: AzureHealth,
    events: Sequence[AzureEvent],
    now: datetime,
    t: Translator,
    service_filter: str = "",
    include_resolved: bool = False,
    services_with_events: Sequence[str] = (),
) -> AdaptiveCard:
    """`incidents <customer> azure [service] [all]`; `services_with_events`, when `service_filter` names
    none of the customer's events' services: those they are about."""
    customer = health.customer
    title = t("azure.title_all" if include_resolved else "azure.title_active", customer=customer.name)
    if service_filter:
        title += f" · {echo(service_filter)}"
    count = t.count("count.azure_events", len(events))
    summary = t("incidents.summary_all" if include_resolved else "incidents.summary_active", count=count)
    # No count where there is nothing it could count: the customer's subscriptions can't be seen, or the
    # service named is none of its events' (as the Microsoft 365 filter says of a service it doesn't know).
    unmatched = health.has_azure and not events and bool(services_with_events)
    if not health.has_azure:
        summary = t("azure.no_subscriptions", customer=customer.name)
        body: list[CardElement] = [heading(title), plain(summary)]
    elif unmatched:
        summary = t(
            "azure.no_service_match",
            customer=customer.name,
            value=echo(service_filter),
            services=", ".join(services_with_events),
        )
        body = [heading(title), plain(summary)]
    else:
        body = [heading(title), subtle(t("incidents.subtitle", summary=summary))]
        if not events:
            body.append(plain(t("azure.none_on_record" if include_resolved else "azure.none_active_plain")))
    body += [_event_row(e, customer, now, t) for e in events[:MAX_ROWS]]
    if len(events) > MAX_ROWS:
        body.append(subtle(t.count("count.older_incidents_not_shown", len(events) - MAX_ROWS)))
    actions = []
    if not include_resolved and health.has_azure and not unmatched:
        command = azure_events_command(customer, service_filter, True)
        actions.append(run_command(t("incidents.include_resolved"), command))
    actions.append(run_command(t("incidents.service_health"), health_command(customer)))
    return card(body, actions, fallback=t("incidents.fallback", title=title, summary=summary))


def azure_event_card(
    lookup: AzureEventLookup, now: datetime, t: Translator, *, may_file: bool
) -> AdaptiveCard:
    """`incident <tracking id>`: the event, whom it affects, and its updates newest first. `may_file`:
    whether the reader may file for its customer (cards/parts.py file_request)."""
    event, customer = lookup.event, lookup.customer

    def when(moment: datetime | None, missing: str) -> str:
        if moment is None:
            return missing
        return t("incident.when", when=t.timestamp(moment), relative=t.relative_time(moment, now))

    status, colour = _status(event, t)
    facts = [
        (t("azure.fact_type"), azure_type(event, t)),
        (t("incident.fact_service"), ", ".join(event.services) or "—"),
        (t("azure.fact_regions"), ", ".join(event.regions) or "—"),
        # Maintenance is announced ahead: its window starts and ends later, not 'Mitigated: in 2 days'.
        (
            t("azure.fact_impact_starts" if _ahead(event.start, now) else "azure.fact_impact_start"),
            when(event.start, "—"),
        ),
        (
            t("azure.fact_ends" if _ahead(event.mitigated, now) else "azure.fact_mitigated"),
            when(event.mitigated, t("incident.ongoing")),
        ),
        (t("incident.fact_last_updated"), when(event.last_updated, "—")),
    ]
    body: list[CardElement] = [
        heading(event.title or event.tracking_id),
        subtle(f"{event.tracking_id} · Azure · {customer.name}"),
        TextBlock(text=safe(status), color=colour, weight="Bolder", spacing="Small"),
        FactSet(facts=[Fact(title=title, value=safe(value)) for title, value in facts]),
    ]
    if event.summary:
        body.append(plain(event.summary[:2000], spacing="Medium"))
    if lookup.also_affected:
        body.append(
            subtle(t("incident.also_reported", customers=", ".join(c.name for c in lookup.also_affected)))
        )
    body.append(
        TextBlock(
            text=t("incident.timeline"), weight="Bolder", size="Medium", separator=True, spacing="Medium"
        )
    )
    if not event.updates:
        body.append(plain(t("incident.no_posts")))
    updates = sorted(event.updates, key=lambda u: u.created, reverse=True)
    entries = []
    for update in updates:
        stamp = t(
            "incident.post_time",
            when=t.timestamp(update.created),
            relative=t.relative_time(update.created, now),
        )
        entries.append((f"{stamp} · {update.region}" if update.region else stamp, update.text))
    timeline(body, entries, CARD_BUDGET_BYTES, t)
    actions = [
        run_command(t("azure.events_for", customer=customer.name), azure_events_command(customer)),
        run_command(t("incidents.service_health"), health_command(customer)),
    ]
    if event.is_active and event.services:
        actions += file_request(may_file, customer, t, service=event.services[0])
    fallback = t("incident.fallback", incident=event.tracking_id, title=event.title, status=status)
    return card(body, actions, fallback=fallback)


def overview_azure_section(
    rows: Sequence[AzureEventAcross], now: datetime, t: Translator
) -> list[CardElement]:
    """The overview's Azure part: each active event once, with the customers it affects."""
    if not rows:
        return []
    body: list[CardElement] = [
        TextBlock(
            text=t("azure.section_heading"), weight="Bolder", size="Medium", separator=True, spacing="Large"
        ),
        subtle(t("azure.overview_subtitle", events=t.count("count.azure_events", len(rows)))),
    ]
    busiest = sorted(rows, key=lambda r: (not r.event.is_service_issue, -len(r.customers)))
    for row in busiest[:MAX_OVERVIEW_EVENTS]:
        status, colour = _status(row.event, t)
        body.append(
            Container(
                separator=True,
                select_action=run_command(
                    t("incidents.open", incident=row.event.tracking_id),
                    incident_command(row.event.tracking_id),
                ),
                items=[
                    TextBlock(
                        text=safe(f"{row.event.tracking_id} · {azure_type(row.event, t)}"),
                        color=colour,
                        weight="Bolder",
                        wrap=True,
                    ),
                    plain(row.event.title, spacing="Small"),
                    subtle(t("azure.overview_customers", customers=", ".join(c.name for c in row.customers))),
                ],
            )
        )
    if len(rows) > MAX_OVERVIEW_EVENTS:
        body.append(subtle(t.count("count.older_incidents_not_shown", len(rows) - MAX_OVERVIEW_EVENTS)))
    return body
