"""Outage notices and the cards of the commands that manage them (subscribe, quiet, overview, notices)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from microsoft_teams.cards import (
    ActionSet,
    AdaptiveCard,
    CardElement,
    Column,
    ColumnSet,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
)

from cards.actions import (
    acknowledge_notice,
    escalate_command,
    health_command,
    incident_command,
    run_command,
)
from cards.charts import overview_charts
from cards.mentions import owner_lines, with_mentions
from cards.parts import (
    STATUS_COLOURS,
    card,
    echo,
    heading,
    plain,
    safe,
    status_label,
    subtle,
)
from locales.translator import Translator
from services.domain.models import (
    ALL_CUSTOMERS,
    CHANGES,
    ChangeKind,
    Customer,
    Delivery,
    Incident,
    Notice,
    Owner,
    StatusLevel,
    Subscription,
    TenantHealth,
    is_tracking_id,
)


def _kind(incident: Incident, t: Translator) -> str:
    return t("notice_card.kind_advisory" if incident.is_advisory else "notice_card.kind_incident")


def _resolved(incident: Incident, t: Translator) -> str:
    if incident.end is None:
        return t("notice_card.resolved")
    return t("notice_card.resolved_after", duration=t.span(incident.start, incident.end))


def _status_line(incident: Incident, t: Translator) -> TextBlock:
    if incident.is_resolved:
        return TextBlock(text=safe(_resolved(incident, t)), color="Good", weight="Bolder", wrap=True)
    colour = STATUS_COLOURS[incident.status.level]
    return TextBlock(text=safe(status_label(incident.status, t)), color=colour, weight="Bolder", wrap=True)


def latest_update(incident: Incident) -> str:
    """One line of Microsoft's newest post: its 'Current status', else its first line after the title."""
    if not incident.posts:
        return ""
    lines = [line.strip() for line in incident.posts[-1].text.splitlines() if line.strip()]
    for line in lines:
        label, _, rest = line.partition(":")
        if label.strip().casefold() == "current status" and rest.strip():
            return rest.strip()
    return next(
        (line for line in lines if not line.casefold().startswith("title:")), lines[0] if lines else ""
    )


def incident_notice_card(
    notice: Notice,
    customers: Sequence[Customer],
    now: datetime,
    t: Translator,
    acknowledged_by: str = "",
    replaces_lost_card: bool = False,
    owners: Mapping[str, Sequence[Owner]] | None = None,
    mentionable: Collection[str] = (),
) -> AdaptiveCard:
    """One incident, as posted to a subscribed conversation and then updated in place, in the language
    the conversation subscribed in (Microsoft's own text as Microsoft wrote it). `replaces_lost_card`:
    an earlier card's answer was lost, so this one stands in for it and says so, as long as it lives.
    `owners` (by customer id) are named under the facts, those in `mentionable` @mentioned (once each)."""
    incident = notice.incident
    names = ", ".join(c.name for c in customers) or "—"
    started = t(
        "notice_card.started", when=t.timestamp(incident.start), ago=t.relative_time(incident.start, now)
    )
    facts = [
        (t("notice_card.fact_incident"), incident.incident_id),
        (t("notice_card.fact_customer" if len(customers) == 1 else "notice_card.fact_customers"), names),
        (t("notice_card.fact_impact"), incident.impact or "—"),
        (t("notice_card.fact_started"), started),
        (t("notice_card.fact_updated"), t.relative_time(incident.last_modified, now)),
    ]
    body: list[CardElement] = [
        subtle(f"{_kind(incident, t)} · {incident.service}", weight="Bolder"),
        heading(incident.title),
        _status_line(incident, t),
        FactSet(facts=[Fact(title=title, value=safe(value)) for title, value in facts]),
    ]
    lines = owner_lines([(c, (owners or {}).get(c.customer_id, ())) for c in customers], mentionable, t)
    body += lines.blocks
    if replaces_lost_card:
        body.insert(0, subtle(t("notice_card.replaces_lost"), color="Warning"))
    update = latest_update(incident)
    if update:
        body.append(plain(t("notice_card.latest", update=echo(update, 300)), spacing="Small", is_subtle=True))
    if acknowledged_by:
        body.append(
            TextBlock(
                text=safe(t("notice_card.acknowledged_by", who=acknowledged_by)),
                color="Good",
                weight="Bolder",
                wrap=True,
            )
        )
    actions: list[SubmitAction | ExecuteAction] = []
    if customers:
        actions.append(
            run_command(t("notice_card.details"), incident_command(incident.incident_id, customers[0]))
        )
        if not incident.is_resolved:
            # An Azure event is filed about its service (the escalation takes Microsoft 365 ids only).
            azure = is_tracking_id(incident.incident_id)
            service = incident.service.removeprefix("Azure ").split(", ")[0] if azure else ""
            command = escalate_command(customers[0], "" if azure else incident.incident_id, service)
            actions.append(run_command(t("notice_card.file_request"), command))
    if not acknowledged_by and not incident.is_resolved:
        actions.append(acknowledge_notice(incident.incident_id, t("notice_card.acknowledge")))
    state = t("notice_card.resolved") if incident.is_resolved else status_label(incident.status, t)
    result = card(
        body,
        actions,
        fallback=t(
            "notice_card.fallback",
            id=incident.incident_id,
            service=incident.service,
            names=names,
            state=state,
        ),
    )
    return with_mentions(result, lines.mentions)


