"""Who looks after which customer: the cards of `owner`, `owners` and `mine` (the owners' lines on
notices are in cards/mentions.py)."""

from __future__ import annotations

from collections.abc import Sequence

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    Column,
    ColumnSet,
    TextBlock,
)

from cards.actions import run_command
from cards.notifications import OverviewRow
from cards.parts import STATUS_COLOURS, card, echo, heading, plain, safe, subtle
from locales.translator import Translator
from services.domain.models import Customer, Owner


def _names(owners: Sequence[Owner]) -> str:
    return ", ".join(owner.name for owner in owners)


def owners_set_card(
    customer: Customer, owners: Sequence[Owner], before: Sequence[Owner], t: Translator
) -> AdaptiveCard:
    """After `owner <customer> @person ...` or `owner <customer> none`: who it is now, who it was."""
    if owners:
        title = t("owners.set_title", customer=customer.name)
        text = t("owners.set", customer=customer.name, owners=_names(owners))
    else:
        title = t("owners.cleared_title", customer=customer.name)
        text = t("owners.cleared", customer=customer.name)
    body: list[CardElement] = [heading(title), plain(text)]
    body.append(subtle(t("owners.before", owners=_names(before)) if before else t("owners.before_none")))
    body.append(subtle(t("owners.how_it_works")))
    return card(body, [run_command(t("owners.mine"), "mine")], fallback=text)


def owners_card(
    owned: Sequence[tuple[Customer, Sequence[Owner]]], named: Customer | None, t: Translator
) -> AdaptiveCard:
    """`owners <customer>` (`named`), or `owners`: every customer the reader sees that has owners."""
    if named is not None:
        owners = next((o for c, o in owned if c.customer_id == named.customer_id), ())
        title = t("owners.of_title", customer=named.name)
        text = t("owners.of", owners=_names(owners)) if owners else t("owners.none", customer=named.name)
        example = t("owners.example", customer=named.name)
        body: list[CardElement] = [
            heading(title),
            plain(text),
            subtle(t("owners.how_to_set", example=example)),
        ]
        return card(body, fallback=f"{title}: {text}")
    title = t("owners.all_title")
    body = [heading(title)]
    shown = [(c, o) for c, o in owned if o]
    if not shown:
        body.append(plain(t("owners.nobody_owns")))
    for customer, owners in shown:
        body.append(
            ColumnSet(
                separator=True,
                columns=[
                    Column(
                        width="stretch",
                        items=[TextBlock(text=safe(customer.name), weight="Bolder", wrap=True)],
                    ),
                    Column(width="stretch", items=[plain(_names(owners))]),
                ],
            )
        )
    return card(body, fallback=t.count("count.customers", len(shown)))


def owners_how_card(
    customer: Customer, owners: Sequence[Owner], personal: bool, t: Translator
) -> AdaptiveCard:
    """`owner <customer>` without anyone @mentioned: how to name them (in a 1:1 chat no one can be
    mentioned: where to do it instead), and who looks after the customer now."""
    example = t("owners.example", customer=customer.name)
    how = t("owners.how_personal", example=example) if personal else t("owners.how", example=example)
    now = t("owners.of", owners=_names(owners)) if owners else t("owners.none", customer=customer.name)
    body: list[CardElement] = [
        heading(t("owners.who_title", customer=customer.name)),
        plain(how),
        subtle(now),
    ]
    return card(body, fallback=how)


def owners_unknown_card(customer: Customer, unknown: Sequence[str], t: Translator) -> AdaptiveCard:
    """Some of the people mentioned aren't in this conversation's roster: nothing was changed."""
    names = ", ".join(echo(name) for name in unknown)
    text = t.count("owners.not_found", len(unknown), names=names)
    body: list[CardElement] = [
        heading(t("owners.not_changed_title", customer=customer.name)),
        plain(text),
        subtle(t("owners.not_changed")),
    ]
    return card(body, fallback=text)


def owners_typed_card(customer: Customer, typed: str, t: Translator) -> AdaptiveCard:
    """'@Ben' written as text (not picked from Teams' list) is no mention: nobody can be named from it."""
    text = t("owners.typed_not_mention", typed=echo(typed))
    body: list[CardElement] = [heading(t("owners.not_changed_title", customer=customer.name)), plain(text)]
    return card(body, fallback=text)


def owners_which_customer_card(
    typed: str, candidates: Sequence[Customer], several: bool, t: Translator, example: str
) -> AdaptiveCard:
    """`owner <name> @person` when the name isn't one customer: a button couldn't carry the @mentions (a
    choice card's would set nobody), so each customer it could be is named as the message to send again.
    `example`: an `owner` message naming a customer the reader sees (dialogs/owners_dialog.py)."""
    value = echo(typed)
    if several:
        text = t("owners.which_several", value=value)
    elif candidates:
        text = t("owners.which_close", value=value)
    else:
        text = t("owners.which_none", value=value, example=example)
    body: list[CardElement] = [heading(t("customer.which_title")), plain(text)]
    body += [plain(t("owners.example", customer=c.name), spacing="Small") for c in candidates]
    listing = (
        [] if candidates else [run_command(t("customer.list"), t("command.customers.example").split(" ")[0])]
    )
    return card(body, listing, fallback=text)


def owners_too_many_card(customer: Customer, most: int, t: Translator) -> AdaptiveCard:
    text = t("owners.too_many", most=t.number(most))
    return card([heading(t("owners.not_changed_title", customer=customer.name)), plain(text)], fallback=text)


def mine_card(
    rows: Sequence[OverviewRow], unreadable: Sequence[Customer], t: Translator, example: str
) -> AdaptiveCard:
    """`mine`: the customers the reader owns, worst first (as `overview` orders them), healthy ones after,
    and those whose health couldn't be read named at the end; owning none, how owners are named
    (`example`, as for owners_which_customer_card)."""
    title = t("mine.title")
    body: list[CardElement] = [heading(title)]
    total = len(rows) + len(unreadable)
    if not total:
        body.append(plain(t("mine.none", example=example)))
        return card(body, fallback=t("mine.none", example=example))
    body.append(subtle(t("mine.summary", customers=t.count("count.customers", total))))
    for row in rows:
        state = t.count("count.active_incidents", row.active) if row.active else t("mine.healthy")
        body.append(
            ColumnSet(
                separator=True,
                columns=[
                    Column(
                        width="stretch",
                        items=[TextBlock(text=safe(row.customer.name), weight="Bolder", wrap=True)],
                    ),
                    Column(
                        width="auto",
                        items=[TextBlock(text=safe(state), color=STATUS_COLOURS[row.worst], weight="Bolder")],
                    ),
                ],
            )
        )
    if unreadable:
        body.append(subtle(t("mine.unreadable", customers=", ".join(c.name for c in unreadable))))
    return card(body, fallback=t("mine.summary", customers=t.count("count.customers", total)))
