"""The watcher's diff and the notice board: what counts as news, once, for whom."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.backends.demo.backend import DemoBackend
from services.domain.errors import DelegatedAccessMissing
from services.domain.models import (
    AzureHealth,
    ChangeKind,
    Claim,
    Customer,
    DeliveryState,
    Incident,
    IncidentPost,
    ServiceHealth,
    ServiceStatus,
    Subscription,
    TenantHealth,
    TenantMessages,
)
from services.domain.ports import NoticeOutbox
from services.notices.conversations import ConversationStore
from services.notices.notice_board import (
    NoticeBoard,
    classify,
    fingerprint,
    incident_from_json,
    incident_to_json,
)
from services.notices.watcher import HealthWatcher
from services.storage.sqlite_database import SqliteDatabase
from tests.services.conftest import NoticeStores, OpenPlace, notice_stores
from tests.support.harness import DEMO_NOW, demo_backend

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CONTOSO = Customer("c-contoso", "t-contoso", "Contoso Ltd", "contoso.onmicrosoft.com", "reseller", True)
WOODGROVE = Customer("c-woodgrove", "t-wood", "Woodgrove Bank", "woodgrove.onmicrosoft.com", "reseller", True)


def incident(
    status: str = "serviceInterruption",
    posts: int = 1,
    resolved: bool = False,
    identifier: str = "EX2200001",
    modified: datetime = NOW,
) -> Incident:
    return Incident(
        incident_id=identifier,
        title="Mail delays",
        service="Exchange Online",
        feature="Mail flow",
        feature_group="E-Mail",
        status=ServiceStatus(status),
        classification="incident",
        impact="Delays",
        start=NOW - timedelta(hours=2),
        end=NOW if resolved else None,
        last_modified=modified,
        is_resolved=resolved,
        posts=tuple(IncidentPost(NOW - timedelta(minutes=n), f"Update {n}") for n in range(posts)),
    )


@pytest.mark.parametrize(
    ("before", "now", "change"),
    [
        (None, incident(), ChangeKind.NEW),
        (None, incident(resolved=True), None),
        (incident(), incident(), None),
        (incident(), incident(status="restoringService"), ChangeKind.STATUS),
        (incident(), incident(status="ServiceInterruption"), None),
        (incident(), incident(posts=2), ChangeKind.POST),
        (incident(), incident(status="serviceRestored", posts=2, resolved=True), ChangeKind.RESOLVED),
        (incident(resolved=True), incident(resolved=True), None),
    ],
)
def test_the_watchers_diff(before: Incident | None, now: Incident, change: ChangeKind | None) -> None:
    assert classify(fingerprint(before) if before else None, now) == change


def test_an_incident_survives_the_round_trip_through_storage() -> None:
    original = incident(posts=3, resolved=True)
    assert incident_from_json(incident_to_json(original)) == original


@pytest.fixture
async def board(stores: NoticeStores) -> NoticeOutbox:
    await stores.subscriptions.add(Subscription("19:ops", "*"), NOW)
    await stores.subscriptions.add(
        Subscription("19:contoso-team", CONTOSO.customer_id, ("Exchange Online",)), NOW
    )
    await stores.subscriptions.add(Subscription("a:advisories", "*", (), "advisories"), NOW)
    return stores.board


async def test_each_change_worth_telling_bumps_the_notice_for_each_subscribed_conversation(
    board: NoticeOutbox,
) -> None:
    first = await board.observe(CONTOSO, incident(), NOW)
    assert first is not None and (first.version, first.change) == (1, ChangeKind.NEW)
    assert await board.observe(CONTOSO, incident(), NOW) is None, "nothing new: no notice"
    second = await board.observe(CONTOSO, incident(posts=2), NOW)
    assert second is not None and (second.version, second.change) == (2, ChangeKind.POST)
    due = await board.due(NOW)
    assert sorted(d.conversation for _, d, _ in due) == ["19:contoso-team", "19:ops"]
    assert all(d.version == 2 and d.state == DeliveryState.PENDING for _, d, _ in due)


async def test_the_same_incident_in_another_tenant_is_the_same_notice_listing_both(
    board: NoticeOutbox,
) -> None:
    await board.observe(CONTOSO, incident(), NOW)
    spread = await board.observe(WOODGROVE, incident(), NOW)
    assert spread is not None
    assert (spread.change, spread.customer_ids, spread.version) == (
        ChangeKind.SPREAD,
        (CONTOSO.customer_id, WOODGROVE.customer_id),
        2,
    )
    following = {d.conversation: followed for _, d, followed in await board.due(NOW)}
    assert following == {
        "19:ops": (CONTOSO.customer_id, WOODGROVE.customer_id),
        "19:contoso-team": (CONTOSO.customer_id,),
    }


async def test_a_delivery_records_the_card_so_the_next_change_updates_it(board: NoticeOutbox) -> None:
    await board.observe(CONTOSO, incident(), NOW)
    notice, delivery, _ = next(item for item in await board.due(NOW) if item[1].conversation == "19:ops")
    await board.delivered(delivery, notice.version, "activity-1", "19:ops;messageid=activity-1", NOW)
    assert [d.conversation for _, d, _ in await board.due(NOW)] == ["19:contoso-team"]
    await board.observe(CONTOSO, incident(status="restoringService"), NOW)
    ops = next(d for _, d, _ in await board.due(NOW) if d.conversation == "19:ops")
    assert (ops.activity_id, ops.delivered_version, ops.version) == ("activity-1", 1, 2)


async def test_a_notice_that_moved_on_while_it_was_being_sent_stays_due(board: NoticeOutbox) -> None:
    await board.observe(CONTOSO, incident(), NOW)
    notice, delivery, _ = next(item for item in await board.due(NOW) if item[1].conversation == "19:ops")
    await board.observe(CONTOSO, incident(posts=2), NOW)
    await board.delivered(delivery, notice.version, "activity-1", None, NOW)
    ops = next(d for _, d, _ in await board.due(NOW) if d.conversation == "19:ops")
    assert (ops.state, ops.delivered_version, ops.version) == (DeliveryState.PENDING, 1, 2)


async def test_a_send_left_claimed_by_a_stopped_process_is_never_made_again_and_a_live_one_waits(
    open_place: OpenPlace,
) -> None:
    """On the SQLite file one process drains the outbox and every outcome clears the claim, so the process
    started after a kill takes a claim it finds for may-have-arrived at once (not after it would lapse);
    on shared blobs a live claim may be another instance's send, and keeps everyone off until it lapses."""
    first = await notice_stores(await open_place())
    await first.subscriptions.add(Subscription("19:ops", "*"), NOW)
    await first.board.observe(CONTOSO, incident(), NOW)
    [(_, delivery, _)] = await first.board.due(NOW)
    until = NOW + timedelta(minutes=1)
    assert await first.board.claim(delivery, "solo", until, NOW, "stopped") is Claim.CLAIMED
    place = await open_place()
    restarted = await notice_stores(place)
    found = await restarted.board.claim(delivery, "solo", until, NOW, "stopped")
    if isinstance(place, SqliteDatabase):
        assert found is Claim.ABANDONED
        kept = await restarted.board.delivery(delivery.incident_id, "19:ops")
        assert kept is not None and (kept[0].state, kept[0].unconfirmed_posts) == (DeliveryState.UNCERTAIN, 1)
    else:
        assert found is Claim.BUSY
        assert await restarted.board.claim(delivery, "solo", until, until, "stopped") is Claim.ABANDONED


