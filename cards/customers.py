"""The customer list and the cards that ask which customer was meant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microsoft_teams.cards import ActionSet, AdaptiveCard, CardElement, Column, ColumnSet, TextBlock

from cards.actions import customers_page, health_command, run_command
from cards.parts import card, echo, heading, plain, plural, safe, subtle
from services.models import Customer

PAGE_SIZE = 8


def _customer_row(customer: Customer, button: Any) -> ColumnSet:
    details = customer.domain
    if not customer.delegated_access:
        details += f" · {customer.relationship}, no delegated access"
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


def customers_card(customers: Sequence[Customer], search: str, page: int) -> AdaptiveCard:
    """One page of the partner's customers matching `search`, each with a Health button."""
    pages = max(1, -(-len(customers) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = customers[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    title = f"Customers matching '{echo(search)}'" if search else "Customers"
    summary = plural(len(customers), "customer")
    if pages > 1:
        summary += f" · page {page} of {pages}"
    body: list[CardElement] = [heading(title), subtle(summary)]
    if not customers:
        body.append(plain("No customer matches that. Try part of a name, a domain or a tenant id."))
    body += [_customer_row(c, run_command("Health", health_command(c))) for c in shown]
    actions = []
    if page > 1:
        actions.append(customers_page("Previous page", search, page - 1))
    if page < pages:
        actions.append(customers_page("Next page", search, page + 1))
    return card(body, actions, fallback=f"{title}: {summary}")


def customer_choice_card(
    query: str, options: Sequence[tuple[Customer, str]], verb: str, total: int | None = None
) -> AdaptiveCard:
    """'fabrikam' means more than one customer: each button finishes the request for one of them."""
    total = max(total or 0, len(options))
    shown = f"{plural(total, 'customer')} match. Pick one to {verb}."
    if total > len(options):
        shown += f" Showing the first {len(options)}; type more of the name to narrow it down."
    body: list[CardElement] = [heading(f"Which customer did you mean by '{echo(query)}'?"), subtle(shown)]
    body += [_customer_row(c, run_command("Choose", command)) for c, command in options]
    return card(body, fallback=f"Several customers match '{echo(query)}'.")


def did_you_mean_card(query: str, options: Sequence[tuple[Customer, str]]) -> AdaptiveCard:
    """No customer is called `query`; offer close spellings, or say how to list customers."""
    body: list[CardElement] = [
        TextBlock(
            text=safe(f"I don't know a customer called '{echo(query)}'."),
            weight="Bolder",
            color="Warning",
            wrap=True,
        )
    ]
    if options:
        body.append(plain("Did you mean:", spacing="Small"))
        body += [_customer_row(c, run_command("Yes, this one", command)) for c, command in options]
    else:
        body.append(
            plain("Try 'customers' to list them all, or 'customers <part of a name>'.", spacing="Small")
        )
    fallback = f"Unknown customer '{echo(query)}'."
    return card(body, [run_command("List customers", "customers")], fallback=fallback)
