"""Retention on either store: what is past its period goes, what is within it stays (the notice board's
incidents counted from when they resolved), and a second round finds nothing more."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from services.domain.models import AuditEntry, MessageCategory, MessageSeverity, ServiceMessage, Subscription
from services.domain.ports import AuditRecords
from services.domain.service_messages import as_notice_incident
from services.storage.audit_log import AuditLog
from tests.services.conftest import NoticeStores, OpenPlace
from tests.services.test_notice_board import CONTOSO, NOW, WOODGROVE, incident

DAY = timedelta(days=1)
MONTH_AGO = NOW - 30 * DAY


async def test_incidents_resolved_longer_ago_than_retention_lose_notices_deliveries_and_observations(
    stores: NoticeStores,
) -> None:
    board = stores.board
    await stores.subscriptions.add(Subscription("19:ops", "*"), NOW - 200 * DAY)
    # Active 45 days ago, resolved 40 days ago: past retention.
    await board.observe(CONTOSO, incident(identifier="EX-OLD", modified=NOW - 45 * DAY), NOW - 45 * DAY)
    old_resolved = incident(
        identifier="EX-OLD", resolved=True, status="serviceRestored", modified=NOW - 40 * DAY
    )
    await board.observe(CONTOSO, old_resolved, NOW - 40 * DAY)
    # Active as long ago, resolved 10 days ago: within retention.
    await board.observe(CONTOSO, incident(identifier="EX-RECENT", modified=NOW - 45 * DAY), NOW - 45 * DAY)
    recent = incident(
        identifier="EX-RECENT", resolved=True, status="serviceRestored", modified=NOW - 10 * DAY
    )
    await board.observe(CONTOSO, recent, NOW - 10 * DAY)
    # Going on for 100 days: never resolved, kept.
    await board.observe(CONTOSO, incident(identifier="EX-ONGOING", modified=NOW - 100 * DAY), NOW - 100 * DAY)
    # Resolved for Contoso 40 days ago, still going on for Woodgrove as far as its tenant last said: kept.
    await board.observe(WOODGROVE, incident(identifier="EX-SPLIT", modified=NOW - 45 * DAY), NOW - 45 * DAY)
    await board.observe(CONTOSO, incident(identifier="EX-SPLIT", modified=NOW - 45 * DAY), NOW - 45 * DAY)
    split = incident(identifier="EX-SPLIT", resolved=True, status="serviceRestored", modified=NOW - 40 * DAY)
    await board.observe(CONTOSO, split, NOW - 40 * DAY)
    # Going on since a subscription's baseline 100 days ago, never told: kept.
    baseline = incident(identifier="EX-BASELINE", modified=NOW - 100 * DAY)
    await board.observe_tenant(CONTOSO, (baseline,), NOW - 100 * DAY, announce=False)
    # First seen already resolved 40 days ago: an observation and no notice.
    quiet = incident(identifier="EX-QUIET", resolved=True, status="serviceRestored", modified=NOW - 40 * DAY)
    assert await board.observe(CONTOSO, quiet, NOW - 40 * DAY) is None
    # Resolved 29 days ago, observed then: one day from going.
    edge = incident(identifier="EX-EDGE", resolved=True, status="serviceRestored", modified=NOW - 29 * DAY)
    await board.observe(CONTOSO, edge, NOW - 29 * DAY)

    assert await board.forget_resolved_before(MONTH_AGO) == 2
    assert await board.notice("EX-OLD") is None
    assert await board.delivery("EX-OLD", "19:ops") is None
    for kept in ("EX-RECENT", "EX-ONGOING"):
        assert await board.notice(kept) is not None, kept
        assert await board.delivery(kept, "19:ops") is not None, kept
    # The baseline's observation stays: its next change is news, not a first sight.
    assert await board.observe(CONTOSO, replace(baseline, posts=baseline.posts * 2), NOW) is not None
    assert {n.incident.incident_id for n, _ in await board.latest(10)} == {
        "EX-RECENT",
        "EX-ONGOING",
        "EX-BASELINE",
        "EX-SPLIT",
    }
    assert "EX-OLD" not in {d.incident_id for _, d, _ in await board.due(NOW)}
    assert await board.forget_resolved_before(MONTH_AGO) == 0, "nothing more to forget"
    assert await board.forget_resolved_before(NOW) == 2, "EX-RECENT and EX-EDGE, once their time comes"


async def test_audit_entries_older_than_retention_go_and_younger_ones_stay(open_place: OpenPlace) -> None:
    place = await open_place()
    log: AuditRecords = AuditLog(place)
    for days_ago in (500, 366, 364, 10, 0):
        at = NOW - days_ago * DAY
        await log.record(AuditEntry(at, "oid-1", "Ana Bowman", "filed", f"{days_ago} days ago", "hash-1"))
    assert await log.forget_before(NOW - 365 * DAY) == 2
    assert [e.detail for e in await log.latest(10)] == ["0 days ago", "10 days ago", "364 days ago"]
    assert await log.forget_before(NOW - 365 * DAY) == 0


async def test_message_center_notices_go_once_the_message_left_the_message_center_before_retention(
    stores: NoticeStores,
) -> None:
    """Nothing tells the board when an unchanged message ends: it is forgotten by its end date, whether
    it was told of or only seen at a baseline."""
    board = stores.board
    await stores.subscriptions.add(Subscription("19:ops", "*", (), "changes"), NOW - 200 * DAY)

    def message(identifier: str, end: timedelta | None) -> ServiceMessage:
        return ServiceMessage(
            identifier,
            "A change",
            ("Microsoft Teams",),
            MessageCategory.PLAN_FOR_CHANGE,
            MessageSeverity.NORMAL,
            True,
            None,
            NOW - 100 * DAY,
            NOW - end if end is not None else None,
            NOW - 90 * DAY,
        )

    seen_at = NOW - 90 * DAY
    await board.observe_tenant(CONTOSO, (), seen_at, announce=False)
    for identifier, end in (("MC1", 40 * DAY), ("MC2", 10 * DAY), ("MC3", None)):
        await board.observe_tenant(
            CONTOSO, (as_notice_incident(message(identifier, end), seen_at, DAY),), seen_at
        )
    baseline = as_notice_incident(message("MC4", 40 * DAY), seen_at, DAY)
    await board.observe_tenant(WOODGROVE, (baseline,), seen_at, announce=False)
    assert {n.incident.incident_id for n, _ in await board.latest(10)} == {"MC1", "MC2", "MC3"}

    assert await board.forget_resolved_before(MONTH_AGO) == 2, "MC1, and MC4's observation"
    assert {n.incident.incident_id for n, _ in await board.latest(10)} == {"MC2", "MC3"}
    assert await board.delivery("MC1", "19:ops") is None
    assert await board.forget_resolved_before(NOW) == 1, "MC2 once its time comes; MC3 has no end"
