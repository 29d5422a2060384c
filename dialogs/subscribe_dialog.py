"""`subscribe <customer | all> [service ...] [incidents | advisories | all | changes]`: this conversation
hears about that customer's incidents (or its message center's changes) from now on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.actions import run_command
from cards.notices import notice_card
from cards.notifications import subscribed_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.audit_records import audit_entry
from dialogs.conversation_scope import conversation_key, where
from dialogs.customer_choice import choose
from dialogs.incidents_dialog import split_customer_and_service
from dialogs.requests import CommandRequest
from locales.translator import Translator, words_for
from services.access.scoped import CustomerScope
from services.domain.errors import UnknownService
from services.domain.incidents import match_services
from services.domain.models import ALL_CUSTOMERS, SUBSCRIPTION_KINDS, Customer, Subscription
from services.domain.ports import AuditTrail, Backend, KnownConversations, Subscriptions
from services.notices.watcher import HealthWatcher

EVERYONE = words_for("words.everyone")
KIND_WORDS = {word: kind for kind in SUBSCRIPTION_KINDS for word in words_for(f"words.kind_{kind}")}


def split_kind(words: list[str]) -> tuple[list[str], str]:
    """A trailing 'incidents', 'advisories', 'all' or 'changes' says what to hear about (incidents by
    default)."""
    if len(words) > 1 and words[-1].casefold() in KIND_WORDS:
        return words[:-1], KIND_WORDS[words[-1].casefold()]
    return words, "incidents"


_AZURE_WORDS = words_for("words.azure")
# The service a subscription to Azure events names: every Azure notice's service starts with it.
AZURE_SERVICE = "Azure"


def names_azure(wanted: str) -> bool:
    """'azure' (애저) as a service: the customer's Azure events, never Microsoft Entra (once Azure AD)."""
    return bool(wanted.split()) and all(w.casefold() in _AZURE_WORDS for w in wanted.split())


def subscribe_command(customer: Customer, services: str, kinds: str) -> str:
    return " ".join(p for p in ("subscribe", customer.customer_id, services, kinds) if p)


class SubscribeDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        subscriptions: Subscriptions,
        conversations: KnownConversations,
        watcher: HealthWatcher,
        clock: Callable[[], datetime],
        audit: AuditTrail,
        scope: CustomerScope,
    ) -> None:
        super().__init__(dialog_id)
        self._scope = scope
        self._conversations = conversations
        self._audit = audit
        self._backend = backend
        self._subscriptions = subscriptions
        self._watcher = watcher
        self._clock = clock

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        words, kinds = split_kind(CommandRequest.from_options(options).argument.split())
        if not words:
            return notice_card(t("customer.which_title"), t("notify.which", where=where(activity, t)))
        customer: Customer | None = None
        if words[0].casefold() in EVERYONE:
            services = tuple(" ".join(words[1:]).split(",")) if len(words) > 1 else ()
            services = tuple(s.strip() for s in services if s.strip())
            if not self._scope.everything:
                return await self._each_seen(activity, services, kinds, t)
        else:
            match, rest = split_customer_and_service(words, await self._backend.list_customers())
            picked = choose(match, lambda c: subscribe_command(c, rest, kinds), "purpose.follow", t)
            if not isinstance(picked, Customer):
                return picked
            customer = picked
            services = await self._services(customer, rest)
        subscription = Subscription(
            conversation_key(activity), customer.customer_id if customer else ALL_CUSTOMERS, services, kinds
        )
        await self._watcher.baseline([customer] if customer else list(await self._backend.list_customers()))
        await self._subscriptions.add(subscription, self._clock())
        # Notices here speak the subscriber's language (their `language` choice, else their Teams').
        await self._conversations.set_language(subscription.conversation, t.language)
        await self._audit.record(
            audit_entry(
                activity, "subscription.added", customer.name if customer else "every customer", self._clock()
            )
        )
        return subscribed_card(subscription, customer, where(activity, t), t)

    async def _each_seen(
        self, activity: Activity, services: tuple[str, ...], kinds: str, t: Translator
    ) -> AdaptiveCard:
        """`subscribe all` under GDAP-scoped access: one subscription per customer the subscriber sees
        now, never the wildcard, which would grow with the partner's customers whoever subscribed."""
        conversation, now = conversation_key(activity), self._clock()
        seen = list(await self._backend.list_customers())
        if not seen:
            none_seen = t("subscription.none_seen", where=where(activity, t))
            return notice_card(t("notify.not_subscribed_title"), none_seen)
        await self._watcher.baseline(seen)
        for customer in seen:
            await self._subscriptions.add(
                Subscription(conversation, customer.customer_id, services, kinds), now
            )
        await self._conversations.set_language(conversation, t.language)
        names = ", ".join(c.name for c in seen)
        await self._audit.record(audit_entry(activity, "subscription.added", names or "no customer", now))
        return notice_card(
            t("subscription.subscribed"),
            t(
                "subscription.will_hear_each",
                where=where(activity, t).capitalize(),
                count=len(seen),
                customers=names,
            ),
            [run_command(t("notify.subscriptions"), "subscriptions")],
        )

    async def _services(self, customer: Customer, wanted: str) -> tuple[str, ...]:
        """The services named, as the customer's tenant names them; raises UnknownService for a typo."""
        if not wanted.strip():
            return ()
        if names_azure(wanted):
            # 'azure' (애저): the customer's Azure events only, whose notices name 'Azure <service>'.
            return (AZURE_SERVICE,)
        health = await self._backend.tenant_health(customer)
        try:
            return tuple(s.name for s in match_services(health, wanted))
        except UnknownService:  # "exchange teams" names two services: try each word
            names: list[str] = []
            for word in wanted.replace(",", " ").split():
                names += [s.name for s in match_services(health, word) if s.name not in names]
            return tuple(names)
