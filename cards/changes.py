"""Message center cards: a customer's open messages, one message in full, and what needs action soon across
every customer (one row per message, naming the customers it reaches)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    Container,
    ExecuteAction,
    Fact,
    FactSet,
    SubmitAction,
    TextBlock,
)
from microsoft_teams.cards.core import TextColor

from cards.actions import acknowledge_notice, change_command, changes_command, health_command, run_command
from cards.mentions import owner_lines, with_mentions
from cards.parts import card, card_payload, echo, heading, id_row, plain, safe, subtle
from locales.translator import Translator
from services.domain.models import (
    ACTION_DUE,
    DUE_WITHIN,
    Customer,
    DueChanges,
    MessageCategory,
    MessageLookup,
    MessageSeverity,
    Notice,
    Owner,
    ServiceMessage,
    WeeklyDigest,
    WeeklyRow,
)

MAX_ROWS = 20
# The rows of a list card stop at this many bytes, however long Microsoft's titles or customers' names are,
# so the card stays under Teams' limit with room for its heading and buttons.
ROWS_BUDGET_BYTES = 20_000
# Customers named on one row of the card across customers; the rest are counted.
MAX_NAMED_CUSTOMERS = 6
# The message's text is cut to keep the card well under Teams' limit (cards.parts also enforces 28 KB).
BODY_BUDGET_BYTES = 16_000


def _category(message: ServiceMessage, t: Translator) -> str:
    return t(f"changes.category.{message.category.value.casefold()}")


def _act_by(message: ServiceMessage, now: datetime, t: Translator) -> tuple[str, TextColor]:
    """'Act by 10 Dec 2026 00:00 UTC (in 16 days)', red when overdue or within a week."""
    if message.act_by is None:
        return "", "Default"
    when = t(
        "changes.act_by", when=t.timestamp(message.act_by), relative=t.relative_time(message.act_by, now)
    )
    if message.act_by < now:
        return t("changes.overdue", when=when), "Attention"
    return when, "Attention" if (message.act_by - now).days < 7 else "Warning"


def _badges(message: ServiceMessage, now: datetime, t: Translator) -> list[TextBlock]:
    badges = []
    if message.is_major_change:
        badges.append(TextBlock(text=t("changes.major"), color="Attention", weight="Bolder", spacing="Small"))
    if message.severity in (MessageSeverity.HIGH, MessageSeverity.CRITICAL):
        severity = t(f"changes.severity.{message.severity.value}")
        badges.append(TextBlock(text=safe(severity), color="Warning", weight="Bolder", spacing="Small"))
    act_by, colour = _act_by(message, now, t)
    if act_by:
        badges.append(TextBlock(text=safe(act_by), color=colour, weight="Bolder", wrap=True, spacing="Small"))
    return badges


def _row(message: ServiceMessage, now: datetime, t: Translator, extra: str = "") -> Container:
    subtitle = t(
        "changes.row_subtitle",
        services=", ".join(message.services) or "—",
        category=_category(message, t),
        updated=t.relative_time(message.last_modified, now),
    )
    return id_row(
        message.message_id,
        _badges(message, now, t),
        message.title,
        [subtle(subtitle), *([subtle(extra)] if extra else [])],
        run_command(t("changes.open", message=message.message_id), change_command(message.message_id)),
    )


def _size(element: CardElement) -> int:
    return len(json.dumps(card_payload(element), ensure_ascii=False).encode("utf-8"))


def _rows(
    rows: list[Container], total: int, t: Translator, budget: int = ROWS_BUDGET_BYTES
) -> list[CardElement]:
    """As many rows as fit `budget` bytes, and how many more there are."""
    shown: list[CardElement] = []
    for row in rows:
        budget -= _size(row)
        if budget < 0:
            break
        shown.append(row)
    if total > len(shown):
        shown.append(subtle(t.count("count.messages_not_shown", total - len(shown))))
    return shown


def changes_card(
    customer: Customer,
    messages: Sequence[ServiceMessage],
    now: datetime,
    t: Translator,
    service_filter: str = "",
) -> AdaptiveCard:
    """A customer's open messages, in the order services.domain.service_messages.open_messages gives."""
    title = t("changes.title", customer=customer.name)
    if service_filter:
        title += f" · {echo(service_filter)}"
    summary = t.count("count.open_messages", len(messages))
    body: list[CardElement] = [heading(title), subtle(t("changes.subtitle", summary=summary))]
    if not messages:
        body.append(plain(t("changes.none")))
    body += _rows([_row(m, now, t) for m in messages[:MAX_ROWS]], len(messages), t)
    actions = [
        run_command(t("changes.due_everywhere"), changes_command()),
        run_command(t("incidents.service_health"), health_command(customer)),
    ]
    return card(body, actions, fallback=t("changes.fallback", title=title, summary=summary))


