"""What every conversation subscribed to with the previous release it still hears about after the upgrade,
from its SQLite file and from its blobs: the same subscriptions, in the same order, for the same notices."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from services.domain.models import ALL_CUSTOMERS, Customer, Subscription
from services.notices.conversations import ConversationStore
from services.notices.notice_board import NoticeBoard
from services.notices.subscriptions import SubscriptionStore
from services.storage.records import key_parts
from services.storage.sqlite_database import SqliteDatabase
from tests.services.test_notice_board import NOW, incident
from tests.upgrade.previous_release import (
    blobs_under,
    copied_container,
    copied_sqlite_file,
    table_rows,
    tables,
)


def _by_conversation(subscriptions: list[Subscription]) -> dict[str, list[Subscription]]:
    found: dict[str, list[Subscription]] = {}
    for subscription in subscriptions:
        found.setdefault(subscription.conversation, []).append(subscription)
    return found


async def test_every_subscription_of_the_sqlite_file_is_kept_in_order_and_the_old_table_too(
    tmp_path: Path,
) -> None:
    path = copied_sqlite_file(tmp_path)
    old = table_rows(path, "subscriptions")
    expected = _by_conversation(
        [
            Subscription(
                row["conversation"], row["customer_id"], tuple(json.loads(row["services"])), row["kinds"]
            )
            for row in sorted(old, key=lambda row: (row["created_at"], row["customer_id"]))
        ]
    )
    assert len(expected) >= 2
    for start in ("first start", "second start"):
        database = SqliteDatabase(path)
        store = SubscriptionStore(database)
        assert {c: await store.of_conversation(c) for c in expected} == expected, start
        everyone, named = await store.watched_customers()
        assert (everyone, named) == (
            any(row["customer_id"] == ALL_CUSTOMERS for row in old),
            {row["customer_id"] for row in old} - {ALL_CUSTOMERS},
        ), start
        database.close()
        assert "subscriptions" not in tables(path), start
        assert table_rows(path, "subscriptions_before_records") == old, "kept as it was, for a rollback"


async def test_the_sqlite_records_have_the_blob_records_shape(tmp_path: Path) -> None:
    path = copied_sqlite_file(tmp_path)
    database = SqliteDatabase(path)
    SubscriptionStore(database)
    database.close()
    with sqlite3.connect(path) as db:
        migrated = db.execute("SELECT value FROM records WHERE collection = 'subscriptions'").fetchall()
    blob_shapes = {frozenset(entry) for entries in blobs_under("subscriptions").values() for entry in entries}
    assert migrated and {frozenset(e) for (value,) in migrated for e in json.loads(value)} == blob_shapes


async def test_a_new_notice_reaches_the_conversations_subscribed_before_the_upgrade(tmp_path: Path) -> None:
    """The notice board hears the audience from the migrated records."""
    path = copied_sqlite_file(tmp_path)
    subscribed = {row["conversation"]: row["customer_id"] for row in table_rows(path, "subscriptions")}
    database = SqliteDatabase(path)
    store = SubscriptionStore(database)
    board = NoticeBoard(database, store, ConversationStore(database))
    try:
        for number, (conversation, customer_id) in enumerate(subscribed.items()):
            news = incident(identifier=f"EX990000{number}")
            assert await store.audience([customer_id], news) == {conversation: [customer_id]}
            customer = Customer(customer_id, "t-" + customer_id, customer_id, "example.com", "reseller", True)
            notice = await board.observe(customer, news, NOW)
            assert notice is not None and await board.audience_size(news.incident_id) == 1
            due = await board.due(NOW)
            assert [d.conversation for _, d, _ in due if d.incident_id == news.incident_id] == [conversation]
    finally:
        database.close()


async def test_every_subscription_of_the_blob_container_is_kept_after_the_upgrade(
    request: pytest.FixtureRequest,
) -> None:
    old = blobs_under("subscriptions")
    expected = {
        key_parts(name)[1]: [
            Subscription(key_parts(name)[1], entry["customer_id"], tuple(entry["services"]), entry["kinds"])
            for entry in entries
        ]
        for name, entries in old.items()
    }
    container = await copied_container(request)
    try:
        store = SubscriptionStore(container)
        assert {c: await store.of_conversation(c) for c in expected} == expected
        assert (await store.watched_customers())[1] == {
            entry["customer_id"] for entries in old.values() for entry in entries
        }
    finally:
        await container.close()


# The previous release's table, as its services/notices/subscriptions.py made it.
OLD_TABLE = """
CREATE TABLE subscriptions (
    conversation TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    services TEXT NOT NULL,
    kinds TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (conversation, customer_id, services)
);
CREATE INDEX subscriptions_by_customer ON subscriptions (customer_id);
"""


async def test_every_kind_of_old_subscription_keeps_what_it_hears_and_its_place(tmp_path: Path) -> None:
    """Services named, advisories, every customer, several per conversation made out of key order."""
    rows = [
        (
            "19:ops@thread.tacv2",
            "c-woodgrove",
            '["exchange online", "teams"]',
            "all",
            "2026-11-02T10:00:00+00:00",
        ),
        ("19:ops@thread.tacv2", "c-contoso", "[]", "incidents", "2026-11-01T10:00:00+00:00"),
        ("19:ops@thread.tacv2", "c-contoso", '["sharepoint"]', "advisories", "2026-11-01T10:00:00+00:00"),
        ("a:chat/with:odd@chars", ALL_CUSTOMERS, "[]", "incidents", "2026-11-03T10:00:00+00:00"),
    ]
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(OLD_TABLE)
        old.executemany("INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?)", rows)
    database = SqliteDatabase(path)
    store = SubscriptionStore(database)
    try:
        ops = await store.of_conversation("19:ops@thread.tacv2")
        assert ops == [
            Subscription("19:ops@thread.tacv2", "c-contoso", ("sharepoint",), "advisories"),
            Subscription("19:ops@thread.tacv2", "c-contoso", (), "incidents"),
            Subscription("19:ops@thread.tacv2", "c-woodgrove", ("exchange online", "teams"), "all"),
        ]
        assert await store.of_conversation("a:chat/with:odd@chars") == [
            Subscription("a:chat/with:odd@chars", ALL_CUSTOMERS, (), "incidents")
        ]
        assert await store.watched_customers() == (True, {"c-contoso", "c-woodgrove"})
        assert await store.audience(["c-woodgrove"], incident()) == {
            "19:ops@thread.tacv2": ["c-woodgrove"],
            "a:chat/with:odd@chars": ["c-woodgrove"],
        }
        assert await store.remove([ops[0]]) == 1
        assert await store.of_conversation("19:ops@thread.tacv2") == ops[1:]
    finally:
        database.close()
