"""One contract for each store that BOT_STORAGE switches, run against SQLite and against Azure blobs
(Azurite on loopback): bot state documents with ETags, and the turn journal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botbuilder.core import StoreItem

from bot.turn.state_storage import DocumentStorage
from services.domain.models import Acceptance, Answer, DocumentWrite, StaleWriteError
from services.domain.ports import ActivityJournal, DocumentStore
from services.instances.turn_journal import TurnJournal
from services.storage.blob_container import BlobContainer, BlobLocation
from services.storage.document_store import BotStateDocuments
from services.storage.sqlite_database import SqliteDatabase

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
REFERENCE = {"activityId": "a1", "conversation": {"id": "19:c"}, "serviceUrl": "https://smba.example/amer/"}
# A Teams channel conversation id: colons, '@', ';' and a slash-like thread marker.
TEAMS_CONVERSATION = "19:abc/def@thread.tacv2;messageid=1732440000000"


@dataclass
class Stores:
    documents: DocumentStore
    journal: ActivityJournal
    # Opens the same storage again, as a second instance (or a restarted one) would, optionally naming
    # the run that owns what its journal accepts.
    reopen: Callable[..., Awaitable[Stores]]


@pytest.fixture(params=["sqlite", "azureblob"])
async def stores(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    closers: list[Callable[[], Awaitable[None]]] = []
    if request.param == "sqlite":
        path = tmp_path / "state.sqlite3"

        async def open_sqlite(owner: str = "") -> Stores:
            database = SqliteDatabase(path)

            async def close() -> None:
                database.close()

            closers.append(close)
            return Stores(BotStateDocuments(database), TurnJournal(database, owner), open_sqlite)

        yield await open_sqlite()
    else:
        azurite = request.getfixturevalue("azurite")
        location = BlobLocation(f"contract-{uuid.uuid4().hex[:12]}", azurite.connection_string)

        async def open_blobs(owner: str = "") -> Stores:
            container = BlobContainer(location)
            await container.open()
            closers.append(container.close)
            return Stores(BotStateDocuments(container), TurnJournal(container, owner), open_blobs)

        yield await open_blobs()
    for close in reversed(closers):
        await close()


async def test_missing_documents_are_not_returned(stores: Stores) -> None:
    assert await stores.documents.read(["nope"]) == {}


async def test_a_document_round_trips_under_a_teams_conversation_key(stores: Stores) -> None:
    key = f"msteams/conversations/{TEAMS_CONVERSATION}"
    etags = await stores.documents.write({key: DocumentWrite({"v": "é"}), "other": DocumentWrite({})})
    found = await stores.documents.read([key, "other", "missing"])
    assert set(found) == {key, "other"}
    assert found[key].value == {"v": "é"} and found[key].etag == etags[key]


async def test_a_write_with_a_stale_etag_fails_and_keeps_the_newer_value(stores: Stores) -> None:
    first = (await stores.documents.write({"k": DocumentWrite(1)}))["k"]
    second = (await stores.documents.write({"k": DocumentWrite(2, first)}))["k"]
    assert second != first
    with pytest.raises(StaleWriteError):
        await stores.documents.write({"k": DocumentWrite(3, first)})
    assert (await stores.documents.read(["k"]))["k"].value == 2


async def test_star_or_no_etag_writes_unconditionally(stores: Stores) -> None:
    await stores.documents.write({"k": DocumentWrite(1)})
    await stores.documents.write({"k": DocumentWrite(2, "*")})
    await stores.documents.write({"k": DocumentWrite(3)})
    assert (await stores.documents.read(["k"]))["k"].value == 3


async def test_an_object_a_state_holds_twice_is_one_object_again_after_a_save(stores: Stores) -> None:
    """jsonpickle writes the second mention as a reference that counts objects in key order."""
    storage = DocumentStorage(stores.documents)
    shared = StoreItem(text="draft")
    await storage.write({"dialogs": {"zz": shared, "aa": [shared], "mm": {"q": shared}}})
    found = (await DocumentStorage((await stores.reopen()).documents).read(["dialogs"]))["dialogs"]
    assert found["zz"].text == "draft" and found["aa"][0] is found["zz"] is found["mm"]["q"]


async def test_of_two_writers_racing_from_one_read_exactly_one_wins(stores: Stores) -> None:
    etag = (await stores.documents.write({"k": DocumentWrite(0)}))["k"]
    other = await stores.reopen()
    outcomes = await asyncio.gather(
        stores.documents.write({"k": DocumentWrite("a", etag)}),
        other.documents.write({"k": DocumentWrite("b", etag)}),
        return_exceptions=True,
    )
    assert sum(isinstance(o, StaleWriteError) for o in outcomes) == 1
    assert (await stores.documents.read(["k"]))["k"].value in ("a", "b")


async def test_deleted_documents_are_gone_and_deleting_twice_is_fine(stores: Stores) -> None:
    await stores.documents.write({"k": DocumentWrite(1)})
    await stores.documents.delete(["k", "never-there"])
    await stores.documents.delete(["k"])
    assert await stores.documents.read(["k"]) == {}


async def test_bot_state_written_by_one_instance_is_read_by_another(stores: Stores) -> None:
    """botbuilder's Storage contract over both stores, as a dialog continued on another instance needs."""
    storage = DocumentStorage(stores.documents)
    await storage.write({"dialogs": {"stack": ["escalation"]}, "note": StoreItem(text="hello")})
    other = DocumentStorage((await stores.reopen()).documents)
    items = await other.read(["dialogs", "note"])
    assert items["dialogs"]["stack"] == ["escalation"] and items["note"].text == "hello"
    items["dialogs"]["stack"].append("confirm")
    await other.write({"dialogs": items["dialogs"]})
    stale = (await storage.read(["dialogs"]))["dialogs"]
    await other.write({"dialogs": items["dialogs"]})
    with pytest.raises(StaleWriteError):
        await storage.write({"dialogs": stale})


