"""Message center changes as notices: the watcher reads each customer watched for `changes` (live, against
the Graph double, asking only for what changed since its last read) and the board keeps one notice per
message id across the customers it reaches, updated when Microsoft updates the message; a message that
is not a major change waits until its act-by date comes within the window. On the SQLite file and on
Azurite blobs alike."""

from __future__ import annotations

import copy
import warnings
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from services.backends.demo.backend import DemoBackend
from services.backends.live.backend import LiveBackend
from services.domain.models import CHANGES, ChangeKind, Customer, Subscription
from services.domain.ports import NoticeOutbox, Subscriptions
from services.notices.message_center_watch import MessageCenterWatch
from services.notices.watcher import HealthWatcher
from tests.doubles.live_world import TEST_LIMITS, LiveWorld
from tests.services.conftest import NoticeStores, OpenPlace, notice_stores
from tests.support.harness import DEMO_NOW

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
WOODGROVE_TENANT = "ae1932e5-16b5-57bb-b984-16f77d5a80f2"


def message(
    message_id: str = "MC910001",
    major: bool = True,
    act_by: datetime | None = DEMO_NOW + timedelta(days=40),
    modified: datetime = DEMO_NOW,
    title: str = "Microsoft Teams: classic meeting recordings move to Stream",
    services: tuple[str, ...] = ("Microsoft Teams",),
) -> dict[str, Any]:
    """A serviceUpdateMessage in Graph's shape."""

    def iso(moment: datetime | None) -> str | None:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None

    return {
        "id": message_id,
        "title": title,
        "category": "planForChange",
        "severity": "normal",
        "isMajorChange": major,
        "actionRequiredByDateTime": iso(act_by),
        "startDateTime": iso(modified - timedelta(hours=1)),
        "endDateTime": iso(DEMO_NOW + timedelta(days=120)),
        "lastModifiedDateTime": iso(modified),
        "services": list(services),
        "tags": ["Admin impact"],
        "body": {"contentType": "html", "content": "<p>Move your recordings before the date.</p>"},
    }


def publish(world: LiveWorld, raw: dict[str, Any], *tenants: str) -> None:
    for tenant in tenants:
        found = world.graph.messages.setdefault(tenant, {"value": []})["value"]
        found[:] = [m for m in found if m["id"] != raw["id"]] + [copy.deepcopy(raw)]


class Watching:
    def __init__(self, world: LiveWorld, stores: NoticeStores, watch: MessageCenterWatch) -> None:
        self.world, self.stores, self.watch = world, stores, watch
        self.now = DEMO_NOW
        # No health cache, so each poll reads what the doubles hold now.
        self.backend: LiveBackend = world.backend_with(limits=replace(TEST_LIMITS, health_ttl_seconds=0.0))
        self.watcher = HealthWatcher(
            self.backend,
            stores.subscriptions,
            stores.board,
            lambda: self.now,
            message_center=watch,
            act_by_within=timedelta(days=7),
        )

    async def customer(self, name: str) -> Customer:
        return next(c for c in await self.backend.list_customers() if c.name.startswith(name))


async def watching(world: LiveWorld, open_place: OpenPlace) -> Watching:
    place = await open_place()
    stores = await notice_stores(place)
    watching = Watching(world, stores, MessageCenterWatch(place))
    contoso = await watching.customer("Contoso")
    subscriptions = stores.subscriptions
    await subscriptions.add(Subscription("19:changes", "*", (), "changes"), DEMO_NOW)
    await subscriptions.add(Subscription("19:incidents", "*"), DEMO_NOW)
    await subscriptions.add(
        Subscription("19:contoso-teams", contoso.customer_id, ("Teams",), "changes"), DEMO_NOW
    )
    await subscriptions.add(
        Subscription("19:contoso-exchange", contoso.customer_id, ("Exchange",), "changes"), DEMO_NOW
    )
    assert (await watching.watcher.poll_once()).notices == [], (
        "what is there at the first read is the baseline"
    )
    return watching


