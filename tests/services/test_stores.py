"""The stores of a run, built once for BOT_STORAGE (services/stores.py): with SQLite everything is in the
file a restarted process opens again; with blobs everything is in the container another instance shares,
and nothing is left in an instance's own SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from services.backends.choice import backends_around
from services.domain.models import (
    AuditEntry,
    Contact,
    DocumentWrite,
    Owner,
    RequestDraft,
    Severity,
    Subscription,
)
from services.storage.blob_container import BlobContainer
from services.storage.sqlite_database import SqliteDatabase
from services.stores import Stores, open_blob_stores, open_sqlite_stores
from tests.services.test_notice_board import CONTOSO, NOW, incident
from tests.support.azurite import open_container
from tests.support.harness import demo_backend

CONVERSATION = "19:ops@thread.tacv2"
REFERENCE = {"conversation": {"id": CONVERSATION}, "serviceUrl": "https://smba.example.test/amer/"}
ENTRY = AuditEntry(NOW, "oid-1", "Ana Bowman", "subscription.added", "contoso", "hash-1")
# Opens the bundle as app.py does for a run; called again, the next run (a restart, or another instance).
OpenRun = Callable[[str], Awaitable[Stores]]


@pytest.fixture(params=["sqlite", "azureblob"])
async def open_run(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenRun]:
    opened: list[Stores] = []
    shared: BlobContainer | None = None

    async def open_one(run: str) -> Stores:
        nonlocal shared
        if request.param == "sqlite":
            stores = open_sqlite_stores(SqliteDatabase(tmp_path / "bot-state.sqlite3"), run)
        else:
            # Each instance has a data directory of its own beside the container they share.
            (tmp_path / run).mkdir()
            database = SqliteDatabase(tmp_path / run / "bot-state.sqlite3")
            if shared is None:
                shared = await open_container(request)
                await shared.close()
            container = BlobContainer(shared.location)
            lease = timedelta(seconds=15)
            stores = open_blob_stores(
                database, container, run, holder=run, lease=lease, wall_clock=lambda: 1e9
            )
        await stores.open()
        opened.append(stores)
        return stores

    yield open_one
    for stores in reversed(opened):
        await stores.close()


async def keep_one_of_each(stores: Stores) -> None:
    await stores.documents.write({"msteams/conversations/19:ops": DocumentWrite({"said": "hello"})})
    await stores.journal.accept(CONVERSATION, "activity-1", REFERENCE, "health contoso", NOW)
    await stores.audit.record(ENTRY)
    await stores.subscriptions.add(Subscription(CONVERSATION, CONTOSO.customer_id), NOW)
    await stores.conversations.remember(CONVERSATION, REFERENCE, NOW)
    assert await stores.board.observe(CONTOSO, incident(), NOW) is not None
    await stores.owners.replace(CONTOSO.customer_id, [Owner("aad-ana", "Ana Bowman")])


async def test_what_one_run_keeps_the_next_run_finds_in_every_store(open_run: OpenRun) -> None:
    await keep_one_of_each(await open_run("blue"))
    green = await open_run("green")
    documents = await green.documents.read(["msteams/conversations/19:ops"])
    assert documents["msteams/conversations/19:ops"].value == {"said": "hello"}
    assert [(t.conversation, t.asked) for t in await green.journal.unfinished()] == [
        (CONVERSATION, "health contoso")
    ]
    assert await green.audit.latest(5) == [ENTRY]
    assert await green.subscriptions.of_conversation(CONVERSATION) == [
        Subscription(CONVERSATION, CONTOSO.customer_id)
    ]
    known = await green.conversations.get(CONVERSATION)
    assert known is not None and known.active
    assert await green.board.notice(incident().incident_id) is not None
    assert await green.owners.owned_by("aad-ana") == [CONTOSO.customer_id]


async def test_the_desk_records_where_the_stores_are(open_run: OpenRun) -> None:
    backend = demo_backend()
    customer = (await backend.list_customers())[0]
    desk = backends_around(backend, (await open_run("blue")).place, lambda: NOW).desk
    topic = (await desk.support_catalogue()).topics_of("Exchange Online")[0]
    contact = Contact("Ana Bowman", "ana@contoso.example")
    draft = RequestDraft(customer, topic, Severity.MODERATE, "Mail is slow", "Delayed by two hours.", contact)
    filed = await desk.file_request(draft, "a" * 32, "Ana Bowman")
    again = backends_around(backend, (await open_run("green")).place, lambda: NOW).desk
    assert await again.filed_with_key("a" * 32) == filed.request


async def test_with_sqlite_one_process_has_the_file_to_itself(tmp_path: Path) -> None:
    stores = open_sqlite_stores(SqliteDatabase(tmp_path / "bot-state.sqlite3"), "blue/1")
    await stores.open()
    try:
        assert await stores.heartbeats.alive() == {"blue/1"} and stores.heartbeats.interval == 0
        assert stores.conversation_leases is None and stores.leadership is None
        assert {name: await check() for name, check in stores.readiness.items()} == {"storage": None}
    finally:
        await stores.close()


async def test_with_blobs_instances_share_the_container_and_the_sqlite_file_holds_nothing(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    container = await open_container(request)
    await container.close()
    opened = []
    for run in ("blue/1", "green/1"):
        (tmp_path / run).mkdir(parents=True)
        database = SqliteDatabase(tmp_path / run / "bot-state.sqlite3")
        stores = open_blob_stores(
            database,
            BlobContainer(container.location),
            run,
            holder=run.split("/")[0],
            lease=timedelta(seconds=15),
            wall_clock=lambda: 1e9,
        )
        await stores.open()
        await stores.heartbeats.beat()
        opened.append(stores)
    blue, green = opened
    try:
        await keep_one_of_each(blue)
        assert await green.heartbeats.alive() == {"blue/1", "green/1"}
        assert blue.heartbeats.interval == 5
        assert blue.conversation_leases is not None and blue.leadership is not None
        assert {name: await check() for name, check in blue.readiness.items()} == {
            "storage": None,
            "blob_storage": None,
        }
    finally:
        for stores in opened:
            await stores.close()
    with sqlite3.connect(tmp_path / "blue/1" / "bot-state.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        held = db.execute("SELECT count(*) FROM records").fetchone()[0] if "records" in tables else 0
    assert held == 0, "everything another instance may need is on blobs"
