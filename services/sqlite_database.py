"""The bot's one SQLite file, shared by every store that keeps something in it.

One connection, used from one worker thread of its own: storage calls never wait behind outbound HTTP
or anything else in the default thread pool, and the event loop never blocks on disk. Failures to open
or use the file become StorageError, whose message says what is wrong with which path.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class StorageError(Exception):
    """The database can't be opened or used; the message names the path and the cause."""


def _reason(error: BaseException) -> str:
    if isinstance(error, sqlite3.DatabaseError):
        return str(error) or type(error).__name__
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return type(error).__name__


class SqliteDatabase:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            if path.parent.exists() and not path.parent.is_dir():
                raise StorageError(f"{path.parent} is not a directory")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except StorageError:
            raise
        except (OSError, sqlite3.Error) as error:
            raise StorageError(f"can't open {path}: {_reason(error)}") from None
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error as error:
            self._db.close()
            raise StorageError(f"can't use {path}: {_reason(error)}") from None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")

    def create_schema(self, statements: str) -> None:
        """Run a store's CREATE statements at start-up, before the app serves."""
        try:
            self._db.executescript(statements)
        except sqlite3.Error as error:
            raise StorageError(f"can't use {self.path}: {_reason(error)}") from None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the database's own thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, work, self._db)

    @staticmethod
    @contextmanager
    def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """All or nothing, taking the write lock up front so readers never see half a change."""
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    async def problem(self) -> str | None:
        """None when a write and a read both work; otherwise what is wrong, for /readyz."""

        def probe(db: sqlite3.Connection) -> None:
            with self.transaction(db):
                db.execute("CREATE TABLE IF NOT EXISTS readiness (id INTEGER PRIMARY KEY, at TEXT)")
                db.execute("INSERT OR REPLACE INTO readiness (id, at) VALUES (1, datetime('now'))")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()

        try:
            await self.run(probe)
        except sqlite3.Error as error:
            return _reason(error)
        return None

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self._db.close()
