"""The notice board the previous release kept (notices, what each tenant last said, deliveries with their
cards' ids and acknowledgements, baselines) is all there after the upgrade, from its SQLite file and from
its blobs; and in Teams the delivered card is listed with who took it, and the next change updates it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from services.domain.models import ChangeKind, Claim, Customer, Delivery, DeliveryState, Notice
from services.notices.conversations import ConversationStore
from services.notices.notice_board import OLD_TABLES, NoticeBoard, incident_from_json
from services.notices.subscriptions import SubscriptionStore
from services.storage.blob_container import BlobContainer
from services.storage.places import Place
from services.storage.sqlite_database import SqliteDatabase
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.teams import channel_message
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import visible_text
from tests.upgrade.make_fixture import event as later_change
from tests.upgrade.previous_release import (
    FIXTURES,
    blobs_under,
    copied_container,
    copied_sqlite_file,
    table_rows,
    tables,
)

WHAT = json.loads((FIXTURES / "sqlite" / "what.json").read_text(encoding="utf-8"))
TOKEN = "upgrade-notify-token"


def board_on(place: Place) -> NoticeBoard:
    return NoticeBoard(place, SubscriptionStore(place), ConversationStore(place))


def old_notice(row: dict[str, Any]) -> Notice:
    """A notice as the previous release kept it: a row of `notices`, or the notice of a blob record."""
    return Notice(
        incident_from_json(row["incident"]),
        tuple(ids if isinstance(ids := row["customer_ids"], list) else json.loads(ids)),
        row["version"],
        ChangeKind(row["change"]),
        datetime.fromisoformat(row["first_seen"]),
        datetime.fromisoformat(row["updated_at"]),
    )


def old_delivery(incident_id: str, conversation: str, row: dict[str, Any]) -> Delivery:
    return Delivery(
        incident_id,
        conversation,
        DeliveryState(row["state"]),
        row["version"],
        row["delivered_version"],
        row["activity_id"],
        row["thread_id"],
        row["reason"],
        row["acknowledged_by"],
        datetime.fromisoformat(row["updated_at"]),
        row.get("unconfirmed_posts", 0),
    )


def records(path: Path, collection: str) -> dict[str, Any]:
    with sqlite3.connect(path) as db:
        found = db.execute("SELECT name, value FROM records WHERE collection = ?", (collection,)).fetchall()
    return {name: json.loads(value) for name, value in found}


async def test_every_notice_delivery_observation_and_baseline_of_the_sqlite_file_is_there_after_the_upgrade(
    tmp_path: Path,
) -> None:
    path = copied_sqlite_file(tmp_path)
    old = {table: table_rows(path, table) for table in OLD_TABLES}
    assert [len(old[t]) for t in OLD_TABLES] == [1, 11, 1, 2], "what the previous release kept"
    assert old["deliveries"][0]["acknowledged_by"] and old["deliveries"][0]["activity_id"]
    migrated: dict[str, Any] = {}
    for start in ("first start", "second start"):
        database = SqliteDatabase(path)
        board = board_on(database)
        for row in old["notices"]:
            assert await board.notice(row["incident_id"]) == old_notice(row), start
        for row in old["deliveries"]:
            found = await board.delivery(row["incident_id"], row["conversation"])
            expected = old_delivery(row["incident_id"], row["conversation"], row)
            assert found == (expected, tuple(json.loads(row["followed"]))), start
        [(notice, deliveries)] = await board.latest(10)
        assert [d.acknowledged_by for d in deliveries] == [old["deliveries"][0]["acknowledged_by"]], start
        assert await board.due(DEMO_NOW + timedelta(minutes=1)) == [], "caught up before: nothing to send"
        database.close()
        assert not set(OLD_TABLES) & tables(path), start
        for table in OLD_TABLES:
            assert table_rows(path, f"{table}_before_records") == old[table], "kept for a rollback"
        now = {c: records(path, c) for c in ("incidents", "deliveries", "due", "baselines")}
        assert not migrated or now == migrated, "a second start changes nothing"
        migrated = now
    seen = {
        (customer, incident_id): fingerprint
        for incident_id, record in migrated["incidents"].items()
        for customer, fingerprint in record["seen"].items()
    }
    assert seen == {(r["customer_id"], r["incident_id"]): r["fingerprint"] for r in old["observations"]}
    assert {n: r["seen_at"] for n, r in migrated["baselines"].items()} == {
        r["customer_id"]: r["seen_at"] for r in old["baselines"]
    }


async def test_the_sqlite_records_have_the_blob_records_shape(tmp_path: Path) -> None:
    """So the one board reads both alike."""
    path = copied_sqlite_file(tmp_path)
    database = SqliteDatabase(path)
    board_on(database)
    database.close()
    for collection in ("incidents", "deliveries", "baselines"):
        blob_shapes = {frozenset(r) for r in blobs_under(collection).values()}
        assert {frozenset(r) for r in records(path, collection).values()} == blob_shapes, collection
    [blob_notice] = [r["notice"] for r in blobs_under("incidents").values() if r["notice"]]
    [sqlite_notice] = [r["notice"] for r in records(path, "incidents").values() if r["notice"]]
    assert set(sqlite_notice) == set(blob_notice)


async def test_the_tenants_views_survive_the_upgrade_so_nothing_they_said_before_is_news_again(
    tmp_path: Path,
) -> None:
    """Observations are what keeps the next poll quiet: the incidents a customer's tenant reported
    before the upgrade, reported again unchanged, make no notice; a baseline customer's new incident does."""
    path = copied_sqlite_file(tmp_path)
    observations = table_rows(path, "observations")
    database = SqliteDatabase(path)
    board = board_on(database)
    backend = demo_backend()
    customers = {c.customer_id: c for c in await backend.list_customers()}
    for customer_id in {r["customer_id"] for r in observations}:
        customer: Customer = customers[customer_id]
        health = await backend.tenant_health(customer)
        assert await board.observe_tenant(customer, health.incidents, DEMO_NOW) == [], customer.name
    database.close()


