"""Incident lists and the detail of one incident with its timeline of posts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Column,
    ColumnSet,
    Container,
    Fact,
    FactSet,
    TextBlock,
)

from cards.actions import escalate_command, health_command, incident_command, incidents_command, run_command
from cards.escalation import LABELS
from cards.parts import (
    STATUS_COLOURS,
    card,
    card_payload,
    echo,
    heading,
    open_admin_center,
    plain,
    plural,
    relative_time,
    safe,
    subtle,
    timestamp,
)
from services.models import AdminCenterLink, Customer, Incident, IncidentLookup

MAX_ROWS = 20
# Teams rejects bot messages over ~100 KB (UTF-16); keep every card well under that, at 28 KB.
CARD_BUDGET_BYTES = 24_000


def _kind(incident: Incident) -> str:
    return "Advisory" if incident.is_advisory else "Incident"


def _incident_row(incident: Incident, customer: Customer, now: datetime) -> Container:
    colour = STATUS_COLOURS[incident.status.level]
    return Container(
        separator=True,
        spacing="Medium",
        select_action=run_command(
            f"Open {incident.incident_id}", incident_command(incident.incident_id, customer)
        ),
        items=[
            ColumnSet(
                columns=[
                    Column(
                        width="auto",
                        items=[
                            TextBlock(text=safe(incident.incident_id), weight="Bolder", font_type="Monospace")
                        ],
                    ),
                    Column(
                        width="stretch",
                        items=[
                            TextBlock(
                                text=safe(incident.status.label), color=colour, weight="Bolder", wrap=True
                            )
                        ],
                    ),
                ]
            ),
            plain(incident.title, spacing="Small"),
            subtle(
                f"{incident.service} · {_kind(incident)} · started {relative_time(incident.start, now)}"
                f" · updated {relative_time(incident.last_modified, now)}"
            ),
        ],
    )


def incidents_card(
    customer: Customer,
    incidents: Sequence[Incident],
    now: datetime,
    service_filter: str = "",
    include_resolved: bool = False,
) -> AdaptiveCard:
    scope = f" · {echo(service_filter)}" if service_filter else ""
    title = f"{'Incidents' if include_resolved else 'Active incidents'} · {customer.name}{scope}"
    count = plural(len(incidents), "incident")
    summary = f"{count}, including resolved" if include_resolved else f"{count} in progress"
    body: list[CardElement] = [heading(title), subtle(f"{summary} · newest first · select one to open it")]
    if not incidents:
        nothing = "No incidents on record." if include_resolved else "No active incidents. 🎉"
        body.append(plain(nothing))
    body += [_incident_row(i, customer, now) for i in incidents[:MAX_ROWS]]
    if len(incidents) > MAX_ROWS:
        body.append(subtle(f"{len(incidents) - MAX_ROWS} older incidents not shown."))
    actions = []
    if not include_resolved:
        actions.append(run_command("Include resolved", incidents_command(customer, service_filter, True)))
    actions.append(run_command("Service health", health_command(customer)))
    actions.append(run_command(LABELS["file_request"], escalate_command(customer, service=service_filter)))
    return card(body, actions, fallback=f"{title}: {summary}")


def _size(element: CardElement) -> int:
    return len(json.dumps(card_payload(element)))


def incident_card(
    lookup: IncidentLookup, now: datetime, admin_link: AdminCenterLink | None = None
) -> AdaptiveCard:
    """`admin_link`: the delegated-admin link into the admin center that manages the incident's service."""
    incident, customer = lookup.incident, lookup.customer
    ended = f"{timestamp(incident.end)} ({relative_time(incident.end, now)})" if incident.end else "Ongoing"
    feature = " / ".join(p for p in (incident.feature_group, incident.feature) if p) or "—"
    facts = [
        ("Classification", _kind(incident)),
        ("Service", incident.service),
        ("Feature", feature),
        ("Impact", incident.impact or "—"),
        ("Started", f"{timestamp(incident.start)} ({relative_time(incident.start, now)})"),
        ("Ended", ended),
        ("Last updated", relative_time(incident.last_modified, now)),
    ]
    body: list[CardElement] = [
        heading(incident.title),
        subtle(f"{incident.incident_id} · {incident.service} · {customer.name}"),
        TextBlock(
            text=safe(incident.status.label),
            color=STATUS_COLOURS[incident.status.level],
            weight="Bolder",
            spacing="Small",
        ),
        FactSet(facts=[Fact(title=t, value=safe(v)) for t, v in facts]),
    ]
    if lookup.also_affected:
        body.append(subtle("Also reported for: " + ", ".join(c.name for c in lookup.also_affected)))
    if admin_link:
        # Next to the facts rather than at the bottom, so it's in view above a long timeline.
        body.append(ActionSet(actions=[open_admin_center(admin_link, customer)]))
    body.append(TextBlock(text="Timeline", weight="Bolder", size="Medium", separator=True, spacing="Medium"))
    if not incident.posts:
        body.append(plain("Microsoft hasn't posted an update yet."))
    budget = CARD_BUDGET_BYTES - sum(_size(e) for e in body)
    posts = sorted(incident.posts, key=lambda p: p.created, reverse=True)
    for shown, post in enumerate(posts):
        entry = Container(
            separator=shown > 0,
            items=[
                subtle(f"{timestamp(post.created)} · {relative_time(post.created, now)}", weight="Bolder"),
                plain(post.text, spacing="Small"),
            ],
        )
        budget -= _size(entry)
        if budget < 0:
            body.append(subtle(f"{plural(len(posts) - shown, 'earlier update')} not shown."))
            break
        body.append(entry)
    actions = [
        run_command(f"Incidents for {customer.name}", incidents_command(customer)),
        run_command("Service health", health_command(customer)),
        run_command(LABELS["file_request"], escalate_command(customer, incident.incident_id)),
    ]
    return card(body, actions, fallback=f"{incident.incident_id}: {incident.title} ({incident.status.label})")
