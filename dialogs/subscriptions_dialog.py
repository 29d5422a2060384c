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
from services.domain.ports import CustomerDirectory, KnownConversations, Subscriptions


class SubscriptionsDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        directory: CustomerDirectory,
        subscriptions: Subscriptions,
        conversations: KnownConversations,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(dialog_id)
        self._directory = directory
        self._subscriptions = subscriptions
        self._conversations = conversations
        self._clock = clock

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        conversation = conversation_key(activity)
        customers = {c.customer_id: c for c in await self._directory.list_customers()}
        items = [
            (s, customers.get(s.customer_id)) for s in await self._subscriptions.of_conversation(conversation)
        ]
        known = await self._conversations.get(conversation)
        quiet_until = known.quiet_until if known and known.quiet_at(self._clock()) else None
        return subscriptions_card(items, where(activity, t), quiet_until, t)
