"""The weekly message center digest's schedule and contents, on the SQLite file and on Azurite blobs: its
moment in the setter's time zone, taken once across two instances, and what it lists."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from services.domain.models import (
    Customer,
    MessageCategory,
    MessageSeverity,
    ServiceMessage,
    Subscription,
)
from services.domain.service_messages import as_notice_incident
from services.notices.message_center_watch import MessageCenterPosition, MessageCenterWatch
from services.notices.weekly_changes import WeeklyChangesStore, WeeklySchedule, weekly_digest
from tests.services.conftest import OpenPlace, notice_stores

# A Tuesday.
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.mark.parametrize(
    ("weekday", "hour", "zone", "latest"),
    [
        (1, 9, "UTC", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),  # this very hour
        (1, 10, "UTC", datetime(2026, 11, 17, 10, 0, tzinfo=UTC)),  # later today: last week's
        (0, 9, "UTC", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        (2, 0, "UTC", datetime(2026, 11, 18, 0, 0, tzinfo=UTC)),
        # 18:30 in Seoul on Tuesday: Tuesday 09:00 there was 00:00 UTC.
        (1, 9, "Asia/Seoul", datetime(2026, 11, 24, 0, 0, tzinfo=UTC)),
        # 01:30 in Los Angeles on Tuesday: Monday 17:00 there was Tuesday 01:00 UTC.
        (0, 17, "America/Los_Angeles", datetime(2026, 11, 24, 1, 0, tzinfo=UTC)),
        (1, 9, "No/Such_Zone", datetime(2026, 11, 24, 9, 0, tzinfo=UTC)),
    ],
)
def test_the_latest_moment_is_that_day_and_hour_in_the_setters_zone(
    weekday: int, hour: int, zone: str, latest: datetime
) -> None:
    schedule = WeeklySchedule("19:c", weekday, hour, zone)
    assert schedule.latest_slot(NOW) == latest
    assert schedule.due(NOW) == (latest if NOW - latest <= timedelta(days=3) else None), "3 days late at most"


async def test_setting_a_time_never_posts_late_for_this_week_and_next_week_is_taken_once_of_two_instances(
    open_place: OpenPlace,
) -> None:
    one, two = WeeklyChangesStore(await open_place()), WeeklyChangesStore(await open_place())
    await one.set(WeeklySchedule("19:c", 1, 9, "UTC"), NOW)
    (schedule,) = await two.every()
    assert schedule.due(NOW) is None, "set after this week's moment: nothing until next week"
    later = NOW + WEEK
    slot = schedule.due(later)
    assert slot == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    taken = await asyncio.gather(one.take("19:c", slot), two.take("19:c", slot))
    assert sorted(taken) == [False, True]
    (after,) = await one.every()
    assert after.due(later) is None
    assert after.due(later + timedelta(days=4)) is None, "more than 3 days late: wait for next week"
    assert after.due(later + WEEK) == slot + WEEK


def message(
    message_id: str, act_by: datetime | None, major: bool, services: tuple[str, ...]
) -> ServiceMessage:
    return ServiceMessage(
        message_id,
        f"{message_id} title",
        services,
        MessageCategory.PLAN_FOR_CHANGE,
        MessageSeverity.NORMAL,
        major,
        act_by,
        NOW - WEEK,
        NOW + 10 * WEEK,
        NOW - timedelta(days=1),
    )


async def test_the_digest_lists_this_weeks_notices_and_what_is_due_within_30_days_where_it_subscribes(
    open_place: OpenPlace,
) -> None:
    place = await open_place()
    stores = await notice_stores(place)
    watch = MessageCenterWatch(place)
    contoso = Customer("c-contoso", "t-contoso", "Contoso Ltd", "contoso.com", "reseller", True)
    woodgrove = Customer("c-woodgrove", "t-woodgrove", "Woodgrove Bank", "woodgrove.com", "reseller", True)
    await stores.subscriptions.add(Subscription("19:c", "c-contoso", ("Teams",), "changes"), NOW)
    await stores.subscriptions.add(Subscription("19:c", "c-woodgrove"), NOW)  # incidents: not in the digest
    await stores.subscriptions.add(Subscription("19:none", "c-contoso"), NOW)
    told = message("MC1001", NOW + timedelta(days=5), True, ("Microsoft Teams",))
    exchange = message("MC1002", NOW + timedelta(days=3), True, ("Exchange Online",))
    for customer in (contoso, woodgrove):
        await stores.board.observe_tenant(customer, (), NOW - WEEK, announce=False)
        for m in (told, exchange):
            await stores.board.observe_tenant(customer, (as_notice_incident(m, NOW, WEEK),), NOW)
    waiting = message("MC1003", NOW + timedelta(days=20), False, ("Microsoft Teams",))
    far = message("MC1004", NOW + timedelta(days=45), False, ("Microsoft Teams",))
    await watch.advance("c-contoso", MessageCenterPosition(NOW, (waiting, far)))
    await watch.advance("c-woodgrove", MessageCenterPosition(NOW, (waiting,)))

    digest = await weekly_digest(
        "19:c", stores.subscriptions, stores.board, watch, ["c-contoso", "c-woodgrove"], NOW, WEEK
    )
    assert digest is not None
    assert [(r.message.incident_id, r.customer_ids) for r in digest.new] == [("MC1001", ("c-contoso",))]
    assert [(r.message.incident_id, r.customer_ids) for r in digest.due] == [
        ("MC1001", ("c-contoso",)),
        ("MC1003", ("c-contoso",)),
    ], "nearest first; not Exchange, not Woodgrove (incidents only), not 45 days away"
    assert await weekly_digest("19:none", stores.subscriptions, stores.board, watch, [], NOW, WEEK) is None

    a_week_on = await weekly_digest(
        "19:c", stores.subscriptions, stores.board, watch, [], NOW + WEEK + timedelta(hours=1), WEEK
    )
    assert a_week_on is not None and a_week_on.new == (), "last week's notice is no longer new"
