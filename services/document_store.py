"""Durable JSON documents in one SQLite file, with ETag optimistic concurrency.

Bot state (conversations, users, dialog stacks) lives here, so a restart loses nothing and two turns that
race on the same conversation cannot silently overwrite each other: the stale write raises.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ANY_ETAG = "*"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


class StaleWriteError(Exception):
    """Someone wrote the document since it was read; re-read and retry."""

    def __init__(self, key: str) -> None:
        super().__init__(f"document {key!r} was changed by another writer")
        self.key = key


@dataclass(frozen=True)
class StoredDocument:
    body: str
    etag: str


@dataclass(frozen=True)
class DocumentWrite:
    """A new body; `expected_etag` None or '*' writes unconditionally."""

    body: str
    expected_etag: str | None = None


class SqliteDocumentStore:
    """One connection guarded by a lock; calls run in a worker thread to keep the event loop free."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]:
        return await asyncio.to_thread(self._read, list(keys))

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]:
        """Write all or nothing; returns the new etag of each key."""
        return await asyncio.to_thread(self._write, dict(changes))

    async def delete(self, keys: Iterable[str]) -> None:
        await asyncio.to_thread(self._delete, list(keys))

    def _read(self, keys: list[str]) -> dict[str, StoredDocument]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._lock:
            rows = self._db.execute(
                f"SELECT key, body, etag FROM documents WHERE key IN ({marks})", keys
            ).fetchall()
        return {key: StoredDocument(body, etag) for key, body, etag in rows}

    def _write(self, changes: dict[str, DocumentWrite]) -> dict[str, str]:
        etags = {key: uuid.uuid4().hex for key in changes}
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key, change in changes.items():
                    if change.expected_etag not in (None, ANY_ETAG):
                        row = self._db.execute("SELECT etag FROM documents WHERE key = ?", (key,)).fetchone()
                        if row is not None and row[0] != change.expected_etag:
                            raise StaleWriteError(key)
                    self._db.execute(
                        "INSERT INTO documents (key, body, etag) VALUES (?, ?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET body = excluded.body, etag = excluded.etag, "
                        "updated_at = excluded.updated_at",
                        (key, change.body, etags[key]),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return etags

    def _delete(self, keys: list[str]) -> None:
        if not keys:
            return
        marks = ",".join("?" * len(keys))
        with self._lock:
            self._db.execute(f"DELETE FROM documents WHERE key IN ({marks})", keys)
