"""Moving a store's table written by an earlier release into the records table, once, losing nothing.

The rows are copied in the JSON shape the store's blob records have, and the old table is renamed to
`<table>_before_records` (kept, so a rollback can still read it), all in one transaction: a second start
finds no old table and does nothing, and so does a new install.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from services.storage.records import Key
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_records import SqliteRecords, insert_records

# An old table's rows (each a dict of its columns, in the order of `order`) -> the records they become.
ToRecords = Callable[[list[dict[str, Any]]], dict[Key, Any]]


def move_table(
    database: SqliteDatabase, table: str, collection: str, order: str, to_records: ToRecords
) -> None:
    SqliteRecords(database, collection)  # the records table, made if this is its first start

    def move(db: sqlite3.Connection) -> None:
        present = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        if present.fetchone() is None:
            return
        cursor = db.execute(f"SELECT * FROM {table} ORDER BY {order}")  # our own names, not input
        columns = [column[0] for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        insert_records(db, {(collection, key): value for key, value in to_records(rows).items()})
        db.execute(f"ALTER TABLE {table} RENAME TO {table}_before_records")

    database.upgrade(move)
