"""The notice stores behind their ports, once in a SQLite file and once on blobs in Azurite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.blob_notice_board import BlobNoticeBoard
from services.conversations import BlobConversationStore, ConversationStore
from services.notice_board import NoticeBoard
from services.ports import KnownConversations, NoticeOutbox, Subscriptions
from services.sqlite_database import SqliteDatabase
from services.subscriptions import BlobSubscriptionStore, SubscriptionStore
from tests.support.azurite import open_container


@dataclass
class NoticeStores:
    subscriptions: Subscriptions
    conversations: KnownConversations
    board: NoticeOutbox


@pytest.fixture(params=["sqlite", "azureblob"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[NoticeStores]:
    """The notice stores in a SQLite file, or on blobs in Azurite, behind the same ports."""
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "state.sqlite3")
        yield NoticeStores(SubscriptionStore(database), ConversationStore(database), NoticeBoard(database))
        database.close()
        return
    container = await open_container(request)
    subscriptions, conversations = BlobSubscriptionStore(container), BlobConversationStore(container)
    yield NoticeStores(subscriptions, conversations, BlobNoticeBoard(container, subscriptions, conversations))
    await container.close()