async def test_a_poll_that_finds_an_incident_as_it_was_writes_nothing(stores: NoticeStores) -> None:
    """The watcher polls every subscribed tenant each cycle: an unchanged incident costs a read, not a
    write (on blobs, an upload per incident per cycle)."""
    board = stores.board
    assert isinstance(board, NoticeBoard)
    await stores.subscriptions.add(Subscription("19:ops", "*"), NOW)
    await board.observe_tenant(CONTOSO, (incident(),), NOW)
    await board.observe(CONTOSO, incident(posts=2), NOW)
    before = await board._incidents.read("EX2200001")
    await board.observe_tenant(CONTOSO, (incident(posts=2),), NOW + timedelta(minutes=5))
    assert await board._incidents.read("EX2200001") == before
    assert await board.observe(WOODGROVE, incident(posts=2), NOW) is not None, "another tenant is news"
    assert await board._incidents.read("EX2200001") != before


async def test_advisory_subscriptions_hear_only_advisories(board: NoticeOutbox) -> None:
    await board.observe(CONTOSO, replace(incident(identifier="EX2200009"), classification="advisory"), NOW)
    assert [d.conversation for _, d, _ in await board.due(NOW)] == ["a:advisories"]


async def test_a_conversation_that_refused_the_bot_is_left_out_of_new_notices(
    board: NoticeOutbox, stores: NoticeStores
) -> None:
    conversations = stores.conversations
    await conversations.remember("19:ops", {"service_url": "https://smba/"}, NOW)
    await conversations.deactivate("19:ops", "the bot was blocked or removed")
    notice = await board.observe(CONTOSO, incident(), NOW)
    assert notice is not None
    assert await board.audience_size(notice.incident.incident_id) == 1
    assert [d.conversation for _, d, _ in await board.due(NOW)] == ["19:contoso-team"]


