"""The audit log on both stores: `audit` shows the newest entries first, in the order they were
recorded, and with blobs an entry recorded on one instance shows on every other."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from services.audit_log import MAX_ENTRIES_SHOWN, AuditLog
from services.blob_audit_log import BlobAuditLog
from services.blob_container import BlobContainer, BlobLocation
from services.models import AuditEntry
from services.ports import AuditHistory
from services.sqlite_database import SqliteDatabase
from tests.services.conftest import OpenStorage
from tests.support.azurite import Azurite
from tests.support.harness import DEMO_NOW


async def _log(open_storage: OpenStorage) -> AuditHistory:
    storage = await open_storage()
    return AuditLog(storage) if isinstance(storage, SqliteDatabase) else BlobAuditLog(storage)


def _entry(detail: str, seconds: int = 0, name: str = "Ana Bowman") -> AuditEntry:
    at = DEMO_NOW + timedelta(seconds=seconds)
    return AuditEntry(at, "00000000-0000-4000-8000-00000000a11a", name, "request.note", detail, "hashed")


async def test_the_latest_entries_come_newest_first_even_within_one_instant(
    open_storage: OpenStorage,
) -> None:
    log = await _log(open_storage)
    assert await log.latest(10) == []
    for index in range(5):
        await log.record(_entry(f"SR {index}"))
    await log.record(_entry("later", seconds=1, name="김민준"))
    latest = await log.latest(4)
    assert [e.detail for e in latest] == ["later", "SR 4", "SR 3", "SR 2"]
    assert latest[0] == _entry("later", seconds=1, name="김민준")


async def test_at_most_the_shown_maximum_and_at_least_one(open_storage: OpenStorage) -> None:
    log = await _log(open_storage)
    await asyncio.gather(*(log.record(_entry(f"SR {index}")) for index in range(MAX_ENTRIES_SHOWN + 2)))
    assert len(await log.latest(1000)) == MAX_ENTRIES_SHOWN
    assert len(await log.latest(0)) == 1


async def test_entries_recorded_on_two_instances_at_once_are_all_kept_and_shown_on_both(
    open_storage: OpenStorage,
) -> None:
    first, second = await _log(open_storage), await _log(open_storage)
    await asyncio.gather(
        *(
            log.record(_entry(f"{name} {index}"))
            for index in range(5)
            for name, log in (("a", first), ("b", second))
        )
    )
    for log in (first, second):
        details = [e.detail for e in await log.latest(20)]
        assert sorted(details) == sorted(f"{name} {index}" for index in range(5) for name in "ab")
        assert [d for d in details if d.startswith("a")] == [f"a {index}" for index in reversed(range(5))]


async def test_on_blobs_the_recorded_order_holds_on_a_clock_too_coarse_to_tell_entries_apart(
    azurite: Azurite,
) -> None:
    container = BlobContainer(BlobLocation(f"audit-{uuid.uuid4().hex[:12]}", azurite.connection_string))
    await container.open()
    try:
        log = BlobAuditLog(container, ticks=lambda: 1_764_000_000_000_000_000)
        for index in range(6):
            await log.record(_entry(f"SR {index}"))
        assert [e.detail for e in await log.latest(6)] == [f"SR {index}" for index in reversed(range(6))]
    finally:
        await container.close()
