"""SQLite bot storage honours botbuilder's Storage contract, with ETags, and survives reopening."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from botbuilder.core import ConversationState, StoreItem, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity

from bot.turn.state_storage import DocumentStorage
from services.domain.models import StaleWriteError
from services.storage.document_store import BotStateDocuments
from services.storage.sqlite_database import SqliteDatabase


class Note(StoreItem):
    def __init__(self, text: str = "", e_tag: str = "*") -> None:
        super().__init__(text=text, e_tag=e_tag)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def storage(database: Path) -> Iterator[DocumentStorage]:
    opened = SqliteDatabase(database)
    yield DocumentStorage(BotStateDocuments(opened))
    opened.close()


async def test_read_of_missing_keys_is_empty(storage: DocumentStorage) -> None:
    assert await storage.read(["nope"]) == {}


async def test_write_then_read_round_trips_dicts_and_objects(storage: DocumentStorage) -> None:
    await storage.write({"a": {"count": 1, "names": ["x"]}, "b": Note("hello")})
    items = await storage.read(["a", "b", "c"])
    assert set(items) == {"a", "b"}
    assert items["a"]["count"] == 1 and items["a"]["names"] == ["x"]
    assert items["b"].text == "hello"
    assert items["a"]["e_tag"] and items["b"].e_tag not in ("", "*")


async def test_stale_etag_raises_and_keeps_the_newer_value(storage: DocumentStorage) -> None:
    await storage.write({"k": {"v": 1}})
    first = (await storage.read(["k"]))["k"]
    second = (await storage.read(["k"]))["k"]
    second["v"] = 2
    await storage.write({"k": second})
    first["v"] = 3
    with pytest.raises(StaleWriteError):
        await storage.write({"k": first})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_star_etag_overwrites_unconditionally(storage: DocumentStorage) -> None:
    await storage.write({"k": {"v": 1}})
    await storage.write({"k": {"v": 9, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 9


async def test_a_second_save_in_the_same_turn_is_not_stale(storage: DocumentStorage) -> None:
    item = {"v": 1}
    await storage.write({"k": item})
    item["v"] = 2
    await storage.write({"k": item})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_delete_removes_only_named_keys(storage: DocumentStorage) -> None:
    await storage.write({"a": {"v": 1}, "b": {"v": 2}})
    await storage.delete(["a", "missing"])
    assert set(await storage.read(["a", "b"])) == {"b"}


async def test_state_survives_reopening_the_database(database: Path) -> None:
    first = SqliteDatabase(database)
    await DocumentStorage(BotStateDocuments(first)).write({"conv": {"welcomed": True}})
    first.close()
    reopened = SqliteDatabase(database)
    assert (await DocumentStorage(BotStateDocuments(reopened)).read(["conv"]))["conv"]["welcomed"] is True
    reopened.close()


async def test_conversation_state_persists_through_botbuilder(storage: DocumentStorage) -> None:
    state = ConversationState(storage)
    seen = state.create_property("seen")
    keys: set[str] = set()

    async def logic(context: TurnContext) -> None:
        await seen.set(context, (await seen.get(context, 0) or 0) + 1)
        await state.save_changes(context)
        keys.add(state.get_storage_key(context))

    adapter = TestAdapter(logic)
    for _ in range(3):
        await adapter.receive_activity(Activity(type="message", text="hi"))
    (key,) = keys
    assert (await storage.read([key]))[key]["seen"] == 3


async def test_a_second_save_after_a_read_in_the_same_turn_is_not_stale(storage: DocumentStorage) -> None:
    await storage.write({"k": {"v": 1}})
    item = (await storage.read(["k"]))["k"]
    item["v"] = 2
    await storage.write({"k": item})
    item["v"] = 3
    await storage.write({"k": item})
    assert (await storage.read(["k"]))["k"]["v"] == 3