class FlakyBackend:
    """The demo backend, except some customers can't be read this time."""

    name = "flaky"

    def __init__(self, unreadable: set[str]) -> None:
        self.inner = demo_backend()
        self.unreadable = unreadable

    async def list_customers(self) -> Sequence[Customer]:
        return await self.inner.list_customers()

    async def azure_health(self, customer: Customer) -> AzureHealth:
        return await self.inner.azure_health(customer)

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        if customer.name in self.unreadable:
            raise DelegatedAccessMissing(customer.name, "reseller")
        return await self.inner.tenant_health(customer)

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        return await self.inner.tenant_messages(customer)

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        return await self.inner.messages_since(customer, since)


async def test_the_first_poll_is_a_baseline_and_an_unreadable_customer_keeps_what_was_seen(
    stores: NoticeStores,
) -> None:
    subscriptions, board = stores.subscriptions, stores.board
    await subscriptions.add(Subscription("19:ops", "*"), NOW)
    backend = FlakyBackend(set())
    watcher = HealthWatcher(backend, subscriptions, board, lambda: DEMO_NOW)
    baseline = await watcher.poll_once()
    assert baseline.polled == 22 and baseline.notices == [], "what is already going on is not news"
    backend.unreadable = {"Contoso Ltd"}
    unreadable = await watcher.poll_once()
    assert unreadable.unreadable == {
        c.customer_id: "No delegated access"
        for c in await backend.list_customers()
        if c.name == "Contoso Ltd"
    }
    backend.unreadable = set()
    assert (await watcher.poll_once()).notices == [], "readable again: nothing re-announced"


async def test_subscribing_sets_the_baseline_so_the_next_new_incident_is_announced(
    stores: NoticeStores,
) -> None:
    subscriptions, board = stores.subscriptions, stores.board
    backend = demo_backend()
    contoso = next(c for c in await backend.list_customers() if c.name == "Contoso Ltd")
    watcher = HealthWatcher(backend, subscriptions, board, lambda: DEMO_NOW)
    await watcher.baseline([contoso])
    await subscriptions.add(Subscription("19:ops", contoso.customer_id), NOW)
    health = await backend.tenant_health(contoso)
    exchange = next(s for s in health.services if s.name == "Exchange Online")
    backend.replace_services(
        contoso.tenant_id,
        tuple(
            replace(s, incidents=(*s.incidents, incident(identifier="EX2299999"))) if s is exchange else s
            for s in health.services
        ),
    )
    report = await watcher.poll_once()
    assert [n.incident.incident_id for n in report.notices] == ["EX2299999"]


async def _subscribed_with_a_baseline(stores: NoticeStores) -> tuple[Customer, HealthWatcher, DemoBackend]:
    backend = demo_backend()
    contoso = next(c for c in await backend.list_customers() if c.name == "Contoso Ltd")
    watcher = HealthWatcher(backend, stores.subscriptions, stores.board, lambda: DEMO_NOW)
    await watcher.baseline([contoso])
    await stores.subscriptions.add(Subscription("19:ops", contoso.customer_id), NOW)
    return contoso, watcher, backend


def _with(
    backend: DemoBackend, customer: Customer, services: Sequence[ServiceHealth], changed: Incident
) -> None:
    backend.replace_services(
        customer.tenant_id,
        tuple(
            replace(
                s,
                incidents=tuple(changed if i.incident_id == changed.incident_id else i for i in s.incidents),
            )
            for s in services
        ),
    )


