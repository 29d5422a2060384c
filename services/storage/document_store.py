"""Bot state (conversation, user and dialog state) as JSON documents with ETags, on the records port.

A restart loses nothing, and two turns that race on the same conversation cannot silently overwrite each
other: the stale write raises. One record per key in the `documents` collection, holding the state as
jsonpickle wrote it (blobs `documents/<key>`, as the release before this one wrote them). A batch is
written key by key; botbuilder saves each state object in a write of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Mapping

from services.domain.models import ANY_ETAG, DocumentWrite, StaleWriteError, StoredDocument
from services.storage.places import Place, records_in
from services.storage.records import key_name
from services.storage.sqlite_database import SqliteDatabase

_COLLECTION = "documents"


class BotStateDocuments:
    def __init__(self, place: Place) -> None:
        if isinstance(place, SqliteDatabase):
            migrate_documents_rows(place)
        self._records = records_in(place, _COLLECTION)

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]:
        wanted = list(dict.fromkeys(keys))
        # botbuilder loads each state object on its own: one key, read without a task around it.
        found = (
            [await self._records.read(wanted[0])]
            if len(wanted) == 1
            else await asyncio.gather(*(self._records.read(key) for key in wanted))
        )
        return {
            key: StoredDocument(record.value, record.version)
            for key, record in zip(wanted, found, strict=True)
            if record is not None
        }

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]:
        """Returns the new etag of each key."""
        etags: dict[str, str] = {}
        for key, change in changes.items():
            expected = None if change.expected_etag == ANY_ETAG else change.expected_etag
            etag = await self._records.put(change.value, key, version=expected)
            if etag is None:
                raise StaleWriteError(key)
            etags[key] = etag
        return etags

    async def delete(self, keys: Iterable[str]) -> None:
        await asyncio.gather(*(self._records.delete(key) for key in dict.fromkeys(keys)))


def migrate_documents_rows(database: SqliteDatabase) -> None:
    """Once, at start-up: the previous release's `documents` table into records (each body as it was
    written, so jsonpickle's references stay in order), then kept as `documents_before_records`."""
    records_in(database, _COLLECTION)  # the records table exists before the copy

    def migrate(db: sqlite3.Connection) -> None:
        if not db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'"
        ).fetchone():
            return
        rows = db.execute("SELECT key, body FROM documents").fetchall()
        db.executemany(
            "INSERT OR IGNORE INTO records (collection, name, value, version) VALUES (?, ?, ?, 1)",
            [(_COLLECTION, key_name(key), body) for key, body in rows],
        )
        db.execute("ALTER TABLE documents RENAME TO documents_before_records")

    database.upgrade(migrate)