def thread_update_text(notice: Notice, t: Translator) -> str:
    """The one line a channel thread gets when its incident changes: 'Restoring service: <first line>'."""
    incident = notice.incident
    update = latest_update(incident) or incident.title
    if notice.change == ChangeKind.RESOLVED:
        if incident.end is None:
            return t("notice_card.thread_resolved", update=update)
        lasted = t.span(incident.start, incident.end)
        return t("notice_card.thread_resolved_after", duration=lasted, update=update)
    status = status_label(incident.status, t)
    if notice.change == ChangeKind.SPREAD:
        customers = t.count("count.customers", len(notice.customer_ids))
        return t("notice_card.thread_spread", status=status, customers=customers)
    return t("notice_card.thread_update", status=status, update=echo(update, 200))


def notice_digest_card(
    items: Sequence[tuple[Notice, Sequence[Customer]]],
    quiet_since: datetime | None,
    now: datetime,
    t: Translator,
    owners: Mapping[str, Sequence[Owner]] | None = None,
    mentionable: Collection[str] = (),
) -> AdaptiveCard:
    """What happened while a conversation was quiet, as one card; the affected customers' `owners` (by
    customer id) named at the end, those in `mentionable` @mentioned once each: the mentions held back
    while it was quiet."""
    incidents = t.count("count.incidents", len(items))
    subtitle = (
        t("digest.subtitle_since", incidents=incidents, when=t.timestamp(quiet_since))
        if quiet_since
        else t("digest.subtitle", incidents=incidents)
    )
    body: list[CardElement] = [heading(t("digest.heading")), subtle(subtitle)]
    for notice, customers in items:
        incident = notice.incident
        state = t("notice_card.resolved") if incident.is_resolved else status_label(incident.status, t)
        row = ColumnSet(
            separator=True,
            select_action=run_command(
                t("digest.open", id=incident.incident_id),
                incident_command(incident.incident_id, customers[0] if customers else None),
            ),
            columns=[
                Column(
                    width="stretch",
                    items=[
                        TextBlock(
                            text=safe(f"{incident.incident_id} · {incident.title}"),
                            weight="Bolder",
                            wrap=True,
                        ),
                        subtle(f"{incident.service} · {', '.join(c.name for c in customers)}"),
                    ],
                ),
                Column(
                    width="auto",
                    items=[
                        TextBlock(
                            text=safe(state),
                            color="Good" if incident.is_resolved else STATUS_COLOURS[incident.status.level],
                            weight="Bolder",
                            wrap=True,
                        )
                    ],
                ),
            ],
        )
        body.append(row)
    affected = sorted(
        {c.customer_id: c for _, customers in items for c in customers}.values(),
        key=lambda c: c.name.casefold(),
    )
    lines = owner_lines([(c, (owners or {}).get(c.customer_id, ())) for c in affected], mentionable, t)
    body += lines.blocks
    return with_mentions(card(body, fallback=t("digest.fallback", incidents=incidents)), lines.mentions)


# The customers the overview lists, worst first: 1,000 troubled ones would be 500 KB, far over what Teams
# takes; the charts above the list count them all.
MAX_OVERVIEW_ROWS = 25


