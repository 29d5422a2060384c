"""Bot state and the turn journal open what the previous release kept, on the SQLite file and on blobs,
losing nothing: every document as it was written, and every accepted activity still known."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from bot.state_storage import DocumentStorage
from services.blob_container import BlobContainer
from services.document_store import BotStateDocuments
from services.sqlite_database import SqliteDatabase
from tests.support.azurite import open_container

FIXTURES = Path(__file__).parent / "fixtures"
SQLITE_FIXTURE = FIXTURES / "sqlite" / "bot-state.sqlite3"
BLOBS = json.loads((FIXTURES / "azureblob" / "blobs.json").read_text(encoding="utf-8"))


def old_table(path: Path, query: str) -> list[tuple[Any, ...]]:
    """Rows of the previous release's tables, read with plain sqlite3."""
    db = sqlite3.connect(path)
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def tables(path: Path) -> set[str]:
    return {name for (name,) in old_table(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}


def records(path: Path) -> list[tuple[Any, ...]]:
    return old_table(path, "SELECT * FROM records ORDER BY collection, name")


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    copy = tmp_path / "bot-state.sqlite3"
    shutil.copyfile(SQLITE_FIXTURE, copy)
    return copy


async def upload_fixture_blobs(container: BlobContainer) -> None:
    for name, content in BLOBS.items():
        await container.client.upload_blob(name, content.encode("utf-8"))


async def assert_documents_kept(documents: BotStateDocuments, old: dict[str, str]) -> None:
    """Each document reads back as the previous release wrote it, key order included (jsonpickle's
    references count in it), and botbuilder's storage restores each state object from it."""
    assert old, "the fixture holds bot state"
    found = await documents.read([*old, "never-written"])
    assert set(found) == set(old)
    for key, body in old.items():
        assert json.dumps(found[key].value) == json.dumps(json.loads(body)), key
    items = await DocumentStorage(documents).read(list(old))
    ben = next(key for key in old if key.endswith("/users/29:1Ben-Walters-Teams-Id/"))
    stack = items[ben]["DialogState"].dialog_stack
    assert [instance.id for instance in stack] == ["root"], "Ben's escalation is still on his stack"


async def test_sqlite_documents_are_all_there_after_the_upgrade(old_file: Path) -> None:
    old = dict(old_table(old_file, "SELECT key, body FROM documents"))
    database = SqliteDatabase(old_file)
    try:
        await assert_documents_kept(BotStateDocuments(database), old)
    finally:
        database.close()
    assert {"documents_before_records"} <= tables(old_file) and "documents" not in tables(old_file)
    kept = dict(old_table(old_file, "SELECT key, body FROM documents_before_records"))
    assert kept == old, "the old table is kept as it was, for a rollback"


async def test_sqlite_documents_migrate_once(old_file: Path) -> None:
    database = SqliteDatabase(old_file)
    documents = BotStateDocuments(database)
    await DocumentStorage(documents).write({"msteams/users/29:1Ana-Bowman-Teams-Id": {"Language": "ko"}})
    database.close()
    after_first = records(old_file)
    database = SqliteDatabase(old_file)
    try:
        items = await DocumentStorage(BotStateDocuments(database)).read(
            ["msteams/users/29:1Ana-Bowman-Teams-Id"]
        )
    finally:
        database.close()
    assert records(old_file) == after_first, "a second start copies nothing again"
    assert items["msteams/users/29:1Ana-Bowman-Teams-Id"]["Language"] == "ko", "what was written since stays"


async def test_a_new_sqlite_file_has_nothing_to_migrate(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "new.sqlite3")
    try:
        assert await BotStateDocuments(database).read(["msteams/users/x"]) == {}
    finally:
        database.close()
    assert tables(tmp_path / "new.sqlite3") == {"records"}


async def test_blob_documents_are_all_there_with_no_migration(request: pytest.FixtureRequest) -> None:
    container = await open_container(request)
    try:
        await upload_fixture_blobs(container)
        old = {
            unquote(name.split("/", 1)[1]): body
            for name, body in BLOBS.items()
            if name.startswith("documents/")
        }
        await assert_documents_kept(BotStateDocuments(container), old)
    finally:
        await container.close()