async def test_a_new_major_change_in_two_tenants_is_one_notice_heard_where_changes_are_subscribed(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    w = await watching(live_world, open_place)
    try:
        publish(live_world, message(), CONTOSO_TENANT, WOODGROVE_TENANT)
        report = await w.watcher.poll_once()
        assert {n.incident.incident_id for n in report.notices} == {"MC910001"}
        assert report.notices[0].change is ChangeKind.NEW, "then it spreads to the second tenant"
        notice = await w.stores.board.notice("MC910001")
        assert notice is not None and notice.incident.is_change
        contoso, woodgrove = await w.customer("Contoso"), await w.customer("Woodgrove")
        assert set(notice.customer_ids) == {contoso.customer_id, woodgrove.customer_id}
        following = {d.conversation: followed for _, d, followed in await w.stores.board.due(w.now)}
        assert set(following) == {"19:changes", "19:contoso-teams"}, "not incidents, not Exchange changes"
        assert following["19:contoso-teams"] == (contoso.customer_id,)

        # Nothing changed: another cycle tells nothing.
        assert (await w.watcher.poll_once()).notices == []
    finally:
        await w.backend.close()


async def test_a_cycle_asks_each_watched_customer_for_what_changed_since_once(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    """One Graph request per customer watched for changes per cycle, beside its health read: the same
    cycle without message centers makes one request fewer per customer, none for the others."""
    w = await watching(live_world, open_place)
    without = HealthWatcher(w.backend, w.stores.subscriptions, w.stores.board, lambda: w.now)
    try:
        publish(live_world, message(), CONTOSO_TENANT, WOODGROVE_TENANT)
        # Pages of 2: reading a whole message center (5 or 6 messages) would take 3 requests.
        live_world.graph.page_size = 2
        live_world.graph.calls.clear()
        await without.poll_once()
        health_only = dict(live_world.graph.calls)
        live_world.graph.calls.clear()
        await w.watcher.poll_once()
        with_changes = dict(live_world.graph.calls)
        assert set(with_changes) == set(health_only)
        assert {t: with_changes[t] - health_only[t] for t in with_changes} == dict.fromkeys(with_changes, 1)
    finally:
        await w.backend.close()


async def test_microsoft_updating_the_message_updates_the_same_notice(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    w = await watching(live_world, open_place)
    try:
        publish(live_world, message(), CONTOSO_TENANT, WOODGROVE_TENANT)
        await w.watcher.poll_once()
        first = await w.stores.board.notice("MC910001")
        assert first is not None
        later = DEMO_NOW + timedelta(hours=3)
        w.now = later
        updated = message(modified=later, title="Microsoft Teams: recordings move to Stream (updated)")
        publish(live_world, updated, CONTOSO_TENANT, WOODGROVE_TENANT)
        report = await w.watcher.poll_once()
        assert {(n.incident.incident_id, n.change) for n in report.notices} == {("MC910001", ChangeKind.POST)}
        notice = await w.stores.board.notice("MC910001")
        assert notice is not None and notice.incident.title.endswith("(updated)")
        assert len(notice.customer_ids) == 2 and notice.version > first.version
        assert (await w.watcher.poll_once()).notices == [], "read again unchanged: no news"
    finally:
        await w.backend.close()


async def test_a_message_waits_until_its_act_by_date_comes_within_the_window(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    w = await watching(live_world, open_place)
    try:
        minor = message("MC910002", major=False, act_by=DEMO_NOW + timedelta(days=10))
        major = message("MC910003", major=True, act_by=DEMO_NOW + timedelta(days=12))
        informational = message("MC910004", major=False, act_by=None)
        publish(live_world, minor, CONTOSO_TENANT)
        publish(live_world, major, CONTOSO_TENANT)
        publish(live_world, informational, CONTOSO_TENANT)
        first = await w.watcher.poll_once()
        assert [(n.incident.incident_id, n.incident.status.code) for n in first.notices] == [
            ("MC910003", "majorChange")
        ], "the major change at once; the minor one is not yet near its date; the informational never"

        # Another message later moves the read on past these three.
        publish(
            live_world,
            message("MC910005", major=False, act_by=None, modified=DEMO_NOW + timedelta(hours=1)),
            CONTOSO_TENANT,
        )
        assert (await w.watcher.poll_once()).notices == []

        # Four days on, Graph returns none of them (none was modified): the minor message's date is now 6
        # days away, and it is told of from what the watcher kept.
        w.now = DEMO_NOW + timedelta(days=4)
        due = await w.watcher.poll_once()
        assert [(n.incident.incident_id, n.change, n.incident.status.code) for n in due.notices] == [
            ("MC910002", ChangeKind.NEW, "actionDue")
        ]

        # Two days more: the major change's date is 6 days away, news on its own card.
        w.now = DEMO_NOW + timedelta(days=6)
        later = await w.watcher.poll_once()
        assert [(n.incident.incident_id, n.change, n.version) for n in later.notices] == [
            ("MC910003", ChangeKind.STATUS, 2)
        ]
        assert (await w.watcher.poll_once()).notices == []
        assert await w.stores.board.notice("MC910004") is None
    finally:
        await w.backend.close()


async def test_a_message_center_that_cannot_be_read_announces_nothing_and_loses_nothing(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    w = await watching(live_world, open_place)
    try:
        publish(live_world, message(), CONTOSO_TENANT)
        live_world.graph.fail(403, times=1000, path="/serviceAnnouncement/messages")
        assert (await w.watcher.poll_once()).notices == []
        live_world.graph.faults.queue.clear()
        report = await w.watcher.poll_once()
        assert [n.incident.incident_id for n in report.notices] == ["MC910001"]
    finally:
        await w.backend.close()


async def test_subscribing_again_after_a_gap_sets_a_new_baseline(
    live_world: LiveWorld, open_place: OpenPlace
) -> None:
    """What a customer's message center gained while nobody watched it for changes is not announced when
    a conversation subscribes again (as the subscribe dialog does: baseline, then add)."""
    w = await watching(live_world, open_place)
    try:
        woodgrove = await w.customer("Woodgrove")
        everyone = await w.stores.subscriptions.of_conversation("19:changes")
        await w.stores.subscriptions.remove(everyone)
        publish(live_world, message("MC910010", modified=DEMO_NOW + timedelta(hours=1)), WOODGROVE_TENANT)
        w.now = DEMO_NOW + timedelta(hours=2)
        await w.watcher.poll_once()  # Woodgrove is not watched for changes: its message center isn't read
        await w.watcher.baseline([woodgrove])
        await w.stores.subscriptions.add(Subscription("19:w", woodgrove.customer_id, (), "changes"), w.now)
        assert (await w.watcher.poll_once()).notices == [], "from before the subscription"
        publish(live_world, message("MC910011", modified=w.now), WOODGROVE_TENANT)
        report = await w.watcher.poll_once()
        assert [n.incident.incident_id for n in report.notices] == ["MC910011"]
    finally:
        await w.backend.close()


class _StorageGoesDown:
    """Subscriptions that answer the health read, then fail the message centers' (storage went away)."""

    async def watched_customers(self, kind: str | None = None) -> tuple[bool, frozenset[str]]:
        if kind == CHANGES:
            raise OSError("storage out of reach")
        return True, frozenset()


async def test_storage_failing_between_the_two_reads_fails_the_poll_and_starts_no_round(
    demo: DemoBackend,
) -> None:
    watcher = HealthWatcher(
        demo,
        cast(Subscriptions, _StorageGoesDown()),
        cast(NoticeOutbox, None),
        lambda: DEMO_NOW,
        message_center=cast(MessageCenterWatch, object()),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(OSError, match="storage out of reach"):
            await watcher.poll_once()
    assert [str(w.message) for w in caught] == [], "a health round was made and never run"
