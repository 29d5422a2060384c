"""The records port on the bot's SQLite file: one table for every collection.

A change is one transaction on the database's own thread (read, apply, write), so it never has to be
tried again; compare-and-set compares a counter that every write moves on.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from services.storage.records import NO_CHANGE, Key, Page, Versioned, key_name, key_parts, name_range
from services.storage.sqlite_database import SqliteDatabase

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    collection TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (collection, name)
) WITHOUT ROWID;
"""
_INSERT_IF_ABSENT = "INSERT OR IGNORE INTO records (collection, name, value, version) VALUES (?, ?, ?, 1)"
# (collection, name, value, version or -1): written unless the record is at another version.
_PUT = (
    "INSERT INTO records (collection, name, value, version) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (collection, name) DO UPDATE SET value = excluded.value, "
    "version = records.version + 1 WHERE ?4 = -1 OR records.version = ?4 RETURNING version"
)
# SQLite's default limit on host parameters is 999 on older builds.
_CHUNK = 500


class SqliteRecords:
    def __init__(self, database: SqliteDatabase, collection: str) -> None:
        self._database = database
        self._collection = collection
        database.create_schema(_SCHEMA)

    async def get(self, *key: str) -> Any | None:
        found = await self.read(*key)
        return found.value if found else None

    async def get_many(self, keys: Iterable[Key]) -> dict[Key, Any]:
        names = list(dict.fromkeys(key_name(*key) for key in keys))

        def select(db: sqlite3.Connection) -> list[tuple[str, str]]:
            rows: list[tuple[str, str]] = []
            for at in range(0, len(names), _CHUNK):
                chunk = names[at : at + _CHUNK]
                rows += db.execute(
                    f"SELECT name, value FROM records WHERE collection = ? AND name IN "
                    f"({','.join('?' * len(chunk))})",
                    (self._collection, *chunk),
                ).fetchall()
            return rows

        found = dict(await self._database.run(select))
        return {key_parts(name): json.loads(found[name]) for name in names if name in found}

    async def read(self, *key: str) -> Versioned | None:
        name = key_name(*key)
        row = await self._database.run(
            lambda db: db.execute(
                "SELECT value, version FROM records WHERE collection = ? AND name = ?",
                (self._collection, name),
            ).fetchone()
        )
        return Versioned(json.loads(row[0]), str(row[1])) if row else None

    async def create(self, value: Any, *key: str) -> bool:
        row = (self._collection, key_name(*key), _dump(value))
        written: int = await self._database.run(lambda db: db.execute(_INSERT_IF_ABSENT, row).rowcount)
        return written == 1

    async def create_marked(self, value: Any, *key: str, marks: str, mark: Any) -> str | None:
        name = key_name(*key)
        record, marker = (self._collection, name, _dump(value)), (marks, name, _dump(mark))

        def write(db: sqlite3.Connection) -> str | None:
            with SqliteDatabase.transaction(db):
                if db.execute(_INSERT_IF_ABSENT, record).rowcount != 1:
                    return None
                return str(db.execute(_PUT, (*marker, -1)).fetchone()[0])

        return await self._database.run(write)

    async def replace(self, value: Any, version: str, *key: str) -> bool:
        if not version.isdigit():
            return False
        row = (_dump(value), self._collection, key_name(*key), int(version))
        written: int = await self._database.run(
            lambda db: (
                db.execute(
                    "UPDATE records SET value = ?, version = version + 1 "
                    "WHERE collection = ? AND name = ? AND version = ?",
                    row,
                ).rowcount
            )
        )
        return written == 1

    async def put(self, value: Any, *key: str, version: str | None = None) -> str | None:
        if version is not None and not version.isdigit():
            return None
        row = (self._collection, key_name(*key), _dump(value), -1 if version is None else int(version))
        written = await self._database.run(lambda db: db.execute(_PUT, row).fetchone())
        return str(written[0]) if written else None

    async def change(self, change: Callable[[Any | None], Any], *key: str) -> Any | None:
        name = key_name(*key)

        def apply(db: sqlite3.Connection) -> Any | None:
            with SqliteDatabase.transaction(db):
                row = db.execute(
                    "SELECT value FROM records WHERE collection = ? AND name = ?", (self._collection, name)
                ).fetchone()
                current = json.loads(row[0]) if row else None
                new = change(current)
                if new is NO_CHANGE:
                    return current
                if new is None:
                    db.execute(
                        "DELETE FROM records WHERE collection = ? AND name = ?", (self._collection, name)
                    )
                    return None
                db.execute(
                    "INSERT INTO records (collection, name, value, version) VALUES (?, ?, ?, 1) "
                    "ON CONFLICT (collection, name) DO UPDATE SET value = excluded.value, "
                    "version = records.version + 1",
                    (self._collection, name, _dump(new)),
                )
                return new

        return await self._database.run(apply)

    async def delete(self, *key: str) -> None:
        row = (self._collection, key_name(*key))
        await self._database.run(
            lambda db: db.execute("DELETE FROM records WHERE collection = ? AND name = ?", row)
        )

    async def keys(self, *under: str, limit: int | None = None) -> list[Key]:
        low, high = name_range(*under)
        rows = await self._database.run(
            lambda db: db.execute(
                "SELECT name FROM records WHERE collection = ? AND name >= ? AND name < ? "
                "ORDER BY name LIMIT ?",
                (self._collection, low, high, -1 if limit is None else limit),
            ).fetchall()
        )
        return [key_parts(name) for (name,) in rows]

    async def values(self, *under: str) -> dict[Key, Any]:
        return (await self._listing(under, None, None)).records

    async def page(self, *under: str, size: int, start: str | None = None) -> Page:
        return await self._listing(under, size, start)

    async def _listing(self, under: tuple[str, ...], size: int | None, start: str | None) -> Page:
        low, high = name_range(*under)
        if start is not None:
            # Where the last page ended; a name from outside this range (tampered) lists nothing.
            low = max(low, start + "\x00")
        rows: list[tuple[str, str]] = await self._database.run(
            lambda db: db.execute(
                "SELECT name, value FROM records WHERE collection = ? AND name >= ? AND name < ? "
                "ORDER BY name LIMIT ?",
                (self._collection, low, high, -1 if size is None else size + 1),
            ).fetchall()
        )
        more = size is not None and len(rows) > size
        shown = rows[:size] if size is not None else rows
        records = {key_parts(name): json.loads(value) for name, value in shown}
        return Page(records, shown[-1][0] if more and shown else None)


def insert_records(db: sqlite3.Connection, records: Mapping[tuple[str, Key], Any]) -> None:
    """Within a migration's transaction: write each (collection, key) record unless it is there already
    (a record written since by the new code wins)."""
    db.executemany(
        "INSERT INTO records (collection, name, value, version) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (collection, name) DO NOTHING",
        [(collection, key_name(*key), _dump(value)) for (collection, key), value in records.items()],
    )


def _dump(value: Any) -> str:
    # Keys in the order they were made: bot state is jsonpickle's, whose references count in that order.
    return json.dumps(value, separators=(",", ":"))