@pytest.mark.parametrize(
    ("state", "version", "delivered", "refresh", "due"),
    [
        ("delivered", 2, 2, 0, False),
        ("pending", 3, 2, 0, True),  # a change the previous release had still to send
        ("delivered", 2, 2, 1, True),  # an acknowledgement whose refresh was still to go
        ("failed", 3, 2, 0, True),
        ("uncertain", 2, 2, 0, False),
        ("inactive", 3, 2, 0, False),  # the conversation refused the bot: never again
    ],
)
async def test_what_the_previous_release_had_still_to_send_is_still_due(
    tmp_path: Path, state: str, version: int, delivered: int, refresh: int, due: bool
) -> None:
    path = copied_sqlite_file(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE deliveries SET state = ?, version = ?, delivered_version = ?, refresh = ?",
            (state, version, delivered, refresh),
        )
        db.execute("UPDATE notices SET version = ?", (version,))
    database = SqliteDatabase(path)
    board = board_on(database)
    found = await board.due(DEMO_NOW + timedelta(hours=1))
    database.close()
    assert [(d.conversation, d.activity_id) for _, d, _ in found] == (
        [(WHAT["channel"], "thread-6")] if due else []
    )


async def test_a_file_from_before_claims_and_lost_posts_opens_with_none_of_either(tmp_path: Path) -> None:
    path = copied_sqlite_file(tmp_path)
    with sqlite3.connect(path) as db:
        for column in ("unconfirmed_posts", "claim_until", "claimed_version"):
            db.execute(f"ALTER TABLE deliveries DROP COLUMN {column}")
    database = SqliteDatabase(path)
    board = board_on(database)
    found = await board.delivery("EX2200001", WHAT["channel"])
    database.close()
    assert found is not None and (found[0].unconfirmed_posts, found[0].activity_id) == (0, "thread-6")


async def test_a_send_the_previous_release_was_killed_in_the_middle_of_is_not_made_again(
    tmp_path: Path,
) -> None:
    """Its claim is still on the row: the card may have reached Teams, so it is taken for may-have-arrived."""
    path = copied_sqlite_file(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE deliveries SET version = 3, state = 'pending', claim_until = ?, claimed_version = 3",
            ((DEMO_NOW + timedelta(minutes=5)).isoformat(),),
        )
        db.execute("UPDATE notices SET version = 3")
    database = SqliteDatabase(path)
    board = board_on(database)
    [(_, delivery, _)] = await board.due(DEMO_NOW)
    claim = await board.claim(delivery, "solo", DEMO_NOW + timedelta(minutes=1), DEMO_NOW, "stopped")
    after = await board.delivery("EX2200001", WHAT["channel"])
    database.close()
    assert claim is Claim.ABANDONED
    assert after is not None and (after[0].state, after[0].delivered_version) == (DeliveryState.UNCERTAIN, 3)