@dataclass(frozen=True)
class OverviewRow:
    customer: Customer
    worst: StatusLevel
    active: int
    # The active incidents themselves, for the overview's chart of incidents by service.
    incidents: tuple[Incident, ...] = ()


def overview_rows(healths: Sequence[TenantHealth]) -> list[OverviewRow]:
    """Customers with active incidents, worst first, then most incidents, then by name."""
    rows = []
    for health in healths:
        active = [i for i in health.incidents if not i.is_resolved]
        if active:
            worst = max(i.status.level for i in active)
            rows.append(OverviewRow(health.customer, worst, len(active), tuple(active)))
    return sorted(rows, key=lambda r: (-r.worst, -r.active, r.customer.name.casefold()))


def overview_card(
    rows: Sequence[OverviewRow],
    readable: int,
    unreadable: int,
    now: datetime,
    t: Translator,
    not_answering: int = 0,
    owners: Mapping[str, Sequence[Owner]] | None = None,
    azure: Sequence[CardElement] = (),
) -> AdaptiveCard:
    """`unreadable`: customers without delegated access; `not_answering`: those whose health couldn't be
    read just now (Microsoft didn't answer), which a retry may read; `owners`: by customer id, named
    under each customer (never mentioned: the reader asked, nobody is paged); `azure`: the Azure section
    (cards/azure.py)."""
    customers = t.count("count.customers", readable)
    body: list[CardElement] = [heading(t("overview.heading"))]
    if not rows and not readable:
        # No GDAP grants, or no delegated access to any customer: nothing was read, so nothing is healthy.
        body.append(plain(t("overview.none_readable")))
    elif not rows:
        body.append(
            TextBlock(
                text=t("overview.all_healthy", customers=customers), color="Good", weight="Bolder", wrap=True
            )
        )
    else:
        body.append(subtle(t("overview.troubled", troubled=t.number(len(rows)), customers=customers)))
        body += overview_charts([(r.worst, r.incidents) for r in rows], readable, t)
    for row in rows[:MAX_OVERVIEW_ROWS]:
        body.append(
            ColumnSet(
                separator=True,
                columns=[
                    Column(
                        width="stretch",
                        items=[
                            TextBlock(text=safe(row.customer.name), weight="Bolder", wrap=True),
                            *_owned_by((owners or {}).get(row.customer.customer_id, ()), t),
                        ],
                    ),
                    Column(
                        width="auto",
                        items=[
                            TextBlock(
                                text=t.count("count.active_incidents", row.active),
                                color=STATUS_COLOURS[row.worst],
                                weight="Bolder",
                            )
                        ],
                    ),
                    Column(
                        width="auto",
                        items=[
                            ActionSet(
                                actions=[run_command(t("customers.health"), health_command(row.customer))]
                            )
                        ],
                    ),
                ],
            )
        )
    if len(rows) > MAX_OVERVIEW_ROWS:
        body.append(subtle(t.count("overview.more_troubled", len(rows) - MAX_OVERVIEW_ROWS)))
    body += azure
    if unreadable:
        body.append(subtle(t.count("overview.unreadable", unreadable)))
    if not_answering:
        body.append(
            TextBlock(text=t.count("overview.not_answering", not_answering), color="Warning", wrap=True)
        )
    body.append(subtle(t("overview.as_of", when=t.timestamp(now))))
    if not t.zone_known:
        body.append(subtle(t("time.zone_unknown")))
    headline = (
        t("overview.fallback", troubled=t.number(len(rows)))
        if rows
        else t("overview.all_healthy", customers=customers)
        if readable
        else t("overview.none_readable")
    )
    return card(body, fallback=headline)


def _owned_by(owners: Sequence[Owner], t: Translator) -> list[TextBlock]:
    return [subtle(t("owners.of", owners=", ".join(o.name for o in owners)))] if owners else []


def describe_subscription(subscription: Subscription, customer: Customer | None, t: Translator) -> str:
    """'Contoso Ltd · Exchange, Teams · incidents' — what a subscription hears about."""
    who = (
        t("subscription.every_customer")
        if subscription.customer_id == ALL_CUSTOMERS
        else (customer.name if customer else "?")
    )
    services = ", ".join(subscription.services) if subscription.services else t("subscription.every_service")
    return f"{who} · {services} · {t(f'subscription.kinds_{subscription.kinds}')}"


