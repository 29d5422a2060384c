"""The bot's one SQLite file, shared by every store that keeps something in it.

One connection, used from one worker thread of its own: storage calls never wait behind outbound HTTP
or anything else in the default thread pool, and the event loop never blocks on disk. Calls made while
the thread is busy are run together, in order, when it is free, and answered with one wake-up of the
event loop: under load a turn's journal and state calls share thread hops with other turns' (each call
is still its own statement or transaction, as before). Failures to open
or use the file become StorageError, whose message says what is wrong with which path.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from services.storage.errors import StorageError as StorageError

T = TypeVar("T")
_Call = tuple[Callable[[sqlite3.Connection], Any], "asyncio.Future[Any]", asyncio.AbstractEventLoop]


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
        self._calls: deque[_Call] = deque()
        self._calls_lock = threading.Lock()
        self._draining = False

    def create_schema(self, statements: str) -> None:
        """Run a store's CREATE statements at start-up, before the app serves."""
        try:
            self._db.executescript(statements)
        except sqlite3.Error as error:
            raise StorageError(f"can't use {self.path}: {_reason(error)}") from None

    def ensure_column(self, table: str, column: str, definition: str) -> None:
        """At start-up: add a column a newer version of a store needs to a table an older one made,
        keeping its rows."""
        try:
            present = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except sqlite3.Error as error:
            raise StorageError(f"can't use {self.path}: {_reason(error)}") from None

    def upgrade(self, work: Callable[[sqlite3.Connection], None]) -> None:
        """At start-up, before the app serves: run a store's one-off migration in one transaction."""
        try:
            with self.transaction(self._db):
                work(self._db)
        except sqlite3.Error as error:
            raise StorageError(f"can't upgrade {self.path}: {_reason(error)}") from None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` on the database's own thread, after every call made before it."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()
        with self._calls_lock:
            self._calls.append((work, answer, loop))
            start, self._draining = not self._draining, True
        if start:
            try:
                self._worker.submit(self._drain)
            except RuntimeError:  # closed
                with self._calls_lock:
                    self._calls.clear()
                    self._draining = False
                raise
        return await answer

    def _drain(self) -> None:
        """On the database thread: run what is queued, answer each loop once, until nothing is left."""
        while True:
            with self._calls_lock:
                if not self._calls:
                    self._draining = False
                    return
                batch = list(self._calls)
                self._calls.clear()
            answers: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
            for work, answer, loop in batch:
                if answer.cancelled():
                    continue
                try:
                    outcome = (answer, True, work(self._db))
                except BaseException as error:  # noqa: BLE001 - handed to the caller, as an executor would
                    outcome = (answer, False, error)
                answers.setdefault(loop, []).append(outcome)
            for loop, outcomes in answers.items():
                try:
                    loop.call_soon_threadsafe(_settle, outcomes)
                except RuntimeError:
                    pass  # that loop is closed; nobody is waiting any more

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


def _settle(outcomes: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for answer, ok, value in outcomes:
        if answer.done():
            continue
        if ok:
            answer.set_result(value)
        else:
            answer.set_exception(value)