async def test_an_incident_going_on_at_subscribing_ends_without_a_resolved_card(stores: NoticeStores) -> None:
    contoso, watcher, backend = await _subscribed_with_a_baseline(stores)
    health = await backend.tenant_health(contoso)
    active = [i for i in health.incidents if not i.is_resolved and not i.is_advisory]
    assert active, "the dataset has incidents going on"
    for going_on in active:
        over = replace(going_on, is_resolved=True, end=NOW, last_modified=NOW + timedelta(minutes=1))
        _with(backend, contoso, health.services, over)
        health = await backend.tenant_health(contoso)
    assert (await watcher.poll_once()).notices == [], "their ends are no news: nobody was told they began"
    assert await stores.board.due(NOW + timedelta(minutes=5)) == []


async def test_one_that_changed_after_subscribing_is_announced_and_so_is_its_end(
    stores: NoticeStores,
) -> None:
    contoso, watcher, backend = await _subscribed_with_a_baseline(stores)
    health = await backend.tenant_health(contoso)
    going_on = next(i for i in health.incidents if i.incident_id == "EX1100014")
    later = NOW + timedelta(minutes=1)
    posted = replace(
        going_on, posts=(*going_on.posts, IncidentPost(later, "A fix is deploying.")), last_modified=later
    )
    _with(backend, contoso, health.services, posted)
    (progress,) = (await watcher.poll_once()).notices
    assert progress.change is ChangeKind.POST, "a change after subscribing is news"
    over = replace(posted, is_resolved=True, end=later, last_modified=later + timedelta(minutes=1))
    _with(backend, contoso, (await backend.tenant_health(contoso)).services, over)
    (end,) = (await watcher.poll_once()).notices
    assert (end.change, end.version) == (ChangeKind.RESOLVED, 2), "the card people saw is updated"


async def test_a_conversation_that_subscribed_during_an_incident_gets_no_resolved_card_as_its_first(
    stores: NoticeStores, board: NoticeOutbox
) -> None:
    await board.observe(CONTOSO, incident(), NOW)
    await stores.subscriptions.add(Subscription("19:late", CONTOSO.customer_id), NOW)
    await stores.subscriptions.add(Subscription("19:later", CONTOSO.customer_id), NOW)
    progress = await board.observe(CONTOSO, incident(posts=2), NOW)
    assert progress is not None and progress.change is ChangeKind.POST
    due = {d.conversation for _, d, _ in await board.due(NOW)}
    assert {"19:late", "19:later"} <= due, "a change after subscribing is news to them too"
    await stores.subscriptions.remove([Subscription("19:later", CONTOSO.customer_id)])
    await stores.subscriptions.add(Subscription("19:latest", CONTOSO.customer_id), NOW)
    over = await board.observe(CONTOSO, incident(status="serviceRestored", posts=3, resolved=True), NOW)
    assert over is not None and over.change is ChangeKind.RESOLVED
    ended = {d.conversation for _, d, _ in await board.due(NOW) if d.version == over.version}
    assert ended == {"19:ops", "19:contoso-team", "19:late"}, "the end goes where the incident's card is"


async def test_a_late_event_older_than_what_was_seen_changes_nothing(board: NoticeOutbox) -> None:
    await board.observe(CONTOSO, incident(modified=NOW - timedelta(hours=1)), NOW)
    newer = await board.observe(CONTOSO, incident(status="restoringService", posts=2), NOW)
    assert newer is not None and newer.version == 2
    stale = incident(modified=NOW - timedelta(hours=1))
    assert await board.observe(CONTOSO, stale, NOW) is None
    current = await board.notice("EX2200001")
    assert current is not None and current.incident.status.code == "restoringService" and current.version == 2


async def test_another_tenants_older_view_does_not_turn_a_resolved_incident_back(board: NoticeOutbox) -> None:
    await board.observe(CONTOSO, incident(modified=NOW - timedelta(hours=2)), NOW)
    await board.observe(WOODGROVE, incident(modified=NOW - timedelta(hours=2)), NOW)
    resolved = incident(status="serviceRestored", posts=2, resolved=True)
    assert await board.observe(CONTOSO, resolved, NOW) is not None
    await board.observe(WOODGROVE, incident(modified=NOW - timedelta(hours=1)), NOW)
    current = await board.notice("EX2200001")
    assert current is not None and current.incident.is_resolved


