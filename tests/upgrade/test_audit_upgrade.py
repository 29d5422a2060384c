"""Every entry of the previous release's audit log is in the audit after the upgrade, newest first as
before, from its SQLite file and from its blobs; and retention goes on forgetting by when they were
recorded."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from services.domain.models import AuditEntry
from services.storage.audit_log import MAX_ENTRIES_SHOWN, AuditLog
from services.storage.sqlite_database import SqliteDatabase
from tests.upgrade.previous_release import (
    blobs_under,
    copied_container,
    copied_sqlite_file,
    table_rows,
    tables,
)


def _entry(row: dict[str, str]) -> AuditEntry:
    return AuditEntry(
        datetime.fromisoformat(row["at"]),
        row["actor_id"],
        row["actor_name"],
        row["action"],
        row["detail"],
        row["conversation"],
    )


async def test_every_entry_of_the_sqlite_file_is_in_the_audit_newest_first_and_the_old_table_is_kept(
    tmp_path: Path,
) -> None:
    path = copied_sqlite_file(tmp_path)
    old = table_rows(path, "audit")
    newest_first = [_entry(row) for row in sorted(old, key=lambda row: row["id"], reverse=True)]
    assert len({e.at for e in newest_first}) < len(newest_first), "entries of one moment, told apart by id"
    for start in ("first start", "second start"):
        database = SqliteDatabase(path)
        log = AuditLog(database)
        assert await log.latest(MAX_ENTRIES_SHOWN) == newest_first[:MAX_ENTRIES_SHOWN], start
        database.close()
        assert "audit" not in tables(path), start
        assert table_rows(path, "audit_before_records") == old, "kept as it was, for a rollback"


async def test_the_sqlite_records_have_the_blob_records_shape(tmp_path: Path) -> None:
    path = copied_sqlite_file(tmp_path)
    database = SqliteDatabase(path)
    AuditLog(database)
    database.close()
    with sqlite3.connect(path) as db:
        migrated = db.execute("SELECT name, value FROM records WHERE collection = 'audit'").fetchall()
    blob_shapes = {frozenset(record) for record in blobs_under("audit").values()}
    assert migrated and {frozenset(json.loads(value)) for _, value in migrated} == blob_shapes
    assert {len(name.split("-")[0]) for name, _ in migrated} == {20}, "named as the blob log names"


async def test_new_entries_come_after_the_migrated_ones_and_retention_still_forgets_by_time(
    tmp_path: Path,
) -> None:
    path = copied_sqlite_file(tmp_path)
    old = [_entry(row) for row in table_rows(path, "audit")]
    last = max(e.at for e in old)
    database = SqliteDatabase(path)
    log = AuditLog(database)
    try:
        later = AuditEntry(last + timedelta(days=400), "oid-9", "Flo", "request.filed", "SR 9", "hash-9")
        await log.record(later)
        assert (await log.latest(2))[0] == later
        assert await log.forget_before(last + timedelta(seconds=1)) == len(old)
        assert await log.latest(MAX_ENTRIES_SHOWN) == [later]
    finally:
        database.close()


async def test_every_entry_of_the_blob_container_is_in_the_audit_after_the_upgrade(
    request: pytest.FixtureRequest,
) -> None:
    old = blobs_under("audit")
    newest_first = [_entry(old[name]) for name in sorted(old)]
    container = await copied_container(request)
    try:
        log = AuditLog(container)
        assert await log.latest(MAX_ENTRIES_SHOWN) == newest_first[:MAX_ENTRIES_SHOWN]
    finally:
        await container.close()
