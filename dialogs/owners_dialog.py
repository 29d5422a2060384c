"""Who looks after which customer: `owner <customer> @person ...` (or `none`) names them, `owners
[customer]` lists them, `mine` shows the customers I own, worst first. Owners belong to the partner, not
to a conversation: the same people are @mentioned wherever that customer's notices go."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.notices import notice_card
from cards.notifications import OverviewRow
from cards.owners import (
    mine_card,
    owners_card,
    owners_how_card,
    owners_set_card,
    owners_too_many_card,
    owners_typed_card,
    owners_unknown_card,
    owners_which_customer_card,
)
from dialogs.answer_dialog import AnswerDialog
from dialogs.audit_records import audit_entry, owners_change
from dialogs.customer_choice import MAX_CHOICES, example_customer, pick_customer
from dialogs.requests import CommandRequest
from dialogs.teams_member import MentionedPeople, mentions
from locales.translator import Translator, words_for
from services.domain.customer_search import Ambiguous, NotFound, resolve_customer
from services.domain.errors import SupportDeskError
from services.domain.models import Customer, Owner, StatusLevel, TenantHealth
from services.domain.ports import AuditTrail, Backend, CustomerOwners

# `owner contoso none` clears; the word comes last, after the customer's name.
NOBODY = words_for("words.nobody")
# People one `owner` names at most: those who look after a customer, not the team.
MOST_OWNERS = 10
# Customers whose health `mine` reads at once.
CONCURRENCY = 8
_GROUP_CONVERSATIONS = frozenset({"channel", "groupchat"})

MentionedIn = Callable[[TurnContext], Awaitable[MentionedPeople]]


def owner_example(customers: Sequence[Customer], t: Translator) -> str:
    """'owner <customer> @name' naming a customer the reader sees, or the placeholder (example_customer)."""
    return t("owners.example", customer=example_customer(customers, t))


def _personal(activity: Activity) -> bool:
    kind = (activity.conversation.conversation_type or "") if activity.conversation else ""
    return kind.casefold() not in _GROUP_CONVERSATIONS


class OwnerDialog(AnswerDialog):
    """`owner <customer> @person [@person ...]` sets the customer's owners (the people @mentioned, as the
    roster knows them); `owner <customer> none` clears them. Nothing changes unless every person
    mentioned is found; the change is audit-logged with who was there before."""

    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        owners: CustomerOwners,
        clock: Callable[[], datetime],
        audit: AuditTrail,
        mentioned: MentionedIn,
    ) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._owners = owners
        self._clock = clock
        self._audit = audit
        self._mentioned = mentioned

    async def answer_turn(self, options: object, context: TurnContext, t: Translator) -> AdaptiveCard:
        activity = context.activity
        words = CommandRequest.from_options(options).argument.split()
        clearing = len(words) > 1 and words[-1].casefold() in NOBODY
        query = " ".join(words[:-1] if clearing else words)
        # '@Ben Ito' typed without picking Ben from Teams' list is text, not a mention: the customer is
        # what comes before it, and nobody is named from text.
        at = next((n for n, word in enumerate(words) if word.startswith("@")), 0)
        typed = " ".join(words[at:]) if at and not clearing else ""
        query = " ".join(words[:at]) if typed else query
        bot_id = activity.recipient.id if activity.recipient else None
        customers = await self._backend.list_customers()
        example = owner_example(customers, t)
        if query.strip() and any(m != bot_id for m, _ in mentions(activity)):
            # A choice card's button can't carry the @mentions: the customers it could be are named instead.
            match = resolve_customer(customers, query)
            if isinstance(match, Ambiguous):
                return owners_which_customer_card(query, match.candidates[:MAX_CHOICES], True, t, example)
            if isinstance(match, NotFound):
                return owners_which_customer_card(query, match.suggestions[:MAX_CHOICES], False, t, example)
        picked = await pick_customer(
            self._backend,
            query,
            lambda c: f"owner {c.customer_id}" + (" none" if clearing else ""),
            "purpose.set_owners",
            t,
            example=lambda name: t("owners.example", customer=name),
        )
        if not isinstance(picked, Customer):
            return picked
        customer = picked
        if clearing:
            return await self._replace(activity, customer, (), t)
        if typed and _personal(activity):
            current = (await self._owners.of_customers([customer.customer_id])).get(customer.customer_id, ())
            return owners_how_card(customer, current, True, t)
        if typed:
            return owners_typed_card(customer, typed, t)
        if len([m for m, _ in mentions(activity) if m != bot_id]) > MOST_OWNERS:
            # Said before the roster is asked about each: a message can carry any number of mentions.
            return owners_too_many_card(customer, MOST_OWNERS, t)
        found = await self._mentioned(context)
        if found.unknown:
            return owners_unknown_card(customer, found.unknown, t)
        if not found.people:
            current = (await self._owners.of_customers([customer.customer_id])).get(customer.customer_id, ())
            return owners_how_card(customer, current, _personal(activity), t)
        return await self._replace(activity, customer, found.people, t)

    async def _replace(
        self, activity: Activity, customer: Customer, people: Sequence[Owner], t: Translator
    ) -> AdaptiveCard:
        before = await self._owners.replace(customer.customer_id, people)
        detail = owners_change(customer.name, before, people)
        await self._audit.record(audit_entry(activity, "owners.set", detail, self._clock()))
        return owners_set_card(customer, people, before, t)


class OwnersDialog(AnswerDialog):
    """`owners <customer>`: who looks after it; `owners`: every customer the reader sees that has owners."""

    def __init__(self, dialog_id: str, backend: Backend, owners: CustomerOwners) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._owners = owners

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        query = CommandRequest.from_options(options).argument
        if query.strip():
            picked = await pick_customer(
                self._backend, query, lambda c: f"owners {c.customer_id}", "purpose.see_owners", t
            )
            if not isinstance(picked, Customer):
                return picked
            owned = await self._owners.of_customers([picked.customer_id])
            return owners_card([(picked, owned.get(picked.customer_id, ()))], picked, t)
        everything = await self._owners.everything()
        seen = sorted(await self._backend.list_customers(), key=lambda c: c.name.casefold())
        return owners_card(
            [(c, everything[c.customer_id]) for c in seen if c.customer_id in everything], None, t
        )


class MineDialog(AnswerDialog):
    """`mine`: the customers whose owners include me (my Entra object id), worst first, as `overview`
    orders them; customers I can't see (GDAP) aren't mine to read here."""

    def __init__(self, dialog_id: str, backend: Backend, owners: CustomerOwners) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._owners = owners

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        person = activity.from_property
        object_id = (person.aad_object_id or "") if person else ""
        if not object_id:
            return notice_card(t("mine.title"), t("mine.unknown_person"))
        owned = set(await self._owners.owned_by(object_id))
        seen = await self._backend.list_customers()
        customers = [c for c in seen if c.customer_id in owned]
        limit = asyncio.Semaphore(CONCURRENCY)

        async def read(customer: Customer) -> TenantHealth | SupportDeskError:
            async with limit:
                try:
                    return await self._backend.tenant_health(customer)
                except SupportDeskError as error:
                    return error

        healths = await asyncio.gather(*(read(c) for c in customers))
        rows = [_row(h) for h in healths if isinstance(h, TenantHealth)]
        rows.sort(key=lambda r: (-r.worst, -r.active, r.customer.name.casefold()))
        unreadable = [c for c, h in zip(customers, healths, strict=True) if not isinstance(h, TenantHealth)]
        return mine_card(rows, unreadable, t, owner_example(seen, t))


def _row(health: TenantHealth) -> OverviewRow:
    active = [i for i in health.incidents if not i.is_resolved]
    worst = max((i.status.level for i in active), default=StatusLevel.OPERATIONAL)
    return OverviewRow(health.customer, worst, len(active))