async def test_an_activity_is_accepted_once_per_conversation(stores: Stores) -> None:
    journal = stores.journal
    assert await journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "health", NOW) == Acceptance.NEW
    assert await journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "health", NOW) == Acceptance.UNANSWERED
    await journal.finish(TEAMS_CONVERSATION, "a1")
    assert await journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "health", NOW) == Acceptance.ANSWERED
    assert await journal.accept("19:other", "a1", REFERENCE, "", NOW) == Acceptance.NEW


async def test_a_redelivery_to_another_instance_at_the_same_moment_is_accepted_once(stores: Stores) -> None:
    other = await stores.reopen()
    outcomes = await asyncio.gather(
        *(journal.accept("19:c", "a1", REFERENCE, "", NOW) for journal in (stores.journal, other.journal) * 3)
    )
    assert outcomes.count(Acceptance.NEW) == 1


async def test_unfinished_turns_are_seen_by_the_next_instance_oldest_first(stores: Stores) -> None:
    journal = stores.journal
    await journal.accept(TEAMS_CONVERSATION, "late", REFERENCE, "help", NOW)
    await journal.accept(TEAMS_CONVERSATION, "early", REFERENCE, "health contoso", NOW - timedelta(minutes=1))
    await journal.accept("19:c", "done", REFERENCE, "help", NOW)
    await journal.finish("19:c", "done")
    await journal.accept("19:c", "install", REFERENCE, None, NOW)
    unfinished = await (await stores.reopen()).journal.unfinished()
    assert [t.asked for t in unfinished if t.activity_id == "install"] == [None], "nobody waits on it"
    unfinished = [t for t in unfinished if t.activity_id != "install"]
    assert [(t.conversation, t.activity_id, t.asked) for t in unfinished] == [
        (TEAMS_CONVERSATION, "early", "health contoso"),
        (TEAMS_CONVERSATION, "late", "help"),
    ]
    assert unfinished[0].reference == REFERENCE and unfinished[0].accepted_at == NOW - timedelta(minutes=1)


async def test_old_finished_ids_are_forgotten_but_unfinished_ones_kept(stores: Stores) -> None:
    journal = stores.journal
    await journal.accept("19:c", "old", REFERENCE, "", NOW - timedelta(days=3))
    await journal.finish("19:c", "old")
    await journal.accept("19:c", "stuck", REFERENCE, "", NOW - timedelta(days=3))
    await journal.forget_before(NOW - timedelta(days=2))
    assert await journal.accept("19:c", "old", REFERENCE, "", NOW) == Acceptance.NEW
    assert [t.activity_id for t in await journal.unfinished()] == ["stuck", "old"]


