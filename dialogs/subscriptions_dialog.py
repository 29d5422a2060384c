"""`subscriptions`: what this conversation hears about, each with an Unsubscribe button."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.notifications import subscriptions_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.conversation_scope import conversation_key, where
from locales.translator import Translator
from services.access.scoped import CustomerScope
from services.domain.models import ALL_CUSTOMERS
from services.domain.ports import CustomerDirectory, KnownConversations, Subscriptions


class SubscriptionsDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        directory: CustomerDirectory,
        subscriptions: Subscriptions,
        conversations: KnownConversations,
        clock: Callable[[], datetime],
        scope: CustomerScope,
    ) -> None:
        super().__init__(dialog_id)
        self._scope = scope
        self._directory = directory
        self._subscriptions = subscriptions
        self._conversations = conversations
        self._clock = clock

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        conversation = conversation_key(activity)
        customers = {c.customer_id: c for c in await self._directory.list_customers()}
        # Under scoped access only what the reader sees is listed (a channel may hear of more: whoever
        # subscribed it saw those); unscoped, a customer since gone is still listed, to unsubscribe.
        everything = self._scope.everything
        items = [
            (s, customers.get(s.customer_id))
            for s in await self._subscriptions.of_conversation(conversation)
            if everything or s.customer_id in customers or s.customer_id == ALL_CUSTOMERS
        ]
        known = await self._conversations.get(conversation)
        quiet_until = known.quiet_until if known and known.quiet_at(self._clock()) else None
        return subscriptions_card(items, where(activity, t), quiet_until, t)
