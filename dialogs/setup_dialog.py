"""`setup`: a guided set-up of what this conversation hears about: which customers (all, or several),
which services, incidents and/or advisories, quiet hours, and who looks after those customers; a summary
with Edit per field; then it subscribes through the same stores, watcher baseline and audit as
`subscribe` and `quiet`, and names the owners.

Owners belong to the partner, per customer, and are mentioned wherever that customer's notices go: the
people @mentioned at the owners step become the owners of each customer chosen (skip keeps the owners
they have). With all customers chosen the step isn't asked and no owners change: one set of people named
for every customer would overwrite what other teams named for theirs, and a support lead picking 'all'
for a channel means "hear about everything", not "these two look after everyone". The summary says so.

A second flow on the guided-flow base: steps, validators and a summary; back, help, resume, cancel and
card routing come from the base.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult
from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.escalation import Choice, Question, SummaryField, question_card, summary_card
from cards.notices import notice_card
from dialogs.audit_records import audit_entry, owners_change
from dialogs.choices import InvalidAnswer, match_choice, typed_choice
from dialogs.conversation_scope import conversation_key, where
from dialogs.customer_choice import MAX_NAME_LENGTH
from dialogs.escalation_validators import choice, skips
from dialogs.guided_flow import MAX_MISSES, FlowState, GuidedFlowDialog
from dialogs.language import translator_of
from dialogs.quiet_dialog import MOST_HOURS, quiet_hours
from dialogs.replies import card_reply, text_reply
from dialogs.requests import CommandRequest
from dialogs.subscribe_dialog import AZURE_SERVICE, EVERYONE, KIND_WORDS, names_azure
from dialogs.teams_member import mentioned_people, mentions
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.customer_search import Ambiguous, NotFound, normalize, resolve_customer
from services.domain.errors import UnknownService
from services.domain.incidents import match_services, read_healths
from services.domain.models import (
    ALL_CUSTOMERS,
    SUBSCRIPTION_KINDS,
    Customer,
    Owner,
    Subscription,
    TenantHealth,
)
from services.domain.ports import AuditTrail, Backend, CustomerOwners, KnownConversations, Subscriptions
from services.notices.watcher import HealthWatcher

STEPS = ("customers", "services", "kinds", "quiet", "owners")
SUMMARY = "summary"
FREE_TEXT_STEPS = frozenset({"customers", "services", "quiet", "owners"})


@dataclass
class SetupState(FlowState):
    customer_ids: list[str] = field(default_factory=list)  # [] with `customers_done`: every customer
    customer_names: list[str] = field(default_factory=list)
    customers_done: bool = False
    services: list[str] = field(default_factory=list)  # [] with `services_done`: every service
    services_done: bool = False
    kinds: str = ""
    quiet: int = -1  # hours; 0 for none, -1 not yet answered
    owners: list[list[str]] = field(default_factory=list)  # [object id, name]; [] with `owners_done`: kept
    owners_done: bool = False

    @property
    def every_customer(self) -> bool:
        return self.customers_done and not self.customer_ids

    def missing(self) -> str:
        owners = self.owners_done or self.every_customer
        done = (self.customers_done, self.services_done, bool(self.kinds), self.quiet >= 0, owners)
        return next((step for step, known in zip(STEPS, done, strict=True) if not known), SUMMARY)

    def forget(self, step: str) -> None:
        if step == "customers":
            self.customer_ids, self.customer_names, self.customers_done = [], [], False
        elif step == "services":
            self.services, self.services_done = [], False
        elif step == "kinds":
            self.kinds = ""
        elif step == "quiet":
            self.quiet = -1
        elif step == "owners":
            self.owners, self.owners_done = [], False

    def named_owners(self) -> tuple[Owner, ...]:
        return tuple(Owner(object_id, name) for object_id, name in self.owners)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _customer_names(text: str, known: Sequence[Customer]) -> list[str]:
    """The answer's names split at its commas, except a comma inside a customer's whole name ('Fabrikam,
    Inc.'): the longest run of pieces that is one customer's name stays one name."""
    whole = {normalize(c.name) for c in known}
    most = max((len(c.name.split(",")) for c in known), default=1)
    pieces = text.split(",")
    names: list[str] = []
    start = 0
    while start < len(pieces):
        runs = range(min(len(pieces), start + most), start + 1, -1)
        end = next((e for e in runs if normalize(",".join(pieces[start:e])) in whole), start + 1)
        names.append(",".join(pieces[start:end]).strip())
        start = end
    return [name for name in names if name]


# Customers named in one answer when a name could be several (or a typo close to several).
MAX_NAMED = 5


def _either(names: list[str], t: Translator) -> str:
    """'A or B', 'A, B or C': customer names hold commas ('Fabrikam, Inc.'), so the last one is set apart."""
    if len(names) < 2:
        return "".join(names)
    return t("setup.either", first=", ".join(names[:-1]), last=names[-1])


class SetupDialog(GuidedFlowDialog[SetupState]):
    state_type = SetupState
    free_text_steps = FREE_TEXT_STEPS
    summary_fields = STEPS
    field_name_prefix = "setup.field_"
    heading_id = "setup.heading"
    cancelled_id = "setup.cancelled"
    first_question_id = "escalation.first_question"
    stale_card_id = "setup.stale_card"
    submit_id = "setup.submit"

    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        subscriptions: Subscriptions,
        conversations: KnownConversations,
        watcher: HealthWatcher,
        clock: Callable[[], datetime],
        refresh: Callable[[], None],
        audit: AuditTrail,
        scope: CustomerScope,
        owners: CustomerOwners,
    ) -> None:
        super().__init__(dialog_id)
        self._scope, self._owners = scope, owners
        self._backend, self._subscriptions, self._conversations = backend, subscriptions, conversations
        self._watcher, self._clock, self._refresh, self._audit = watcher, clock, refresh, audit

    async def start(self, dc: DialogContext, request: CommandRequest) -> DialogTurnResult:
        person = dc.context.activity.from_property
        return await self.ask(dc, SetupState(key=uuid.uuid4().hex, owner_id=person.id if person else ""))

    def resume_text(self, dc: DialogContext, state: SetupState) -> str:
        return translator_of(dc.context)("setup.resume_offer")

    def in_progress(self, dc: DialogContext) -> str:
        return translator_of(dc.context)("setup.in_progress")

    # --- the steps ---------------------------------------------------------------------------------

    @staticmethod
    def _choices(step: str, t: Translator) -> tuple[Choice, ...]:
        if step == "customers":
            return (Choice(t("setup.all_customers"), "all"),)
        if step == "services":
            return (Choice(t("setup.every_service"), "all"),)
        if step == "kinds":
            return tuple(Choice(t(f"setup.kind_{kind}"), kind) for kind in SUBSCRIPTION_KINDS)
        if step == "owners":
            return (Choice(t("setup.skip_owners"), "skip"),)
        return (Choice(t("setup.no_quiet"), "none"),) if step == "quiet" else ()

    async def offers(self, dc: DialogContext, text: str) -> bool:
        """Its choices typed; at the owners step also a message that @mentions people (its text, the
        mentions taken out, is empty: it is the answer, not a bare 'help')."""
        state, t = self.load(dc), translator_of(dc.context)
        if state.step == "owners" and self._mentions_people(dc):
            return True
        try:
            match_choice(text, self._choices(state.step, t), "", "")
        except InvalidAnswer:
            return False
        return True

    async def ask(
        self, dc: DialogContext, state: SetupState, step: str = "", problem: str = "", help_text: bool = False
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        asked = step or state.missing()
        if asked != state.step:
            state.misses = 0
        state.step = asked
        self.save(dc, state)
        if asked == SUMMARY:
            if problem or help_text:
                await dc.context.send_activity(text_reply(problem or t("setup.help_summary")))
            await dc.context.send_activity(card_reply(self._summary(state, t)))
            return Dialog.end_of_turn
        if state.misses >= MAX_MISSES:
            problem = f"{problem} {t('setup.three_misses')}".strip()
        details = (t(f"setup.help_{asked}"), t("setup.help_footer")) if help_text else ()
        question = Question(
            key=state.key,
            step=asked,
            heading=t("setup.heading"),
            progress=t("escalation.progress", number=len(state.answered) + 1),
            prompt=t(self._prompt_id(dc, asked), most=MOST_HOURS),
            details=details,
            choices=self._choices(asked, t),
            problem=problem,
            hint=t("escalation.hint_text") if asked in FREE_TEXT_STEPS else t("escalation.hint_choice"),
            can_go_back=bool(state.answered),
            flow=self.id,
            offers_form=False,
        )
        await dc.context.send_activity(card_reply(question_card(question, t)))
        return Dialog.end_of_turn

    @staticmethod
    def _mentions_people(dc: DialogContext) -> bool:
        activity = dc.context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        return any(teams_id != bot_id for teams_id, _ in mentions(activity))

    @staticmethod
    def _personal(dc: DialogContext) -> bool:
        """A 1:1 chat: nobody else to @mention, so the owners question says where mentions work."""
        conversation = dc.context.activity.conversation
        return (conversation.conversation_type or "") == "personal" if conversation else False

    def _prompt_id(self, dc: DialogContext, step: str) -> str:
        return "setup.ask_owners_personal" if step == "owners" and self._personal(dc) else f"setup.ask_{step}"

    def _summary(self, state: SetupState, t: Translator) -> AdaptiveCard:
        if state.every_customer:
            owners = t("setup.owners_every_customer")
        else:
            owners = ", ".join(name for _, name in state.owners) or t("setup.owners_kept")
        values = {
            "customers": ", ".join(state.customer_names) or t("setup.all_customers"),
            "services": ", ".join(state.services) or t("setup.every_service"),
            "kinds": t(f"setup.kind_{state.kinds}"),
            "quiet": t("setup.quiet_hours", hours=state.quiet) if state.quiet else t("setup.no_quiet"),
            "owners": owners,
        }
        # With every customer no owners change (the module's docstring): nothing to edit, so no button.
        fields = [
            SummaryField(
                step, t(f"setup.field_{step}"), value, not (step == "owners" and state.every_customer)
            )
            for step, value in values.items()
        ]
        return summary_card(
            state.key,
            t("setup.summary_subtitle"),
            fields,
            t,
            self.id,
            t("setup.summary_title"),
            t("setup.summary_hint"),
            t(self.submit_id),
        )

    async def answer(
        self, dc: DialogContext, state: SetupState, step: str, text: str, pressed: bool
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        if step != state.step:  # an earlier question's button
            return await self.ask(dc, state, step=state.step)
        if step == SUMMARY:
            return await self.answer_summary(dc, state, text)
        if step in FREE_TEXT_STEPS and not pressed and not (step == "quiet" and text.strip().isdigit()):
            picked = typed_choice(text, self._choices(step, t))  # 'every service', 'no quiet hours'
            text, pressed = (picked.value, True) if picked else (text, False)
        try:
            if step == "kinds":
                kind = KIND_WORDS.get(text.strip().casefold()) or text
                state.kinds = choice(t, kind, self._choices(step, t)).value
            elif (pressed and text == "all") or (
                step not in ("quiet", "owners") and text.strip().casefold() in EVERYONE
            ):
                self._take_all(state, step)
            elif step == "customers":
                customers = await self.customers_validator(text, t)
                state.customer_ids = [c.customer_id for c in customers]
                state.customer_names = [c.name for c in customers]
                state.customers_done = True
            elif step == "services":
                state.services, state.services_done = await self.services_validator(text, state, t), True
            elif step == "owners":
                state.owners = [] if pressed and text == "skip" else await self.owners_validator(dc, text, t)
                state.owners_done = True
            elif step == "quiet":
                hours = quiet_hours("none" if pressed and text == "none" else text)
                if hours is None:
                    raise InvalidAnswer(t("quiet.hours", most=MOST_HOURS))
                state.quiet = hours
        except InvalidAnswer as error:
            state.misses += 1
            return await self.ask(dc, state, step=step, problem=error.reason)
        state.answer_taken(step)
        return await self.ask(dc, state)

    @staticmethod
    def _take_all(state: SetupState, step: str) -> None:
        if step == "customers":
            state.customer_ids, state.customer_names, state.customers_done = [], [], True
            state.owners, state.owners_done = [], False  # all customers: no owners change
        else:
            state.services, state.services_done = [], True

    async def customers_validator(self, text: str, t: Translator) -> list[Customer]:
        """Each name's one customer; a name several customers share, or a typo, is asked again naming
        those it could be (never 'isn't a customer' for a name two customers have)."""
        known = await self._backend.list_customers()
        customers: list[Customer] = []
        for name in _customer_names(text, known) or [""]:
            match = resolve_customer(known, name) if len(name) <= MAX_NAME_LENGTH else NotFound(name)
            if isinstance(match, Ambiguous):
                names = _either([c.name for c in match.candidates[:MAX_NAMED]], t)
                raise InvalidAnswer(t("setup.ambiguous_customer", value=name[:40], names=names))
            if isinstance(match, NotFound):
                unknown = t("setup.unknown_customer", value=name[:40])
                if match.suggestions:
                    names = _either([c.name for c in match.suggestions[:MAX_NAMED]], t)
                    unknown = f"{unknown} {t('setup.did_you_mean', names=names)}"
                raise InvalidAnswer(unknown)
            customers += [match.customer] if match.customer not in customers else []
        return customers

    async def services_validator(self, text: str, state: SetupState, t: Translator) -> list[str]:
        customers = [c for c in await self._backend.list_customers() if c.customer_id in state.customer_ids]
        read = await read_healths(self._backend, customers or await self._backend.list_customers())
        healths = [h for h in read.values() if isinstance(h, TenantHealth)]
        refusals = [h for h in read.values() if not isinstance(h, TenantHealth)]
        services: list[str] = []
        for name in _names(text) or [""]:
            # 'azure' (애저): the customers' Azure events, as 'subscribe contoso azure' hears them.
            found = (
                [AZURE_SERVICE] if names_azure(name) else [s for h in healths for s in self._matches(h, name)]
            )
            if not found and refusals and not healths:
                # No customer's services can be read (Tailspin alone, without delegated access): say why.
                raise InvalidAnswer(refusals[0].wording(t)[1])
            if not found:
                raise InvalidAnswer(t("setup.unknown_service", value=name[:40]))
            services += [s for s in dict.fromkeys(found) if s not in services]
        return services

    async def owners_validator(self, dc: DialogContext, text: str, t: Translator) -> list[list[str]]:
        """The people @mentioned, as the roster names them; anyone it can't place is named back and the
        question asked again (never half the people: the owners would silently be fewer than named)."""
        if skips(text):
            return []
        mentioned = await mentioned_people(dc.context)
        if mentioned.unknown:
            names = ", ".join(name[:40] for name in mentioned.unknown)
            raise InvalidAnswer(t("setup.owners_unknown", names=names))
        if not mentioned.people:
            raise InvalidAnswer(t("setup.no_mention_personal" if self._personal(dc) else "setup.no_mention"))
        return [[owner.object_id, owner.name] for owner in mentioned.people]

    @staticmethod
    def _matches(health: TenantHealth, name: str) -> list[str]:
        try:
            return [s.name for s in match_services(health, name)] if name else []
        except UnknownService:
            return []

    async def edit(self, dc: DialogContext, state: SetupState, step: str) -> DialogTurnResult:
        if step not in STEPS or state.missing() != SUMMARY:
            return await self.ask(dc, state, step=state.step)
        if step == "owners" and state.every_customer:
            problem = translator_of(dc.context)("setup.owners_every_customer")
            return await self.ask(dc, state, step=state.step, problem=problem)
        return await self.ask(dc, state, step=step)

    async def submit(self, dc: DialogContext, state: SetupState) -> DialogTurnResult:
        """Subscribe as `subscribe` does, one subscription per customer chosen, then the quiet hours."""
        if state.missing() != SUMMARY:
            return await self.ask(dc, state)
        t, activity, now = translator_of(dc.context), dc.context.activity, self._clock()
        conversation = conversation_key(activity)
        everyone = list(await self._backend.list_customers())
        chosen = [c for c in everyone if c.customer_id in state.customer_ids]
        if state.customer_ids and not chosen:
            # Those named are gone since (a GDAP relationship ended): never every customer in their place.
            await dc.context.send_activity(text_reply(t("setup.customers_gone")))
            return await dc.end_dialog()
        # 'All' under scoped access is each customer the person sees now, never the growing wildcard.
        each = chosen or ([] if self._scope.everything else everyone)
        rows = [(c.customer_id, c.name) for c in each]
        if not rows and self._scope.everything:
            rows = [(ALL_CUSTOMERS, "every customer")]
        if not rows:
            # 'All customers' from someone GDAP grants none: said as `subscribe all` says it, not 'done'.
            none_seen = t("subscription.none_seen", where=where(activity, t))
            await dc.context.send_activity(
                card_reply(notice_card(t("notify.not_subscribed_title"), none_seen))
            )
            return await dc.end_dialog()
        await self._watcher.baseline(chosen or everyone)
        for customer_id, name in rows:
            subscription = Subscription(conversation, customer_id, tuple(state.services), state.kinds)
            await self._subscriptions.add(subscription, now)
            await self._audit.record(audit_entry(activity, "subscription.added", name, now))
        if state.owners_done and state.owners and chosen:
            await self._name_owners(activity, chosen, state.named_owners(), now)
        await self._conversations.set_language(conversation, t.language)
        if state.quiet:
            until = now + timedelta(hours=state.quiet)
            await self._conversations.set_quiet(conversation, now, until)
            self._refresh()
            await self._audit.record(audit_entry(activity, "quiet.set", until.isoformat(), now))
        done = notice_card(t("setup.done_title"), t("setup.done", where=where(activity, t).capitalize()))
        await dc.context.send_activity(card_reply(done))
        return await dc.end_dialog()

    async def _name_owners(
        self, activity: Activity, customers: list[Customer], owners: tuple[Owner, ...], now: datetime
    ) -> None:
        for customer in customers:
            before = await self._owners.replace(customer.customer_id, owners)
            detail = owners_change(customer.name, before, owners)
            await self._audit.record(audit_entry(activity, "owners.set", detail, now))
