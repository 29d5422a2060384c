"""The storage a shared store's tests run on: the SQLite file, and blobs in Azurite, behind the same ports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.domain.ports import KnownConversations, NoticeOutbox, Subscriptions
from services.notices.conversations import ConversationStore
from services.notices.notice_board import NoticeBoard
from services.notices.subscriptions import SubscriptionStore
from services.storage.blob_container import BlobContainer
from services.storage.sqlite_database import SqliteDatabase
from tests.support.azurite import open_container

Place = SqliteDatabase | BlobContainer
# Opens the test's storage; called again, a second instance (or a restarted one) sharing what it holds.
OpenPlace = Callable[[], Awaitable[Place]]


@pytest.fixture(params=["sqlite", "azureblob"])
async def open_place(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenPlace]:
    closers: list[Callable[[], Awaitable[None]]] = []
    first: BlobContainer | None = None

    async def open_one() -> Place:
        nonlocal first
        if request.param == "sqlite":
            database = SqliteDatabase(tmp_path / "bot.sqlite3")

            async def close() -> None:
                database.close()

            closers.append(close)
            return database
        container = first = await open_container(request) if first is None else BlobContainer(first.location)
        closers.append(container.close)
        return container

    yield open_one
    for close in reversed(closers):
        await close()


@dataclass
class NoticeStores:
    subscriptions: Subscriptions
    conversations: KnownConversations
    board: NoticeOutbox


@pytest.fixture
async def stores(open_place: OpenPlace) -> NoticeStores:
    """The notice stores on the test's storage."""
    return await notice_stores(await open_place())


async def notice_stores(place: Place) -> NoticeStores:
    """The notice stores on `place` (opened again: a second instance, or the process after a restart)."""
    subscriptions, conversations = SubscriptionStore(place), ConversationStore(place)
    return NoticeStores(subscriptions, conversations, NoticeBoard(place, subscriptions, conversations))