async def test_a_new_install_has_no_old_tables_and_gets_none(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "new.sqlite3")
    board_on(database)
    database.close()
    assert not {t for t in tables(tmp_path / "new.sqlite3") if t.split("_before")[0] in OLD_TABLES}


async def test_every_notice_and_delivery_of_the_blob_container_is_there_after_the_upgrade(
    request: pytest.FixtureRequest,
) -> None:
    incidents, deliveries = blobs_under("incidents"), blobs_under("deliveries")
    container = await copied_container(request)
    try:
        board = board_on(container)
        for name, record in incidents.items():
            incident_id = name.split("/")[1]
            found = await board.notice(incident_id)
            assert found == (old_notice(record["notice"]) if record["notice"] else None), incident_id
        for name, record in deliveries.items():
            _, incident_id, conversation = name.split("/")
            conversation = unquote(conversation)
            found_delivery = await board.delivery(incident_id, conversation)
            expected = old_delivery(incident_id, conversation, record)
            assert found_delivery == (expected, tuple(record["followed"]))
        [(_, listed)] = await board.latest(10)
        assert [d.acknowledged_by for d in listed] == ["Ana Bowman"]
        assert await board.due(DEMO_NOW + timedelta(minutes=1)) == []
    finally:
        await container.close()


@pytest.fixture
async def connector(aiohttp_server: Any) -> FakeConnector:
    fake = FakeConnector()
    server = await aiohttp_server(fake.app())
    fake.service_url = str(server.make_url("/amer/"))
    return fake


@pytest.mark.parametrize("storage", ["sqlite", "azureblob"])
async def test_in_teams_the_old_card_is_listed_with_who_took_it_and_the_next_change_updates_that_card(
    storage: str,
    tmp_path: Path,
    connector: FakeConnector,
    aiohttp_client: Any,
    request: pytest.FixtureRequest,
) -> None:
    channel, incident_id = WHAT["channel"], WHAT["incident"]
    container: BlobContainer | None = None
    if storage == "sqlite":
        copied_sqlite_file(tmp_path)
        old_card = table_rows(tmp_path / "bot-state.sqlite3", "deliveries")[0]["activity_id"]
    else:
        container = await copied_container(request)
        [old_delivery_record] = blobs_under("deliveries").values()
        old_card = old_delivery_record["activity_id"]
    settings = Settings(
        data_dir=tmp_path,
        notify_token=TOKEN,
        watch_interval_seconds=3600,
        demo_tick_seconds=0,
        blob=container.location if container else None,
    )
    bot: TestClient[Any, Any] = await aiohttp_client(
        create_app(settings, backend=demo_backend(), clock=lambda: DEMO_NOW)
    )
    try:
        # Someone in the channel asks (which also tells the bot where the channel is reached now).
        response = await bot.post("/api/messages", json=channel_message(connector.service_url, "notices"))
        assert response.status in (200, 201)
        listing = visible_text(connector.messages[-1])
        assert incident_id in listing and "acknowledged by Ana Bowman" in listing, listing
        before = len(connector.sent)
        response = await bot.post(
            "/api/notify", json=later_change(3), headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status == 202 and await response.json() == {"conversations": 1}
        await connector.wait_until(lambda: any(s.method == "PUT" for s in connector.sent[before:]))
        await connector.wait_until(
            lambda: any("Update 3." in visible_text(s.activity) for s in connector.sent[before:])
        )
        sent = connector.sent[before:]
        assert [s.method for s in sent if s.method in ("CREATE", "PUT")] == ["PUT"], "no new card"
        [update] = [s for s in sent if s.method == "PUT"]
        assert (update.conversation_id.split(";")[0], update.reply_to_id) == (channel, old_card)
        assert "Acknowledged by Ana Bowman" in visible_text(update.activity)
    finally:
        await bot.close()
        if container is not None:
            await container.close()
