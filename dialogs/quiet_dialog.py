"""`quiet <hours>`: hold this conversation's notices for a while, then deliver them as one digest."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.audit_records import audit_entry
from dialogs.conversation_scope import conversation_key, where
from dialogs.requests import CommandRequest
from locales.translator import Translator, words_for
from services.domain.ports import AuditTrail, KnownConversations

MOST_HOURS = 72
_OFF = words_for("words.off")
# 'quiet 2h', 'quiet 2 hours', '조용히 2시간': the unit may follow the number.
_HOURS_UNIT = re.compile(r"\s*(?:hours?|hrs?|h|시간)$")


def quiet_hours(text: str) -> int | None:
    """The whole hours `text` asks to hold notices for (`2`, `2h`, `2시간`), 0 for off, None otherwise."""
    argument = _HOURS_UNIT.sub("", text.strip().casefold()).strip()
    if argument in _OFF:
        return 0
    # Whole hours only: '0.5', '1e-9' or '1.5' would be held for a time the reply can't honestly name.
    hours = int(argument) if argument.isascii() and argument.isdigit() else 0
    return hours if 0 < hours <= MOST_HOURS else None


class QuietDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        conversations: KnownConversations,
        clock: Callable[[], datetime],
        refresh: Callable[[], None],
        audit: AuditTrail,
    ) -> None:
        super().__init__(dialog_id)
        self._audit = audit
        self._conversations = conversations
        self._clock = clock
        self._refresh = refresh

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        hours = quiet_hours(CommandRequest.from_options(options).argument)
        conversation, here, now = conversation_key(activity), where(activity, t), self._clock()
        if hours == 0:
            known = await self._conversations.get(conversation)
            if known is None or not known.quiet_at(now):
                # Nothing to end: 'Quiet ended' would say it was quiet.
                return notice_card(t("quiet.not_quiet_title"), t("quiet.not_quiet", where=here.capitalize()))
            await self._conversations.end_quiet(conversation, now)
            self._refresh()
            await self._audit.record(audit_entry(activity, "quiet.ended", "", now))
            return notice_card(t("quiet.ended_title"), t("quiet.ended", where=here))
        if hours is None:
            return notice_card(t("quiet.hours_title"), t("quiet.hours", most=MOST_HOURS))
        until = now + timedelta(hours=hours)
        await self._conversations.set_quiet(conversation, now, until)
        await self._audit.record(audit_entry(activity, "quiet.set", until.isoformat(), now))
        return notice_card(
            t("quiet.title"), t("quiet.message", where=here.capitalize(), until=t.timestamp(until))
        )
