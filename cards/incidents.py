"""Incident lists and the detail of one incident with its timeline of posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Container,
    Fact,
    FactSet,
    TextBlock,
)

from cards.actions import health_command, incident_command, incidents_command, run_command
from cards.charts import timeline_chart
from cards.parts import (
    STATUS_COLOURS,
    badge,
    card,
    echo,
    file_request,
    heading,
    id_row,
    open_admin_center,
    plain,
    safe,
    status_label,
    subtle,
    timeline,
)
from locales.translator import Translator
from services.domain.models import AdminCenterLink, Customer, Incident, IncidentLookup

MAX_ROWS = 20
# Teams rejects bot messages over ~100 KB (UTF-16); keep every card well under that, at 28 KB.
CARD_BUDGET_BYTES = 24_000


def _kind(incident: Incident, t: Translator) -> str:
    return t("incidents.kind_advisory") if incident.is_advisory else t("incidents.kind_incident")


def _incident_row(incident: Incident, customer: Customer, now: datetime, t: Translator) -> Container:
    subtitle = t(
        "incidents.row_subtitle",
        service=incident.service,
        kind=_kind(incident, t),
        started=t.relative_time(incident.start, now),
        updated=t.relative_time(incident.last_modified, now),
    )
    return id_row(
        incident.incident_id,
        [badge(status_label(incident.status, t), STATUS_COLOURS[incident.status.level])],
        incident.title,
        [subtle(subtitle)],
        run_command(
            t("incidents.open", incident=incident.incident_id),
            incident_command(incident.incident_id, customer),
        ),
    )


def incidents_card(
    customer: Customer,
    incidents: Sequence[Incident],
    now: datetime,
    t: Translator,
    service_filter: str = "",
    include_resolved: bool = False,
    *,
    may_file: bool,
) -> AdaptiveCard:
    """`may_file`: whether the reader may file for `customer` (cards/parts.py file_request)."""
    scope = f" · {echo(service_filter)}" if service_filter else ""
    title = t("incidents.title_all" if include_resolved else "incidents.title_active", customer=customer.name)
    title += scope
    count = t.count("count.incidents", len(incidents))
    summary = t("incidents.summary_all" if include_resolved else "incidents.summary_active", count=count)
    body: list[CardElement] = [heading(title), subtle(t("incidents.subtitle", summary=summary))]
    if not incidents:
        body.append(plain(t("incidents.none_on_record" if include_resolved else "incidents.none_active")))
    body += [_incident_row(i, customer, now, t) for i in incidents[:MAX_ROWS]]
    if len(incidents) > MAX_ROWS:
        body.append(subtle(t.count("count.older_incidents_not_shown", len(incidents) - MAX_ROWS)))
    actions = []
    if not include_resolved:
        include = run_command(
            t("incidents.include_resolved"), incidents_command(customer, service_filter, True)
        )
        actions.append(include)
    actions.append(run_command(t("incidents.service_health"), health_command(customer)))
    actions += file_request(may_file, customer, t, service=service_filter)
    return card(body, actions, fallback=t("incidents.fallback", title=title, summary=summary))


def incident_card(
    lookup: IncidentLookup,
    now: datetime,
    t: Translator,
    admin_link: AdminCenterLink | None = None,
    *,
    may_file: bool,
) -> AdaptiveCard:
    """`admin_link`: the delegated-admin link into the admin center that manages the incident's service;
    `may_file`: whether the reader may file for its customer (cards/parts.py file_request)."""
    incident, customer = lookup.incident, lookup.customer

    def when(moment: datetime) -> str:
        return t("incident.when", when=t.timestamp(moment), relative=t.relative_time(moment, now))

    ended = when(incident.end) if incident.end else t("incident.ongoing")
    feature = " / ".join(p for p in (incident.feature_group, incident.feature) if p) or "—"
    facts = [
        (t("incident.fact_classification"), _kind(incident, t)),
        (t("incident.fact_service"), incident.service),
        (t("incident.fact_feature"), feature),
        (t("incident.fact_impact"), incident.impact or "—"),
        (t("incident.fact_started"), when(incident.start)),
        (t("incident.fact_ended"), ended),
        (t("incident.fact_last_updated"), t.relative_time(incident.last_modified, now)),
    ]
    body: list[CardElement] = [
        heading(incident.title),
        subtle(f"{incident.incident_id} · {incident.service} · {customer.name}"),
        TextBlock(
            text=safe(status_label(incident.status, t)),
            color=STATUS_COLOURS[incident.status.level],
            weight="Bolder",
            spacing="Small",
        ),
        FactSet(facts=[Fact(title=title, value=safe(value)) for title, value in facts]),
    ]
    if lookup.also_affected:
        also = ", ".join(c.name for c in lookup.also_affected)
        body.append(subtle(t("incident.also_reported", customers=also)))
    if admin_link:
        # Next to the facts rather than at the bottom, so it's in view above a long timeline.
        body.append(ActionSet(actions=[open_admin_center(admin_link, customer, t)]))
    body.append(
        TextBlock(
            text=t("incident.timeline"), weight="Bolder", size="Medium", separator=True, spacing="Medium"
        )
    )
    if not incident.posts:
        body.append(plain(t("incident.no_posts")))
    body += timeline_chart(incident, t)
    posts = sorted(incident.posts, key=lambda p: p.created, reverse=True)
    stamps = [
        t("incident.post_time", when=t.timestamp(p.created), relative=t.relative_time(p.created, now))
        for p in posts
    ]
    timeline(body, [(stamp, p.text) for stamp, p in zip(stamps, posts, strict=True)], CARD_BUDGET_BYTES, t)
    actions = [
        run_command(t("incident.incidents_for", customer=customer.name), incidents_command(customer)),
        run_command(t("incidents.service_health"), health_command(customer)),
        *file_request(may_file, customer, t, incident.incident_id),
    ]
    fallback = t(
        "incident.fallback",
        incident=incident.incident_id,
        title=incident.title,
        status=status_label(incident.status, t),
    )
    return card(body, actions, fallback=fallback)
