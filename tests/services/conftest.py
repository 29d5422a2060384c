"""The storage a store that BOT_STORAGE switches is opened on: the SQLite file or a blob container on
Azurite, so one test runs against both (as tests/services/test_shared_state_contract.py does)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from services.blob_container import BlobContainer, BlobLocation
from services.sqlite_database import SqliteDatabase

# Opens the same storage once more, as another instance (or a restarted one) would.
OpenStorage = Callable[[], Awaitable[SqliteDatabase | BlobContainer]]


@pytest.fixture(params=["sqlite", "azureblob"])
async def open_storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenStorage]:
    closers: list[Callable[[], Awaitable[None]]] = []
    if request.param == "sqlite":

        async def open_database() -> SqliteDatabase:
            database = SqliteDatabase(tmp_path / "bot.sqlite3")

            async def close() -> None:
                database.close()

            closers.append(close)
            return database

        yield open_database
    else:
        location = BlobLocation(
            f"stores-{uuid.uuid4().hex[:12]}", request.getfixturevalue("azurite").connection_string
        )

        async def open_container() -> BlobContainer:
            container = BlobContainer(location)
            await container.open()
            closers.append(container.close)
            return container

        yield open_container
    for close in reversed(closers):
        await close()
