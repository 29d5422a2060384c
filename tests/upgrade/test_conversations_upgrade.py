"""The conversations the previous release knew (references, languages, quiet hours, refusals) are all
known after the upgrade, from its SQLite file and from its blobs."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from services.domain.models import KnownConversation
from services.notices.conversations import ConversationStore
from services.storage.records import key_parts
from services.storage.sqlite_database import SqliteDatabase
from tests.upgrade.previous_release import (
    blobs_under,
    copied_container,
    copied_sqlite_file,
    table_rows,
    tables,
)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def test_every_conversation_of_the_sqlite_file_is_known_after_the_upgrade_and_the_old_table_is_kept(
    tmp_path: Path,
) -> None:
    path = copied_sqlite_file(tmp_path)
    old = table_rows(path, "conversations")
    assert {row["language"] for row in old} >= {"ko", "en"} and any(row["quiet_until"] for row in old)
    expected = {
        row["conversation"]: KnownConversation(
            row["conversation"],
            json.loads(row["reference"]),
            bool(row["active"]),
            row["inactive_reason"],
            _moment(row["quiet_since"]),
            _moment(row["quiet_until"]),
            row["language"],
        )
        for row in old
    }
    for start in ("first start", "second start"):
        database = SqliteDatabase(path)
        store = ConversationStore(database)
        assert await store.many(list(expected)) == expected, start
        assert await store.count() == len(expected), start
        database.close()
        assert "conversations" not in tables(path), start
        assert table_rows(path, "conversations_before_records") == old, "kept as it was, for a rollback"


async def test_the_sqlite_records_have_the_blob_records_shape(tmp_path: Path) -> None:
    """So the one store reads both alike, and fields it gains later are kept the same way."""
    path = copied_sqlite_file(tmp_path)
    database = SqliteDatabase(path)
    ConversationStore(database)
    database.close()
    with sqlite3.connect(path) as db:
        migrated = db.execute("SELECT value FROM records WHERE collection = 'conversations'").fetchall()
    blob_shapes = {frozenset(record) for record in blobs_under("conversations").values()}
    assert migrated and {frozenset(json.loads(value)) for (value,) in migrated} == blob_shapes


async def test_a_migrated_conversation_goes_on_being_kept(tmp_path: Path) -> None:
    path = copied_sqlite_file(tmp_path)
    channel = table_rows(path, "conversations")[0]["conversation"]
    database = SqliteDatabase(path)
    store = ConversationStore(database)
    await store.deactivate(channel, "the bot was blocked or removed")
    await store.remember(channel, {"serviceUrl": "https://smba.example/emea/"}, datetime.now().astimezone())
    known = await store.get(channel)
    database.close()
    assert (
        known is not None and known.active and known.reference == {"serviceUrl": "https://smba.example/emea/"}
    )


async def test_every_conversation_of_the_blob_container_is_known_after_the_upgrade(
    request: pytest.FixtureRequest,
) -> None:
    old = blobs_under("conversations")
    assert any(record["language"] == "ko" for record in old.values())
    container = await copied_container(request)
    try:
        store = ConversationStore(container)
        ids = [key_parts(name)[1] for name in old]
        known = await store.many(ids)
        assert await store.count() == len(old)
    finally:
        await container.close()
    assert {
        conversation: (
            k.reference,
            k.active,
            k.inactive_reason,
            k.language,
            k.quiet_since.isoformat() if k.quiet_since else None,
            k.quiet_until.isoformat() if k.quiet_until else None,
        )
        for conversation, k in known.items()
    } == {
        record["conversation"]: (
            record["reference"],
            record["active"],
            record["inactive_reason"],
            record["language"],
            record["quiet_since"],
            record["quiet_until"],
        )
        for record in old.values()
    }
