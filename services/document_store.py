"""Durable JSON documents in one SQLite file, with ETag optimistic concurrency.

Bot state (conversations, users, dialog stacks) lives here, so a restart loses nothing and two turns that
race on the same conversation cannot silently overwrite each other: the stale write raises.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.sqlite_database import SqliteDatabase

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
    """Documents in the bot's SQLite database; every call runs on the database's own thread."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(_SCHEMA)

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]:
        wanted = list(keys)
        return await self._database.run(lambda db: self._read(db, wanted))

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]:
        """Write all or nothing; returns the new etag of each key."""
        pending = dict(changes)
        return await self._database.run(lambda db: self._write(db, pending))

    async def delete(self, keys: Iterable[str]) -> None:
        doomed = list(keys)
        await self._database.run(lambda db: self._delete(db, doomed))

    @staticmethod
    def _read(db: sqlite3.Connection, keys: list[str]) -> dict[str, StoredDocument]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = db.execute(f"SELECT key, body, etag FROM documents WHERE key IN ({marks})", keys).fetchall()
        return {key: StoredDocument(body, etag) for key, body, etag in rows}

    @staticmethod
    def _write(db: sqlite3.Connection, changes: dict[str, DocumentWrite]) -> dict[str, str]:
        etags = {key: uuid.uuid4().hex for key in changes}
        with SqliteDatabase.transaction(db):
            for key, change in changes.items():
                if change.expected_etag not in (None, ANY_ETAG):
                    row = db.execute("SELECT etag FROM documents WHERE key = ?", (key,)).fetchone()
                    if row is not None and row[0] != change.expected_etag:
                        raise StaleWriteError(key)
                db.execute(
                    "INSERT INTO documents (key, body, etag) VALUES (?, ?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET body = excluded.body, etag = excluded.etag, "
                    "updated_at = excluded.updated_at",
                    (key, change.body, etags[key]),
                )
        return etags

    @staticmethod
    def _delete(db: sqlite3.Connection, keys: list[str]) -> None:
        if not keys:
            return
        marks = ",".join("?" * len(keys))
        db.execute(f"DELETE FROM documents WHERE key IN ({marks})", keys)
