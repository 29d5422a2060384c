"""The audit log as blobs, shared by every instance (BOT_STORAGE=azureblob): `audit` on one instance shows
what was recorded on any of them.

One blob per entry, created with If-None-Match: * (entries are never rewritten). The name starts with the
recording time inverted, so the container's own name order (ascending, the only order it lists in) is
newest first and `latest(n)` reads one short listing and n bodies, however long the log. The time is the
recording instance's wall clock, kept strictly increasing within the instance: entries of one instance
keep the order they were recorded in, as the SQLite log's AUTOINCREMENT id does, even when the entries'
own `at` is the same; across instances it follows their (NTP-synchronised) clocks. A random suffix keeps
two instances recording in the same nanosecond apart. Same contract and privacy rules as
services/audit_log.AuditLog: the entry is stored as the caller made it (conversation hashed, no text).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from services.audit_log import MAX_ENTRIES_SHOWN
from services.blob_container import BlobContainer
from services.models import AuditEntry

_PREFIX = "audit/"
# Above any time.time_ns() for the next three thousand years, so inverted times keep 20 digits.
_LATEST_NS = 10**20 - 1


class BlobAuditLog:
    def __init__(self, container: BlobContainer, ticks: Callable[[], int] = time.time_ns) -> None:
        """`ticks`: the wall clock in nanoseconds, replaceable to test ordering."""
        self._container = container.client
        self._ticks = ticks
        self._last_tick = 0

    async def record(self, entry: AuditEntry) -> None:
        self._last_tick = max(self._ticks(), self._last_tick + 1)
        name = f"{_PREFIX}{_LATEST_NS - self._last_tick:020d}-{uuid.uuid4().hex}"
        body = {
            "at": entry.at.isoformat(),
            "actor_id": entry.actor_id,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "detail": entry.detail,
            "conversation": entry.conversation,
        }
        await self._container.upload_blob(name, json.dumps(body).encode("utf-8"), overwrite=False)

    async def latest(self, count: int) -> list[AuditEntry]:
        """The newest `count` entries (at most MAX_ENTRIES_SHOWN), newest first."""
        limit = max(1, min(count, MAX_ENTRIES_SHOWN))
        names: list[str] = []
        async for blob in self._container.list_blobs(name_starts_with=_PREFIX, results_per_page=limit):
            names.append(blob.name)
            if len(names) == limit:
                break
        return list(await asyncio.gather(*(self._entry(name) for name in names)))

    async def _entry(self, name: str) -> AuditEntry:
        download = await self._container.download_blob(name, encoding="utf-8")
        body = json.loads(await download.readall())
        return AuditEntry(
            datetime.fromisoformat(body["at"]),
            body["actor_id"],
            body["actor_name"],
            body["action"],
            body["detail"],
            body["conversation"],
        )