def unsubscribe_command(subscription: Subscription) -> str:
    who = "all" if subscription.customer_id == ALL_CUSTOMERS else subscription.customer_id
    kind = CHANGES if subscription.kinds == CHANGES else ""
    return " ".join(p for p in ("unsubscribe", who, ", ".join(subscription.services), kind) if p)


def subscribed_card(
    subscription: Subscription, customer: Customer | None, where: str, t: Translator
) -> AdaptiveCard:
    what = describe_subscription(subscription, customer, t)
    body: list[CardElement] = [
        heading(t("subscription.subscribed")),
        plain(t("subscription.will_hear", where=where.capitalize(), what=what)),
        subtle(t("subscription.how_it_works")),
    ]
    actions = [
        run_command(t("notify.subscriptions"), "subscriptions"),
        run_command(t("subscription.unsubscribe"), unsubscribe_command(subscription)),
    ]
    return card(body, actions, fallback=t("subscription.fallback", what=what))


def subscriptions_card(
    items: Sequence[tuple[Subscription, Customer | None]],
    where: str,
    quiet_until: datetime | None,
    t: Translator,
) -> AdaptiveCard:
    body: list[CardElement] = [heading(t("notify.subscriptions"))]
    count = t.count("count.subscriptions", len(items))
    if not items:
        body.append(plain(t("subscription.none", where=where.capitalize())))
    else:
        body.append(subtle(t("subscription.hears_about", where=where.capitalize(), subscriptions=count)))
    for subscription, customer in items:
        unsubscribe = run_command(t("subscription.unsubscribe"), unsubscribe_command(subscription))
        body.append(
            ColumnSet(
                separator=True,
                columns=[
                    Column(width="stretch", items=[plain(describe_subscription(subscription, customer, t))]),
                    Column(width="auto", items=[ActionSet(actions=[unsubscribe])]),
                ],
            )
        )
    if quiet_until:
        body.append(subtle(t("subscription.quiet_until", until=t.timestamp(quiet_until))))
    return card(body, fallback=count)


def delivery_reason(reason: str, t: Translator) -> str:
    """A recorded reason in the reader's words: a message id, with a value after '|' (a reason recorded
    before reasons had ids is shown as it was recorded)."""
    message_id, _, value = reason.partition("|")
    if not t.has(message_id):
        return reason
    if message_id == "notices.reason_quiet_until":
        try:
            return t(message_id, until=t.timestamp(datetime.fromisoformat(value)))
        except ValueError:
            return reason
    if message_id == "notices.reason_teams_answered":
        return t(message_id, status=value)
    return t(message_id)


def delivery_line(delivery: Delivery, here: bool, now: datetime, t: Translator) -> str:
    line = t(
        "notices.delivery",
        where=t("notices.here" if here else "notices.elsewhere"),
        state=t(f"notices.state_{delivery.state.value}"),
        when=t.relative_time(delivery.updated, now),
    )
    if delivery.reason:
        line += f" ({delivery_reason(delivery.reason, t)})"
    elif delivery.unconfirmed_posts and delivery.activity_id:
        line += f" ({t('notices.on_replacement')})"
    if delivery.acknowledged_by:
        line += t("notices.acknowledged_by", who=delivery.acknowledged_by)
    return line


def notices_card(
    items: Sequence[tuple[Notice, Sequence[Customer], Sequence[Delivery]]],
    conversation: str,
    scope: str,
    now: datetime,
    t: Translator,
) -> AdaptiveCard:
    """The latest notices, and for each conversation when it was delivered or why it wasn't."""
    body: list[CardElement] = [heading(t("notices.heading") + scope)]
    if not items:
        body.append(plain(t("notices.none")))
    for notice, customers, deliveries in items:
        incident = notice.incident
        state = t("status.resolved") if incident.is_resolved else status_label(incident.status, t)
        lines = [delivery_line(d, d.conversation == conversation, now, t) for d in deliveries]
        body.append(
            TextBlock(
                text=safe(f"{incident.incident_id} · {incident.service} · {state}"),
                weight="Bolder",
                separator=True,
                wrap=True,
            )
        )
        names = ", ".join(c.name for c in customers)
        body.append(
            subtle(
                t("notices.customers_updated", customers=names, updated=t.relative_time(notice.updated, now))
            )
        )
        body.append(plain("\n".join(lines) if lines else t("notices.no_conversation"), spacing="Small"))
    return card(body, fallback=t.count("count.notices", len(items)))