def _customers(customers: Sequence[Customer], t: Translator) -> str:
    names = ", ".join(c.name for c in customers[:MAX_NAMED_CUSTOMERS])
    hidden = len(customers) - MAX_NAMED_CUSTOMERS
    if hidden > 0:
        names = t.count("count.and_more_customers", hidden, names=names)
    return t("changes.applies_to", customers=names)


def due_changes_card(due: DueChanges, now: datetime, t: Translator) -> AdaptiveCard:
    """What needs action within DUE_WITHIN across the reader's customers, nearest act-by date first; the
    customers whose message center didn't answer are counted, since their messages are missing."""
    rows = due.rows
    title = t("changes.due_title", days=DUE_WITHIN.days)
    summary = t.count("count.messages_due", len(rows))
    body: list[CardElement] = [heading(title), subtle(t("changes.due_subtitle", summary=summary))]
    if not rows:
        body.append(plain(t("changes.none_due", days=DUE_WITHIN.days)))
    body += _rows(
        [_row(r.message, now, t, _customers(r.customers, t)) for r in rows[:MAX_ROWS]], len(rows), t
    )
    if due.not_read:
        body.append(
            TextBlock(text=t.count("overview.not_answering", due.not_read), color="Warning", wrap=True)
        )
    return card(body, fallback=t("changes.fallback", title=title, summary=summary))


