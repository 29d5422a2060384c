"""The customer list and the cards that ask which customer was meant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Column, ColumnSet, TextBlock

from cards.actions import customers_page, health_command, run_command
from cards.parts import card, echo, heading, plain, safe, subtle
from locales.translator import Translator
from services.domain.models import Customer

PAGE_SIZE = 8


def _customer_row(customer: Customer, button: Any, t: Translator) -> ColumnSet:
    details = customer.domain
    if not customer.delegated_access:
        details += " · " + t("customers.no_delegated", relationship=customer.relationship)
    return ColumnSet(
        separator=True,
        columns=[
            Column(
                width="stretch",
                items=[
                    TextBlock(text=safe(customer.name), weight="Bolder", wrap=True),
                    subtle(details),
                ],
            ),
            Column(width="auto", vertical_content_alignment="Center", items=[ActionSet(actions=[button])]),
        ],
    )


def customers_card(customers: Sequence[Customer], search: str, page: int, t: Translator) -> AdaptiveCard:
    """One page of the partner's customers matching `search`, each with a Health button."""
    pages = max(1, -(-len(customers) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = customers[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    title = t("customers.title_search", search=echo(search)) if search else t("customers.title")
    summary = t.count("count.customers", len(customers))
    if pages > 1:
        summary = t("customers.paged", summary=summary, page=t.number(page), pages=t.number(pages))
    body: list[CardElement] = [heading(title), subtle(summary)]
    if not customers:
        body.append(plain(t("customers.none")))
    body += [_customer_row(c, run_command(t("customers.health"), health_command(c)), t) for c in shown]
    actions = []
    if page > 1:
        actions.append(customers_page(t("customers.previous"), search, page - 1))
    if page < pages:
        actions.append(customers_page(t("customers.next"), search, page + 1))
    return card(body, actions, fallback=t("customers.fallback", title=title, summary=summary))


def customer_choice_card(
    query: str, options: Sequence[tuple[Customer, str]], verb: str, t: Translator, total: int | None = None
) -> AdaptiveCard:
    """'fabrikam' means more than one customer: each button finishes the request for one of them.
    `verb`: what the choice is for, in the reader's language ('see its health')."""
    total = max(total or 0, len(options))
    shown = t.count("choice.match", total, verb=verb)
    if total > len(options):
        shown += " " + t("choice.showing_first", shown=t.number(len(options)))
    body: list[CardElement] = [heading(t("choice.heading", query=echo(query))), subtle(shown)]
    body += [_customer_row(c, run_command(t("choice.choose"), command), t) for c, command in options]
    return card(body, fallback=t("choice.fallback", query=echo(query)))


def did_you_mean_card(query: str, options: Sequence[tuple[Customer, str]], t: Translator) -> AdaptiveCard:
    """No customer is called `query`; offer close spellings, or say how to list customers."""
    body: list[CardElement] = [
        TextBlock(
            text=safe(t("did_you_mean.unknown", query=echo(query))),
            weight="Bolder",
            color="Warning",
            wrap=True,
        )
    ]
    if options:
        body.append(plain(t("did_you_mean.question"), spacing="Small"))
        body += [_customer_row(c, run_command(t("did_you_mean.yes"), command), t) for c, command in options]
    else:
        body.append(plain(t("did_you_mean.try"), spacing="Small"))
    fallback = t("did_you_mean.fallback", query=echo(query))
    return card(body, [run_command(t("customer.list"), "customers")], fallback=fallback)
