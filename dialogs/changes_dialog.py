"""`changes <customer> [service]`: a customer's open message center messages, major changes and nearest
act-by dates first; `changes` alone: what needs action within 30 days across the person's customers;
`changes weekly <day> <hour>` (or `off`): when this conversation gets the weekly message center digest,
at that hour in the time zone of whoever set it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.actions import changes_command
from cards.changes import changes_card, due_changes_card
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.audit_records import audit_entry
from dialogs.conversation_scope import conversation_key, where
from dialogs.customer_choice import choose
from dialogs.incidents_dialog import include_resolved, split_customer_and_service
from dialogs.language import zone_name
from dialogs.requests import CommandRequest
from locales.translator import ENGLISH, Translator, time_zone, words_for
from services.domain.models import CHANGES, Customer
from services.domain.ports import AuditTrail, Backend, Subscriptions
from services.domain.service_messages import due_changes, open_messages
from services.notices.weekly_changes import WeeklyChangesStore, WeeklySchedule

# 'changes all' asks across customers, as 'changes' alone does.
_EVERYONE = words_for("words.everyone")
_WEEKLY = words_for("words.weekly")
_OFF = words_for("words.off")
_WEEKDAYS = {word: day for day in range(7) for word in words_for(f"words.weekday_{day}")}
# '9', '09', '9:00', '9시' (Korean): an hour on the hour.
_HOUR = re.compile(r"^([0-9]{1,2})(?::00|시)?$")


@dataclass(frozen=True)
class WeeklyAsk:
    """What `changes weekly ...` asked: a day and hour, off (`weekday` None), or nothing valid."""

    weekday: int | None
    hour: int


def is_weekly(argument: str) -> bool:
    words = argument.split()
    return bool(words) and words[0].casefold() in _WEEKLY


def weekly_ask(argument: str) -> WeeklyAsk | None:
    """`weekly mon 9`, `weekly monday 09:00`, `매주 월 9시`, `weekly off`; None for anything else."""
    words = argument.casefold().split()[1:]
    if len(words) == 1 and words[0] in _OFF:
        return WeeklyAsk(None, 0)
    if len(words) != 2 or words[0] not in _WEEKDAYS:
        return None
    hour = _HOUR.fullmatch(words[1]) if words[1].isascii() or words[1].endswith("시") else None
    if hour is None or not hour.group(1).isascii() or int(hour.group(1)) > 23:
        return None
    return WeeklyAsk(_WEEKDAYS[words[0]], int(hour.group(1)))


class ChangesDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        clock: Callable[[], datetime],
        weekly: WeeklyChangesStore,
        subscriptions: Subscriptions,
        audit: AuditTrail,
    ) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._clock = clock
        self._weekly = weekly
        self._subscriptions = subscriptions
        self._audit = audit

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        argument = CommandRequest.from_options(options).argument
        if is_weekly(argument):
            return await self._weekly_answer(weekly_ask(argument), activity, t)
        return await self.answer(options, t)

    async def _weekly_answer(self, ask: WeeklyAsk | None, activity: Activity, t: Translator) -> AdaptiveCard:
        title = t("weekly_changes.set_title")
        if ask is None:
            return notice_card(title, t("weekly_changes.usage"))
        conversation, here, now = conversation_key(activity), where(activity, t), self._clock()
        if ask.weekday is None:
            gone = await self._weekly.clear(conversation)
            if gone:
                await self._audit.record(audit_entry(activity, "weekly_changes.off", "", now))
            return notice_card(
                title, t("weekly_changes.off" if gone else "weekly_changes.was_off", where=here.capitalize())
            )
        named = zone_name(activity)
        zone = named if named and time_zone(named) is not None else "UTC"
        await self._weekly.set(WeeklySchedule(conversation, ask.weekday, ask.hour, zone), now)
        # The log is a record, kept in English whatever the language of whoever set it.
        when = f"{ENGLISH(f'weekly_changes.day_{ask.weekday}')} {ask.hour:02d}:00"
        await self._audit.record(audit_entry(activity, "weekly_changes.set", f"{when} ({zone})", now))
        text = t(
            "weekly_changes.set",
            where=here.capitalize(),
            day=t(f"weekly_changes.day_{ask.weekday}"),
            hour=f"{ask.hour:02d}:00",
            zone=zone,
        )
        if not any(s.kinds == CHANGES for s in await self._subscriptions.of_conversation(conversation)):
            text += " " + t("weekly_changes.set_no_changes")
        return notice_card(title, text)

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        # 'changes contoso all', as 'incidents contoso all' is said: every open message, not a service.
        words, _ = include_resolved(CommandRequest.from_options(options).argument.split())
        now = self._clock()
        if not words or (len(words) == 1 and words[0].casefold() in _EVERYONE):
            return due_changes_card(await due_changes(self._backend, now), now, t)
        customers = await self._backend.list_customers()
        match, service = split_customer_and_service(words, customers)

        def command_for(customer: Customer) -> str:
            return " ".join(p for p in (changes_command(customer), service) if p)

        picked = choose(match, command_for, "purpose.see_changes", t)
        if not isinstance(picked, Customer):
            return picked
        messages = open_messages(await self._backend.tenant_messages(picked), now, service)
        return changes_card(picked, messages, now, t, service)