def change_card(lookup: MessageLookup, now: datetime, t: Translator) -> AdaptiveCard:
    """One message in full: its facts, every customer it reaches that the reader sees, and its text."""
    message, customer = lookup.message, lookup.customer

    def when(moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return t("incident.when", when=t.timestamp(moment), relative=t.relative_time(moment, now))

    act_by, colour = _act_by(message, now, t)
    severity_id = f"changes.severity.{message.severity.value}"
    # The act-by date is the coloured line above the facts, when there is one.
    facts = [
        (t("changes.fact_category"), _category(message, t)),
        (t("changes.fact_severity"), t(severity_id)),
        (t("changes.fact_major"), t("changes.yes" if message.is_major_change else "changes.no")),
        (t("changes.fact_services"), ", ".join(message.services) or "—"),
        (t("changes.fact_tags"), ", ".join(message.tags) or "—"),
        (t("changes.fact_published"), when(message.start)),
        (t("changes.fact_ends"), when(message.end)),
        (t("incident.fact_last_updated"), t.relative_time(message.last_modified, now)),
    ]
    customers = (customer, *lookup.also_for)
    body: list[CardElement] = [
        heading(message.title),
        subtle(f"{message.message_id} · {', '.join(message.services) or '—'}"),
    ]
    if act_by:
        body.append(TextBlock(text=safe(act_by), color=colour, weight="Bolder", wrap=True, spacing="Small"))
    body += [
        FactSet(facts=[Fact(title=title, value=safe(value)) for title, value in facts]),
        subtle(_customers(customers, t)),
        TextBlock(
            text=t("changes.message"), weight="Bolder", size="Medium", separator=True, spacing="Medium"
        ),
    ]
    text = message.body or t("changes.no_body")
    while len(text.encode("utf-8")) > BODY_BUDGET_BYTES:
        text = text[: len(text) * 3 // 4]
        if len(text.encode("utf-8")) <= BODY_BUDGET_BYTES:
            text = text.rstrip() + "…"
    body.append(plain(text))
    actions = [
        run_command(t("changes.changes_for", customer=customer.name), changes_command(customer)),
        run_command(t("changes.due_everywhere"), changes_command()),
    ]
    fallback = t("changes.item_fallback", message=message.message_id, title=message.title)
    return card(body, actions, fallback=fallback)


def change_notice_card(
    notice: Notice,
    customers: Sequence[Customer],
    now: datetime,
    t: Translator,
    acknowledged_by: str = "",
    replaces_lost_card: bool = False,
    owners: Mapping[str, Sequence[Owner]] | None = None,
    mentionable: Collection[str] = (),
) -> AdaptiveCard:
    """A message center message as posted to a conversation subscribed to `changes` and then updated in
    place (services.domain.service_messages.as_notice_incident made it the notice's incident): why it is
    news (a major change, an act-by date near), the customers it reaches, the start of its text, and the
    full message a button away. Arguments as cards.notifications.incident_notice_card's."""
    message = notice.incident
    names = ", ".join(c.name for c in customers) or "—"
    services = message.service or "—"
    body: list[CardElement] = []
    if replaces_lost_card:
        body.append(subtle(t("notice_card.replaces_lost"), color="Warning"))
    body += [
        subtle(f"{t('change_notice.kind')} · {services}", weight="Bolder"),
        heading(message.title),
    ]
    if message.feature_group == "major":
        body.append(TextBlock(text=t("changes.major"), color="Attention", weight="Bolder", spacing="Small"))
    if message.act_by is not None:
        when = t(
            "changes.act_by", when=t.timestamp(message.act_by), relative=t.relative_time(message.act_by, now)
        )
        overdue = message.act_by < now
        body.append(
            TextBlock(
                text=safe(t("changes.overdue", when=when) if overdue else when),
                color="Attention" if overdue or message.status.code == ACTION_DUE else "Warning",
                weight="Bolder",
                wrap=True,
                spacing="Small",
            )
        )
    facts = [
        (t("change_notice.fact_message"), message.incident_id),
        (t("notice_card.fact_customer" if len(customers) == 1 else "notice_card.fact_customers"), names),
        (
            t("changes.fact_category"),
            t(f"changes.category.{MessageCategory.of(message.feature).value.casefold()}"),
        ),
        (t("notice_card.fact_updated"), t.relative_time(message.last_modified, now)),
    ]
    body.append(FactSet(facts=[Fact(title=title, value=safe(value)) for title, value in facts]))
    lines = owner_lines([(c, (owners or {}).get(c.customer_id, ())) for c in customers], mentionable, t)
    body += lines.blocks
    if message.impact:
        body.append(plain(echo(message.impact, 400), spacing="Small", is_subtle=True))
    if acknowledged_by:
        body.append(
            TextBlock(
                text=safe(t("notice_card.acknowledged_by", who=acknowledged_by)),
                color="Good",
                weight="Bolder",
                wrap=True,
            )
        )
    actions: list[SubmitAction | ExecuteAction] = [
        run_command(t("change_notice.open"), change_command(message.incident_id))
    ]
    if not acknowledged_by and not message.is_resolved:
        actions.append(acknowledge_notice(message.incident_id, t("notice_card.acknowledge")))
    fallback = t("change_notice.fallback", message=message.incident_id, title=message.title, names=names)
    return with_mentions(card(body, actions, fallback=fallback), lines.mentions)


def _weekly_row(row: WeeklyRow, names: Mapping[str, str], now: datetime, t: Translator) -> Container:
    message = row.message
    customers = [names[c] for c in row.customer_ids if c in names]
    shown = ", ".join(customers[:MAX_NAMED_CUSTOMERS])
    if len(customers) > MAX_NAMED_CUSTOMERS:
        shown = t.count("count.and_more_customers", len(customers) - MAX_NAMED_CUSTOMERS, names=shown)
    items: list[CardElement] = [
        TextBlock(text=safe(f"{message.incident_id} · {message.title}"), weight="Bolder", wrap=True),
        subtle(f"{message.service or '—'} · {shown or '—'}"),
    ]
    if message.act_by is not None:
        when = t(
            "changes.act_by", when=t.timestamp(message.act_by), relative=t.relative_time(message.act_by, now)
        )
        items.append(subtle(when, color="Attention" if message.status.code == ACTION_DUE else "Warning"))
    return Container(
        separator=True,
        select_action=run_command(
            t("changes.open", message=message.incident_id), change_command(message.incident_id)
        ),
        items=items,
    )


def weekly_changes_card(
    digest: WeeklyDigest, names: Mapping[str, str], now: datetime, t: Translator
) -> AdaptiveCard:
    """The weekly message center digest of a conversation subscribed to changes: what was first told this
    past week, then what must be acted on within DUE_WITHIN, nearest first; `names` by customer id."""
    summary = t(
        "weekly_changes.subtitle",
        new=t.count("count.messages_new", len(digest.new)),
        due=t.count("count.messages_due", len(digest.due)),
        days=DUE_WITHIN.days,
    )
    body: list[CardElement] = [heading(t("weekly_changes.heading")), subtle(summary)]
    if not digest.new and not digest.due:
        body.append(plain(t("weekly_changes.none", days=DUE_WITHIN.days)))
    for title, rows in (
        (t("weekly_changes.new"), digest.new),
        (t("weekly_changes.due", days=DUE_WITHIN.days), digest.due),
    ):
        if rows:
            body.append(TextBlock(text=safe(title), weight="Bolder", size="Medium", spacing="Medium"))
            # Two lists on one card: each gets half the rows' budget.
            weekly_rows = [_weekly_row(r, names, now, t) for r in rows[:MAX_ROWS]]
            body += _rows(weekly_rows, len(rows), t, ROWS_BUDGET_BYTES // 2)
    actions = [run_command(t("changes.due_everywhere"), changes_command())]
    return card(body, actions, fallback=t("weekly_changes.fallback", summary=summary))
