"""The audit log on either store: newest first, at most what `audit` shows, and nothing lost when two
instances record at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.domain.models import AuditEntry
from services.domain.ports import AuditRecords
from services.storage.audit_log import MAX_ENTRIES_SHOWN, AuditLog
from services.storage.places import records_in
from tests.services.conftest import OpenPlace

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def entry(minute: int, action: str = "filed", actor: str = "Ana Bowman") -> AuditEntry:
    return AuditEntry(NOW + timedelta(minutes=minute), "oid-1", actor, action, f"SR {minute}", "hash-1")


@pytest.fixture
def open_log(open_place: OpenPlace) -> Callable[[], Awaitable[AuditRecords]]:
    """Opens the log on the test's storage; again for a second instance sharing it."""

    async def open_one() -> AuditRecords:
        place = await open_place()
        return AuditLog(place)

    return open_one


async def test_entries_come_back_newest_first_and_whole(
    open_log: Callable[[], Awaitable[AuditRecords]],
) -> None:
    log = await open_log()
    for minute in (1, 2, 3):
        await log.record(entry(minute))
    assert [e.detail for e in await log.latest(10)] == ["SR 3", "SR 2", "SR 1"]
    assert await log.latest(1) == [entry(3)]


async def test_audit_never_reads_more_than_it_shows(open_log: Callable[[], Awaitable[AuditRecords]]) -> None:
    log = await open_log()
    await asyncio.gather(*(log.record(entry(minute)) for minute in range(MAX_ENTRIES_SHOWN + 5)))
    latest = await log.latest(1000)
    assert len(latest) == MAX_ENTRIES_SHOWN and latest[0] == entry(MAX_ENTRIES_SHOWN + 4)


async def test_two_instances_recording_at_the_same_moment_keep_both(
    open_log: Callable[[], Awaitable[AuditRecords]],
) -> None:
    blue, green = await open_log(), await open_log()
    same = [entry(0, actor=name) for name in ("Ana", "Bob", "Cy", "Di")]
    await asyncio.gather(*(log.record(e) for log, e in zip([blue, green] * 2, same, strict=True)))
    assert sorted(e.actor_name for e in await green.latest(10)) == ["Ana", "Bob", "Cy", "Di"]


async def test_entries_of_one_moment_come_back_in_the_order_they_were_recorded(
    open_log: Callable[[], Awaitable[AuditRecords]],
) -> None:
    """One clock reading often serves a whole turn, so several entries can share their `at`."""
    log = await open_log()
    for name in ("Ana", "Bob", "Cy", "Di", "Ed"):
        await log.record(entry(0, actor=name))
    await log.record(entry(1, actor="Flo"))
    assert [e.actor_name for e in await log.latest(4)] == ["Flo", "Ed", "Di", "Cy"]


async def test_the_recorded_order_holds_when_a_turn_records_with_an_earlier_clock_reading(
    open_log: Callable[[], Awaitable[AuditRecords]],
) -> None:
    """Turns read their clock when they start, so one that started earlier may record later."""
    log = await open_log()
    for minute in (5, 3, 3, 4, 0, 6):
        await log.record(entry(minute, action=f"at {minute}"))
    assert [e.action for e in await log.latest(6)] == ["at 6", "at 0", "at 4", "at 3", "at 3", "at 5"]


async def test_an_entry_made_with_the_persons_token_keeps_their_upn_and_older_entries_still_load(
    open_place: OpenPlace,
) -> None:
    place = await open_place()
    log = AuditLog(place)
    signed = AuditEntry(NOW, "oid-1", "Ana Bowman", "request.filed", "SR 1", "hash-1", "ana@partner.example")
    await log.record(signed)
    # What a release before SSO wrote: no actor_upn at all.
    older = {k: v for k, v in entry(-5).__dict__.items() if k != "actor_upn"}
    await records_in(place, "audit").create(
        {**older, "at": older["at"].isoformat()}, "99999999999999999999-old"
    )
    newest, oldest = await log.latest(10)
    assert newest == signed and newest.actor_upn == "ana@partner.example"
    assert oldest == entry(-5) and oldest.actor_upn == ""
