"""The database thread: calls made together run in order, and each caller gets its own answer."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from services.storage.sqlite_database import SqliteDatabase


async def test_calls_made_together_run_in_order_and_each_gets_its_own_answer(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "db.sqlite3")
    database.create_schema("CREATE TABLE log (n INTEGER)")
    ran: list[int] = []

    def append(n: int) -> Callable[[sqlite3.Connection], int]:
        def work(db: sqlite3.Connection) -> int:
            ran.append(n)
            if n == 3:
                raise sqlite3.OperationalError("number three fails")
            db.execute("INSERT INTO log (n) VALUES (?)", (n,))
            return n * 10

        return work

    calls = [asyncio.ensure_future(database.run(append(n))) for n in range(6)]
    calls[5].cancel()
    answers = await asyncio.gather(*calls, return_exceptions=True)
    count = await database.run(lambda db: db.execute("SELECT count(*) FROM log").fetchone()[0])
    database.close()
    assert answers[:3] == [0, 10, 20] and answers[4] == 40
    assert isinstance(answers[3], sqlite3.OperationalError)
    assert isinstance(answers[5], asyncio.CancelledError)
    assert ran == [0, 1, 2, 3, 4], "in order; the cancelled call never ran"
    assert count == 4


async def test_a_closed_database_refuses_calls(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "db.sqlite3")
    database.close()
    with pytest.raises(RuntimeError):
        await database.run(lambda db: None)
