"""Which runs of the bot are alive, so that turns a dead one left unanswered are answered by another.

Each run (an instance's process, from start to stop) beats: with BOT_STORAGE=azureblob a record per run
saying until when it is alive, renewed every third of that period; a run whose record lapsed or is gone
died or stopped. Records use the wall clock, which App Service keeps in step across instances. With
SQLite each process has the file to itself, so every run but this one is over.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.storage.blob_container import BlobContainer
from services.storage.blob_records import NO_CHANGE, BlobRecords


class LocalHeartbeats:
    """One process per SQLite file: only this run is alive."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.interval = 0.0

    async def beat(self) -> None:
        pass

    async def alive(self) -> set[str]:
        return {self.run}

    async def stop(self) -> None:
        pass


class BlobHeartbeats:
    """A record per run under `instances/`, alive until `lapse` after its last beat."""

    def __init__(
        self,
        container: BlobContainer,
        run: str,
        lapse: timedelta,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.run = run
        self.interval = lapse.total_seconds() / 3
        self._records = BlobRecords(container, "instances")
        self._lapse = lapse
        self._wall_clock = wall_clock

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._wall_clock(), UTC)

    async def beat(self) -> None:
        until = (self._now() + self._lapse).isoformat()
        await self._records.change(lambda _: {"until": until}, self.run)

    async def alive(self) -> set[str]:
        """Runs whose last beat still holds; lapsed records are removed on the way."""
        now = self._now()

        def lapsed(record: dict[str, str] | None) -> bool:
            return record is None or datetime.fromisoformat(record["until"]) <= now

        alive: set[str] = set()
        for (run,), record in (await self._records.values()).items():
            if not lapsed(record):
                alive.add(run)
            elif run != self.run:
                # Under the record's ETag: a beat that came in meanwhile keeps its run alive.
                await self._records.change(lambda r: None if lapsed(r) else NO_CHANGE, run)
        return alive | {self.run}

    async def stop(self) -> None:
        """At shutdown, after the drain: what this run left unanswered is anyone's at once."""
        await self._records.delete(self.run)