async def test_a_customer_first_seen_at_its_baseline_joins_the_notice_without_a_spread(
    board: NoticeOutbox,
) -> None:
    await board.observe(CONTOSO, incident(), NOW)
    assert await board.observe_tenant(WOODGROVE, (incident(),), NOW) == [], "the baseline poll is silent"
    assert await board.observe_tenant(WOODGROVE, (incident(),), NOW) == [], "and so is the next one"
    current = await board.notice("EX2200001")
    assert current is not None and current.version == 1
    assert current.customer_ids == (CONTOSO.customer_id, WOODGROVE.customer_id)


async def test_subscribing_again_after_a_gap_does_not_announce_what_started_meanwhile(
    stores: NoticeStores,
) -> None:
    subscriptions, board = stores.subscriptions, stores.board
    backend = demo_backend()
    contoso = next(c for c in await backend.list_customers() if c.name == "Contoso Ltd")
    watcher = HealthWatcher(backend, subscriptions, board, lambda: DEMO_NOW)
    subscription = Subscription("19:ops", contoso.customer_id)
    await watcher.baseline([contoso])
    await subscriptions.add(subscription, NOW)
    await watcher.poll_once()
    await subscriptions.remove([subscription])
    health = await backend.tenant_health(contoso)
    exchange = next(s for s in health.services if s.name == "Exchange Online")
    backend.replace_services(
        contoso.tenant_id,
        tuple(
            replace(s, incidents=(*s.incidents, incident(identifier="EX2299998"))) if s is exchange else s
            for s in health.services
        ),
    )
    await watcher.baseline([contoso])
    await subscriptions.add(subscription, NOW)
    assert (await watcher.poll_once()).notices == [], "it started while nobody watched: already going on"


async def test_a_subscription_to_one_service_hears_nothing_of_another(board: NoticeOutbox) -> None:
    teams = replace(incident(identifier="TM2200003"), service="Microsoft Teams")
    await board.observe(CONTOSO, teams, NOW)
    assert [d.conversation for _, d, _ in await board.due(NOW)] == ["19:ops"], "the Exchange team isn't told"


async def test_the_watcher_polls_only_customers_someone_subscribes_to(stores: NoticeStores) -> None:
    subscriptions, board = stores.subscriptions, stores.board
    backend = demo_backend()
    contoso = next(c for c in await backend.list_customers() if c.name == "Contoso Ltd")
    await subscriptions.add(Subscription("19:ops", contoso.customer_id), NOW)
    watcher = HealthWatcher(backend, subscriptions, board, lambda: DEMO_NOW)
    assert [c.name for c in await watcher.watched()] == ["Contoso Ltd"]
    assert (await watcher.poll_once()).polled == 1


async def test_a_conversation_keeps_the_language_its_notices_are_posted_in(stores: NoticeStores) -> None:
    conversations = stores.conversations
    await conversations.remember("19:ops", {"service_url": "https://smba/"}, NOW)
    assert (await conversations.many(["19:ops"]))["19:ops"].language == "", "English until someone subscribes"
    await conversations.set_language("19:ops", "ko")
    await conversations.remember("19:ops", {"service_url": "https://smba/other/"}, NOW)
    known = await conversations.get("19:ops")
    assert known is not None and known.language == "ko", "a new reference keeps the language"


async def test_a_database_made_before_notices_had_a_language_gains_it_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE conversations (conversation TEXT PRIMARY KEY, reference TEXT NOT NULL, "
            "active INTEGER NOT NULL DEFAULT 1, inactive_reason TEXT NOT NULL DEFAULT '', quiet_since TEXT, "
            "quiet_until TEXT, updated_at TEXT NOT NULL)"
        )
        old.execute(
            "INSERT INTO conversations (conversation, reference, updated_at) VALUES ('19:ops', '{}', 'x')"
        )
    database = SqliteDatabase(path)
    conversations = ConversationStore(database)
    known = await conversations.get("19:ops")
    assert known is not None and known.language == ""
    await conversations.set_language("19:ops", "ko")
    assert (await conversations.many(["19:ops"]))["19:ops"].language == "ko"
    database.close()
