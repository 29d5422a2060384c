"""How long the bot keeps what it records, and the round that forgets the rest.

A support desk needs a turn's id only while Teams may redeliver it (minutes; kept 2 days), an outage's
notices and deliveries for a while after the incident resolved (a month: `notices` and follow-ups), and
who did what with the bot's reach for a year (audits). The leader runs a round every
BOT_RETENTION_INTERVAL_SECONDS on whichever store is in use; start-up never does this work.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.domain.ports import ActivityJournal, AuditRecords, NoticeOutbox

logger = logging.getLogger("bot.retention")


@dataclass(frozen=True)
class RetentionPeriods:
    journal: timedelta = timedelta(days=2)
    # Counted from when the incident resolved.
    notices: timedelta = timedelta(days=30)
    audit: timedelta = timedelta(days=365)


class Retention:
    def __init__(
        self,
        journal: ActivityJournal,
        board: NoticeOutbox,
        audit: AuditRecords,
        periods: RetentionPeriods,
        clock: Callable[[], datetime],
        also: Sequence[Callable[[datetime], Awaitable[int]]] = (),
    ) -> None:
        """`also`: other stores' rounds, each given the moment (Teams SSO's hour-old sign-in records)."""
        self._also = also
        self._journal = journal
        self._board = board
        self._audit = audit
        self._periods = periods
        self._clock = clock

    async def forget(self) -> tuple[int, int, int]:
        """One round: how many turns, incidents and audit entries went (also logged, one line)."""
        now = self._clock()
        turns = await self._journal.forget_before(now - self._periods.journal)
        incidents = await self._board.forget_resolved_before(now - self._periods.notices)
        entries = await self._audit.forget_before(now - self._periods.audit)
        for forget in self._also:
            await forget(now)
        logger.info("retention forgot turns=%d incidents=%d audit_entries=%d", turns, incidents, entries)
        return turns, incidents, entries
