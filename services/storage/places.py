"""Where the records live: the one place that picks the SQLite or the blob implementation of the port."""

from __future__ import annotations

from services.storage.blob_container import BlobContainer
from services.storage.blob_records import BlobRecords
from services.storage.records import Records
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_records import SqliteRecords

# The bot's SQLite file (BOT_STORAGE=sqlite) or its blob container (BOT_STORAGE=azureblob).
Place = SqliteDatabase | BlobContainer


def records_in(place: Place, collection: str) -> Records:
    """The records of `collection` in `place` (on blobs, the blobs under the collection's name)."""
    if isinstance(place, SqliteDatabase):
        return SqliteRecords(place, collection)
    return BlobRecords(place, collection)
