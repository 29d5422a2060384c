"""The weekly message center digest's round (on the notices' leader): each conversation whose digest is
due gets one card listing what its `changes` subscriptions reached this past week and what must be
acted on in the next 30 days, in the language it subscribed in. While it is quiet the digest waits; it
goes when quiet ends (up to services.notices.weekly_changes.LATE_BY_AT_MOST after its time). The week is
taken on the schedule's record before the post, so two instances never both post it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.outbound.log_ids import conversation_hash
from bot.outbound.notice_delivery import NoticeDelivery
from cards.changes import weekly_changes_card
from locales.translator import Translator
from services.domain.ports import CustomerDirectory, KnownConversations, NoticeOutbox, Subscriptions
from services.notices.message_center_watch import MessageCenterWatch
from services.notices.weekly_changes import WeeklyChangesStore, weekly_digest

logger = logging.getLogger("bot.notices")


class WeeklyChangesDelivery:
    def __init__(
        self,
        delivery: NoticeDelivery,
        schedules: WeeklyChangesStore,
        subscriptions: Subscriptions,
        board: NoticeOutbox,
        message_center: MessageCenterWatch,
        conversations: KnownConversations,
        directory: CustomerDirectory,
        clock: Callable[[], datetime],
        act_by_within: timedelta,
    ) -> None:
        self._delivery = delivery
        self._schedules = schedules
        self._subscriptions = subscriptions
        self._board = board
        self._message_center = message_center
        self._conversations = conversations
        self._directory = directory
        self._clock = clock
        self._act_by_within = act_by_within

    async def post_due(self) -> int:
        """One round: how many digests were posted."""
        now = self._clock()
        due = [(s, slot) for s in await self._schedules.every() if (slot := s.due(now)) is not None]
        if not due:
            return 0
        customers = [c for c in await self._directory.list_customers() if c.delegated_access]
        names = {c.customer_id: c.name for c in customers}
        posted = 0
        for schedule, slot in due:
            known = await self._conversations.get(schedule.conversation)
            if known is None or not known.active or known.quiet_at(now):
                continue
            digest = await weekly_digest(
                schedule.conversation,
                self._subscriptions,
                self._board,
                self._message_center,
                list(names),
                now,
                self._act_by_within,
            )
            if digest is None or not await self._schedules.take(schedule.conversation, slot):
                continue
            card = weekly_changes_card(digest, names, now, Translator(known.language))
            if await self._delivery.post_card(known, card):
                posted += 1
                logger.info(
                    "weekly changes digest posted conversation=%s", conversation_hash(known.conversation)
                )
        return posted
