"""The weekly message center digest: when each conversation wants it (`changes weekly mon 9`, in the time
zone of whoever set it), which week's it was last posted for, and what goes in it. One record per
conversation (`weekly_changes/<conversation>`) in the SQLite file or on shared blobs alike.

Once a week even with several instances: the leader posts it, and before posting takes the week on the
record (compare-and-set of `last_slot`), so an instance that took leadership meanwhile finds the week
taken. Taken before the post, so a post cut off by a crash is not made twice (that week's digest is
then lost; the next week's comes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.domain.models import (
    CHANGES,
    DUE_WITHIN,
    Incident,
    Notice,
    Subscription,
    WeeklyDigest,
    WeeklyRow,
)
from services.domain.ports import NoticeOutbox, Subscriptions
from services.domain.service_messages import as_notice_incident
from services.notices.message_center_watch import MessageCenterWatch
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE

COLLECTION = "weekly_changes"
WEEK = timedelta(days=7)
# A digest whose moment passed longer ago than this (the bot was down, or quiet: at most 72 hours) waits
# for next week's.
LATE_BY_AT_MOST = timedelta(days=3)


@dataclass(frozen=True)
class WeeklySchedule:
    """`weekday` 0 (Monday) to 6 at `hour` (0-23) in `zone` (an IANA name); `last_slot`: the moment of
    the last digest taken for posting."""

    conversation: str
    weekday: int
    hour: int
    zone: str
    last_slot: datetime | None = None

    def latest_slot(self, now: datetime) -> datetime:
        """The latest moment at or before `now` that is `weekday` at `hour` in the schedule's zone."""
        local = now.astimezone(zone_of(self.zone))
        slot = local.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        slot -= timedelta(days=(local.weekday() - self.weekday) % 7)
        if slot > local:
            slot -= WEEK
        return slot.astimezone(UTC)

    def due(self, now: datetime) -> datetime | None:
        """The slot to post now, if one is due and not yet taken."""
        slot = self.latest_slot(now)
        if now - slot > LATE_BY_AT_MOST or (self.last_slot is not None and self.last_slot >= slot):
            return None
        return slot


def zone_of(name: str) -> tzinfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class WeeklyChangesStore:
    def __init__(self, place: Place) -> None:
        self._records = records_in(place, COLLECTION)

    async def set(self, schedule: WeeklySchedule, now: datetime) -> None:
        """A new time: this week's digest, if its moment already passed, is not posted late for it."""
        taken = schedule.latest_slot(now)
        record = {"weekday": schedule.weekday, "hour": schedule.hour, "zone": schedule.zone}
        await self._records.put({**record, "last_slot": taken.isoformat()}, schedule.conversation)

    async def clear(self, conversation: str) -> bool:
        gone = [False]

        def change(current: dict[str, Any] | None) -> Any:
            gone[0] = current is not None
            return None if current is not None else NO_CHANGE

        await self._records.change(change, conversation)
        return gone[0]

    async def of_conversation(self, conversation: str) -> WeeklySchedule | None:
        record = await self._records.get(conversation)
        return _schedule(conversation, record) if record else None

    async def every(self) -> list[WeeklySchedule]:
        return [_schedule(key[0], r) for key, r in (await self._records.values()).items()]

    async def take(self, conversation: str, slot: datetime) -> bool:
        """Take `slot`'s digest for posting; False when it was taken already (by another instance)."""
        taken = [False]

        def change(current: dict[str, Any] | None) -> Any:
            taken[0] = False
            if current is None:
                return NO_CHANGE
            last = current.get("last_slot")
            if last is not None and datetime.fromisoformat(last) >= slot:
                return NO_CHANGE
            taken[0] = True
            return {**current, "last_slot": slot.isoformat()}

        await self._records.change(change, conversation)
        return taken[0]

    async def forget_conversation(self, conversation: str) -> None:
        await self._records.delete(conversation)


def _schedule(conversation: str, record: dict[str, Any]) -> WeeklySchedule:
    last = record.get("last_slot")
    return WeeklySchedule(
        conversation,
        int(record["weekday"]),
        int(record["hour"]),
        str(record.get("zone") or "UTC"),
        datetime.fromisoformat(last) if last else None,
    )


async def weekly_digest(
    conversation: str,
    subscriptions: Subscriptions,
    board: NoticeOutbox,
    watch: MessageCenterWatch,
    everyone: Sequence[str],
    now: datetime,
    act_by_within: timedelta,
) -> WeeklyDigest | None:
    """What the conversation's `changes` subscriptions reach: the message center notices first told this
    past week, and every message (told or still waiting for its window) whose act-by date is in the next
    DUE_WITHIN, nearest first. None when the conversation subscribes to no changes. `everyone`: the
    customer ids a subscription to every customer reaches."""
    followed = [s for s in await subscriptions.of_conversation(conversation) if s.kinds == CHANGES]
    if not followed:
        return None
    rows: dict[str, WeeklyRow] = {}
    notices = [n for n in await board.notices() if n.incident.is_change]
    for notice in notices:
        reached = _reached(followed, notice.customer_ids, notice.incident)
        if reached:
            rows[notice.incident.incident_id] = WeeklyRow(notice.incident, reached, _is_new(notice, now))
    customer_ids = {c for s in followed for c in ([*everyone] if s.customer_id == "*" else [s.customer_id])}
    waiting: dict[str, tuple[Incident, list[str]]] = {}
    for customer_id, position in sorted((await watch.positions(customer_ids)).items()):
        for message in position.waiting:
            incident = as_notice_incident(message, now, act_by_within)
            waiting.setdefault(message.message_id, (incident, []))[1].append(customer_id)
    for message_id, (incident, ids) in waiting.items():
        reached = _reached(followed, tuple(ids), incident)
        if reached and message_id not in rows:
            rows[message_id] = WeeklyRow(incident, reached, False)
    new = sorted((r for r in rows.values() if r.new), key=lambda r: r.message.incident_id)
    due = sorted(
        (r for r in rows.values() if _due(r.message, now)),
        key=lambda r: (r.message.act_by or now, r.message.incident_id),
    )
    return WeeklyDigest(tuple(new), tuple(due))


def _reached(
    followed: Sequence[Subscription], customer_ids: Sequence[str], incident: Incident
) -> tuple[str, ...]:
    return tuple(c for c in customer_ids if any(s.covers(c, incident) for s in followed))


def _is_new(notice: Notice, now: datetime) -> bool:
    return now - notice.first_seen <= WEEK


def _due(message: Incident, now: datetime) -> bool:
    return (
        message.act_by is not None and not message.is_resolved and now <= message.act_by <= now + DUE_WITHIN
    )
