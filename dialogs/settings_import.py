"""A settings document (services/domain/settings_document.py) checked against what the person can see,
and what applying it would change in this conversation.

A customer is looked for only among the person's own (under GDAP scoping, those they hold a role for):
one they can't see reads exactly like one that doesn't exist, as everywhere else in the bot, so an import
can neither reach it nor learn that it exists. Subscriptions of customers the person can't see are left
as they are: the import replaces what the person could have exported, nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dialogs.customer_choice import MAX_NAME_LENGTH, known_customer
from dialogs.quiet_dialog import MOST_HOURS
from dialogs.subscribe_dialog import AZURE_SERVICE, names_azure
from services.access.scoped import CustomerScope
from services.domain.customer_search import Ambiguous, resolve_customer
from services.domain.errors import SupportDeskError, UnknownService
from services.domain.incidents import match_services, read_healths
from services.domain.models import (
    ALL_CUSTOMERS,
    CHANGES,
    Customer,
    Owner,
    ServiceHealth,
    Subscription,
    TenantHealth,
)
from services.domain.ports import Backend
from services.domain.settings_document import (
    CustomerRef,
    Problem,
    SettingsDraft,
    UnreadableSettings,
)

EVERY_CUSTOMER_NAME = "every customer"
# Customers a shared name is said to be, at most.
MOST_NAMED = 5


@dataclass(frozen=True)
class Planned:
    """One subscription the document asks for, its customer and services found."""

    customer_id: str
    name: str
    services: tuple[str, ...]
    kinds: str

    @property
    def key(self) -> tuple[str, tuple[str, ...], bool]:
        """What the subscription store tells subscriptions apart by (a `changes` one sits beside one to
        the same customer's health)."""
        return subscription_key(self.customer_id, self.services, self.kinds)


@dataclass(frozen=True)
class SettingsPlan:
    """A document found valid: what the conversation should hear about, its quiet hours (None: none),
    and the owners to name, per customer (id, name, owners)."""

    subscriptions: tuple[Planned, ...]
    quiet_until: datetime | None
    owners: tuple[tuple[str, str, tuple[Owner, ...]], ...]

    def to_state(self) -> dict[str, Any]:
        return {
            "subscriptions": [[p.customer_id, p.name, list(p.services), p.kinds] for p in self.subscriptions],
            "quiet_until": self.quiet_until.isoformat() if self.quiet_until else None,
            "owners": [[i, n, [[o.object_id, o.name] for o in people]] for i, n, people in self.owners],
        }

    @classmethod
    def from_state(cls, state: Any) -> SettingsPlan:
        state = state if isinstance(state, dict) else {}
        quiet = state.get("quiet_until")
        return cls(
            tuple(Planned(i, n, tuple(s), k) for i, n, s, k in state.get("subscriptions") or []),
            datetime.fromisoformat(quiet) if isinstance(quiet, str) else None,
            tuple(
                (i, n, tuple(Owner(o, name) for o, name in people))
                for i, n, people in state.get("owners") or []
            ),
        )


async def plan_settings(
    draft: SettingsDraft,
    backend: Backend,
    scope: CustomerScope,
    now: datetime,
    problems: Sequence[Problem] = (),
) -> SettingsPlan:
    """The plan, or UnreadableSettings naming every customer, service and time that can't be used, after
    `problems` (the document's shape's)."""
    problems = list(problems)
    customers = list(await backend.list_customers())
    by_id = {c.customer_id: c for c in customers}
    healths: dict[str, TenantHealth | SupportDeskError] = {}

    async def found(ref: CustomerRef) -> Customer | None:
        customer = by_id.get(ref.customer_id) if ref.customer_id else await known_customer(backend, ref.typed)
        if customer is None:
            # A name two customers share ('fabrikam') names both, not 'no customer fabrikam'.
            shared = not ref.customer_id and len(ref.typed) <= MAX_NAME_LENGTH
            match = resolve_customer(customers, ref.typed, suggest=False) if shared else None
            if isinstance(match, Ambiguous):
                names = ", ".join(f"'{c.name}'" for c in match.candidates[:MOST_NAMED])
                values: dict[str, str | int] = {"value": ref.shown[:60], "names": names}
                problems.append(Problem(ref.path, "settings.problem.ambiguous_customer", values))
            else:
                problems.append(
                    Problem(ref.path, "settings.problem.unknown_customer", {"value": ref.shown[:60]})
                )
        return customer

    async def services_of(within: list[Customer]) -> list[TenantHealth]:
        """The health of those of `within` that can be read: under every customer ('*') one without
        delegated access is left out; when none can be, why the first can't is the answer."""
        healths.update(await read_healths(backend, [c for c in within if c.customer_id not in healths]))
        answers = [healths[c.customer_id] for c in within]
        read = [h for h in answers if isinstance(h, TenantHealth)]
        refused = [h for h in answers if isinstance(h, SupportDeskError)]
        if refused and not read:
            raise refused[0]
        return read

    planned: list[Planned] = []
    seen: dict[tuple[str, tuple[str, ...], bool], str] = {}
    for subscription in draft.subscriptions:
        ref, path = subscription.customer, subscription.customer.path.rsplit(".", 1)[0]
        if ref.customer_id == ALL_CUSTOMERS:
            if not scope.everything:
                problems.append(Problem(ref.path, "settings.problem.every_customer_scoped"))
                continue
            customer_id, name, within = ALL_CUSTOMERS, EVERY_CUSTOMER_NAME, customers
        else:
            customer = await found(ref)
            if customer is None:
                continue
            customer_id, name, within = customer.customer_id, customer.name, [customer]
        services: list[str] = []
        for service_path, wanted in subscription.services:
            if names_azure(wanted):  # what export writes for 'subscribe contoso azure'
                services += [AZURE_SERVICE] if AZURE_SERVICE not in services else []
                continue
            matched = [s.name for h in await services_of(within) for s in _matching(h, wanted)]
            if not matched:
                problems.append(
                    Problem(service_path, "settings.problem.unknown_service", {"value": wanted[:60]})
                )
            services += [s for s in dict.fromkeys(matched) if s not in services]
        plan = Planned(customer_id, name, tuple(services), subscription.kinds)
        if plan.key in seen:
            problems.append(Problem(path, "settings.problem.duplicate", {"first": seen[plan.key]}))
        seen.setdefault(plan.key, path)
        planned.append(plan)

    owners: list[tuple[str, str, tuple[Owner, ...]]] = []
    owned: dict[str, str] = {}
    for entry in draft.owners:
        customer = await found(entry.customer)
        if customer is None:
            continue
        path = entry.customer.path.rsplit(".", 1)[0]
        if customer.customer_id in owned:
            problems.append(
                Problem(path, "settings.problem.duplicate", {"first": owned[customer.customer_id]})
            )
        owned.setdefault(customer.customer_id, path)
        owners.append((customer.customer_id, customer.name, unique_owners(entry.people)))

    quiet_until = draft.quiet_until
    if quiet_until is not None and quiet_until > now + timedelta(hours=MOST_HOURS):
        problems.append(Problem("quiet_until", "settings.problem.quiet_too_long", {"most": MOST_HOURS}))
    if problems:
        raise UnreadableSettings(problems)
    # Quiet hours already over when pasted mean none.
    live_quiet = quiet_until if quiet_until is not None and quiet_until > now else None
    return SettingsPlan(tuple(planned), live_quiet, tuple(owners))


def _matching(health: TenantHealth, name: str) -> list[ServiceHealth]:
    try:
        return list(match_services(health, name))
    except UnknownService:
        return []


@dataclass(frozen=True)
class SettingsChanges:
    """What applying a plan changes here: subscriptions added, removed and changed (kinds), quiet hours
    (None when they stay as they are, else the new end, None in it for none), and the customers whose
    owners change (id, name, before, after)."""

    added: tuple[Planned, ...]
    removed: tuple[Planned, ...]
    changed: tuple[Planned, ...]
    quiet: tuple[datetime | None] | None
    owners: tuple[tuple[str, str, tuple[Owner, ...], tuple[Owner, ...]], ...]

    @property
    def nothing(self) -> bool:
        return not (self.added or self.removed or self.changed or self.quiet or self.owners)


def changes_of(
    plan: SettingsPlan,
    current: Sequence[Subscription],
    visible: dict[str, str],
    quiet_until: datetime | None,
    owners: dict[str, tuple[Owner, ...]],
) -> SettingsChanges:
    """`current`: the conversation's subscriptions; `visible`: the customers (and '*') the person sees, by
    id with their names, the only ones whose subscriptions the import may remove; `quiet_until`: the quiet
    in force (None: none); `owners`: the planned customers' owners now."""
    now_by_key = {subscription_key(s.customer_id, s.services, s.kinds): s for s in current}
    wanted = {p.key for p in plan.subscriptions}
    added = tuple(p for p in plan.subscriptions if p.key not in now_by_key)
    changed = tuple(
        p for p in plan.subscriptions if p.key in now_by_key and now_by_key[p.key].kinds != p.kinds
    )
    removed = tuple(
        Planned(s.customer_id, visible[s.customer_id], s.services, s.kinds)
        for k, s in now_by_key.items()
        if k not in wanted and s.customer_id in visible
    )
    quiet = (plan.quiet_until,) if plan.quiet_until != quiet_until else None
    owner_changes = tuple(
        (customer_id, name, owners.get(customer_id, ()), people)
        for customer_id, name, people in plan.owners
        if owners.get(customer_id, ()) != people
    )
    return SettingsChanges(added, removed, changed, quiet, owner_changes)


def subscription_key(
    customer_id: str, services: Sequence[str], kinds: str
) -> tuple[str, tuple[str, ...], bool]:
    return customer_id, tuple(sorted(services)), kinds == CHANGES


def unique_owners(people: Sequence[Owner]) -> tuple[Owner, ...]:
    """As the owners store keeps them: each person once, where first named."""
    kept: dict[str, Owner] = {}
    for owner in people:
        kept.setdefault(owner.object_id, owner)
    return tuple(kept.values())
