"""Bot state and the turn journal open what the previous release kept, on the SQLite file and on blobs,
losing nothing: every document as it was written, and every accepted activity still known."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from bot.turn.state_storage import DocumentStorage
from services.domain.models import Acceptance, Answer, UnfinishedTurn
from services.instances.turn_journal import TurnJournal
from services.storage.blob_container import BlobContainer
from services.storage.document_store import BotStateDocuments
from services.storage.sqlite_database import SqliteDatabase
from tests.support.azurite import open_container

FIXTURES = Path(__file__).parent / "fixtures"
SQLITE_FIXTURE = FIXTURES / "sqlite" / "bot-state.sqlite3"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
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


REFERENCE = {"activityId": "waiting", "conversation": {"id": "a:1Ben"}, "serviceUrl": "https://smba.example/"}


def add_old_turns(path: Path) -> None:
    """Besides the fixture's answered turns, what a killed run of the previous release leaves: one turn
    still waiting for its answer (handed to the Connector), and one a sweep claimed and told."""
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO turns (conversation, activity_id, finished, reference, asked, accepted_at, owner, "
            "answer, claimed) VALUES (?, ?, 0, ?, ?, ?, 'old/1', ?, ?)",
            [
                (
                    "a:1Ben",
                    "waiting",
                    json.dumps(REFERENCE),
                    "health contoso",
                    "2026-11-24T09:05:00+00:00",
                    "handed",
                    0,
                ),
                ("a:1Ben", "told", json.dumps(REFERENCE), "help", "2026-11-24T09:06:00+00:00", None, 1),
            ],
        )
    db.close()


async def test_sqlite_turns_are_all_known_after_the_upgrade(old_file: Path) -> None:
    add_old_turns(old_file)
    query = "SELECT conversation, activity_id, finished, claimed FROM turns"
    old = old_table(old_file, query)
    database = SqliteDatabase(old_file)
    try:
        journal = TurnJournal(database, "new/1")
        (waiting,) = await journal.unfinished()
        assert waiting == UnfinishedTurn(
            "a:1Ben",
            "waiting",
            REFERENCE,
            "health contoso",
            datetime(2026, 11, 24, 9, 5, tzinfo=UTC),
            "old/1",
            Answer.HANDED,
        )
        for conversation, activity_id, finished, claimed in old:
            known = await journal.accept(conversation, activity_id, {}, "", NOW)
            # A claimed turn was told already: its redelivery is handled no more than an answered one.
            assert known == (Acceptance.ANSWERED if finished or claimed else Acceptance.UNANSWERED), (
                activity_id
            )
        assert await journal.claim("a:1Ben", "waiting") and not await journal.claim("a:1Ben", "told")
        assert await journal.forget_before(NOW + timedelta(days=1)) == len(old)
    finally:
        database.close()
    assert old_table(old_file, f"{query.replace('turns', 'turns_before_records')}") == old, "kept as it was"
    assert "turns" not in tables(old_file)


async def test_sqlite_turns_migrate_once(old_file: Path) -> None:
    database = SqliteDatabase(old_file)
    await TurnJournal(database).finish("a:1Ana-Bowman-personal-chat-with-the-bot", "1732458000006")
    database.close()
    after_first = records(old_file)
    database = SqliteDatabase(old_file)
    TurnJournal(database)
    database.close()
    assert records(old_file) == after_first, "a second start copies nothing again"


async def test_blob_turns_are_all_known_with_no_migration(request: pytest.FixtureRequest) -> None:
    container = await open_container(request)
    try:
        await upload_fixture_blobs(container)
        # A turn the previous release left unanswered: what was asked in the turn, and an empty marker.
        body = json.dumps({"reference": REFERENCE, "asked": "health contoso"})
        await container.client.upload_blob("turns/a%3A1Ben/waiting", body.encode("utf-8"))
        await container.client.upload_blob("open-turns/a%3A1Ben/waiting", b"")
        journal = TurnJournal(container, "new/1")
        (waiting,) = await journal.unfinished()
        assert (waiting.activity_id, waiting.reference, waiting.asked, waiting.owner) == (
            "waiting",
            REFERENCE,
            "health contoso",
            "",
        ), "an unknown run's: the first sweep tells its person"
        answered = [
            (unquote(conversation), unquote(activity_id))
            for _, conversation, activity_id in (n.split("/") for n in BLOBS if n.startswith("turns/"))
        ]
        assert answered
        for conversation, activity_id in answered:
            assert await journal.accept(conversation, activity_id, {}, "", NOW) == Acceptance.ANSWERED
        assert await journal.accept("a:1Ben", "waiting", {}, "", NOW) == Acceptance.UNANSWERED
        # Their dates lay in metadata: retention dates them first, and forgets them a period later.
        assert await journal.forget_before(NOW) == 0
        assert await journal.forget_before(datetime.now(UTC) + timedelta(seconds=1)) == len(answered)
        assert await journal.accept(answered[0][0], answered[0][1], {}, "", NOW) == Acceptance.NEW
    finally:
        await container.close()