async def test_each_turn_names_the_run_that_owns_it_and_how_far_its_answer_got(stores: Stores) -> None:
    blue, green = await stores.reopen("blue/1"), await stores.reopen("green/1")
    await blue.journal.accept(TEAMS_CONVERSATION, "quiet", REFERENCE, "help", NOW)
    await blue.journal.accept(TEAMS_CONVERSATION, "handed", REFERENCE, "help", NOW + timedelta(seconds=1))
    await green.journal.accept("19:c", "confirmed", REFERENCE, "", NOW + timedelta(seconds=2))
    await blue.journal.answering(TEAMS_CONVERSATION, "handed", Answer.HANDED)
    await green.journal.answering("19:c", "confirmed", Answer.HANDED)
    await green.journal.answering("19:c", "confirmed", Answer.DELIVERED)
    await green.journal.answering("19:c", "confirmed", Answer.HANDED)  # a later message: still confirmed
    seen = await (await stores.reopen()).journal.unfinished()
    assert [(t.activity_id, t.owner, t.answer) for t in seen] == [
        ("quiet", "blue/1", None),
        ("handed", "blue/1", Answer.HANDED),
        ("confirmed", "green/1", Answer.DELIVERED),
    ]


async def test_an_abandoned_turn_is_claimed_by_exactly_one_of_several_sweepers(stores: Stores) -> None:
    await stores.journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "help", NOW)
    sweepers = [(await stores.reopen(f"sweeper/{n}")).journal for n in range(3)] * 2
    claims = await asyncio.gather(*(journal.claim(TEAMS_CONVERSATION, "a1") for journal in sweepers))
    assert claims.count(True) == 1
    assert await stores.journal.unfinished() == [], "a claimed turn is no sweep's business any more"
    await stores.journal.finish(TEAMS_CONVERSATION, "a1")
    assert await stores.journal.claim(TEAMS_CONVERSATION, "a1") is False
    assert await stores.journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "", NOW) == Acceptance.ANSWERED


async def test_an_answer_recorded_after_a_sweep_claimed_the_turn_leaves_the_claim(stores: Stores) -> None:
    blue, green = await stores.reopen("blue/1"), await stores.reopen("green/1")
    await blue.journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "help", NOW)
    assert await green.journal.claim(TEAMS_CONVERSATION, "a1")
    await blue.journal.answering(TEAMS_CONVERSATION, "a1", Answer.HANDED)
    await blue.journal.answering(TEAMS_CONVERSATION, "a1", Answer.DELIVERED)
    assert await stores.journal.unfinished() == [], "still claimed: no second apology"
    assert await stores.journal.claim(TEAMS_CONVERSATION, "a1") is False
    assert await blue.journal.accept(TEAMS_CONVERSATION, "a1", REFERENCE, "", NOW) == Acceptance.UNANSWERED


async def test_a_finished_turn_is_never_claimed(stores: Stores) -> None:
    await stores.journal.accept("19:c", "a1", REFERENCE, "help", NOW)
    await stores.journal.finish("19:c", "a1")
    assert await stores.journal.claim("19:c", "a1") is False
    assert await stores.journal.unfinished() == []


async def test_old_turns_a_sweep_claimed_are_forgotten_too(stores: Stores) -> None:
    """A sweeper that died between claiming a turn and finishing it leaves it to retention."""
    journal = stores.journal
    await journal.accept("19:c", "claimed", REFERENCE, "help", NOW - timedelta(days=3))
    await journal.accept("19:c", "young", REFERENCE, "help", NOW - timedelta(days=1))
    assert await journal.claim("19:c", "claimed") and await journal.claim("19:c", "young")
    assert await journal.forget_before(NOW - timedelta(days=2)) == 1
    assert await journal.accept("19:c", "claimed", REFERENCE, "", NOW) == Acceptance.NEW
    assert await journal.accept("19:c", "young", REFERENCE, "", NOW) == Acceptance.UNANSWERED
