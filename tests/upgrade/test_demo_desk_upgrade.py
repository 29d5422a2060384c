"""The demo desk opens what the previous release kept, on the SQLite file and on blobs, losing nothing."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests, migrate_service_requests_rows
from services.domain.errors import ServiceRequestOfAnotherCustomer
from services.domain.models import Contact, Customer, RequestDraft, RequestStatus, ServiceRequest, Severity
from services.storage.blob_container import BlobContainer
from services.storage.sqlite_database import SqliteDatabase
from tests.support.azurite import open_container
from tests.support.harness import DEMO_NOW

FIXTURES = Path(__file__).parent / "fixtures"
OLD_TABLES = ("service_requests", "service_request_notes")
# The previous release's columns of `service_requests`, the order of a request's row on blobs.
COLUMNS = (
    "number idempotency_key customer_id customer_name topic_id severity title description contact_name "
    "contact_email contact_phone incident_id requested_by created handed_off sr_number"
).split()


def old_rows(path: Path) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
    """The requests and notes the previous release's tables hold, read with plain sqlite3."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        requests = [dict(row) for row in db.execute("SELECT * FROM service_requests ORDER BY number")]
        notes = [tuple(row) for row in db.execute("SELECT * FROM service_request_notes ORDER BY rowid")]
    finally:
        db.close()
    return requests, notes


def assert_kept(request: ServiceRequest, row: dict[str, Any], notes: list[tuple[str, ...]]) -> None:
    """`request` is the old row as it was, with its notes in the order they were added."""
    assert (request.number, request.reference) == (
        row["sr_number"] or row["number"],
        row["number"] if row["handed_off"] else "",
    )
    assert (request.customer_id, request.customer_name, request.topic.topic_id) == (
        row["customer_id"],
        row["customer_name"],
        row["topic_id"],
    )
    assert (request.severity.value, request.title, request.description, request.incident_id) == (
        row["severity"],
        row["title"],
        row["description"],
        row["incident_id"],
    )
    assert request.contact == Contact(row["contact_name"], row["contact_email"], row["contact_phone"])
    assert request.created.isoformat() == row["created"]
    assert [(n.created.isoformat(), n.author, n.text) for n in request.notes] == [
        (created, author, text) for number, created, author, text in notes if number == row["number"]
    ]


def tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


def records(path: Path) -> list[tuple[str, str, str, int]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT * FROM records ORDER BY collection, name").fetchall()
    finally:
        db.close()


@pytest.fixture
def upgraded(tmp_path: Path) -> Path:
    path = tmp_path / "bot-state.sqlite3"
    shutil.copy(FIXTURES / "sqlite" / "bot-state.sqlite3", path)
    return path


async def _draft(desk: DemoServiceRequests, customer: Customer) -> RequestDraft:
    catalogue = await desk.support_catalogue()
    return RequestDraft(
        customer=customer,
        topic=catalogue.topics_of("Exchange Online")[0],
        severity=Severity.MODERATE,
        title="After the upgrade",
        description="Filed by the new release.",
        contact=Contact("Ana Bowman", "ana@contoso.example"),
    )


async def test_the_previous_releases_sqlite_file_opens_with_every_request_and_note(
    upgraded: Path, customers: list[Customer]
) -> None:
    requests, notes = old_rows(upgraded)
    what = json.loads((FIXTURES / "sqlite" / "what.json").read_text())
    assert [r["number"] for r in requests] == [what["filed_number"]] and len(notes) == 1
    database = SqliteDatabase(upgraded)
    try:
        desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
        for row in requests:
            assert_kept(await desk.service_request(row["number"]), row, notes)
            filed = await desk.filed_with_key(row["idempotency_key"])
            assert filed is not None and filed.number == row["number"]
        assert [r.number for r in await desk.recent_requests()] == [r["number"] for r in requests]
        # The day's numbering goes on after the last number filed, never reusing it.
        new = (await desk.file_request(await _draft(desk, customers[0]), "u" * 32, "Ana")).request
        assert int(new.number) == int(requests[-1]["number"]) + 1
    finally:
        database.close()
    # The old tables are kept under their new names, as they were; nothing else of them is left.
    assert {f"{t}_before_records" for t in OLD_TABLES} <= tables(upgraded)
    assert not set(OLD_TABLES) & tables(upgraded)
    db = sqlite3.connect(upgraded)
    kept = db.execute("SELECT count(*) FROM service_requests_before_records").fetchone()[0]
    db.close()
    assert kept == len(requests)


async def test_a_second_start_moves_nothing_again(upgraded: Path) -> None:
    database = SqliteDatabase(upgraded)
    DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
    database.close()
    after_first = records(upgraded)
    database = SqliteDatabase(upgraded)
    DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
    migrate_service_requests_rows(database)
    database.close()
    assert records(upgraded) == after_first


async def test_a_new_install_has_nothing_to_move(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "bot.sqlite3")
    try:
        desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
        assert await desk.recent_requests() == []
    finally:
        database.close()
    assert not {name for name in tables(tmp_path / "bot.sqlite3") if "service_request" in name}


def _old_table_sql() -> list[str]:
    """The previous release's CREATE statements for the desk, as its file holds them."""
    db = sqlite3.connect(f"file:{FIXTURES / 'sqlite' / 'bot-state.sqlite3'}?immutable=1", uri=True)
    try:
        return [
            sql
            for (sql,) in db.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name IN (?, ?) AND sql IS NOT NULL ORDER BY rowid",
                OLD_TABLES,
            )
        ]
    finally:
        db.close()


def _row(
    number: str, key: str, customer: tuple[str, str], created: str, handed_off: int, sr: str
) -> tuple[Any, ...]:
    return (
        number,
        key,
        *customer,
        "32444671",
        "critical",
        f"Request {number}",
        "Described 'with quotes', 한국어 and \"more\".",
        "Ana Bowman",
        "ana@contoso.example",
        "+1 425 555 0100",
        "EX2200001",
        "Ana Bowman",
        created,
        handed_off,
        sr,
    )


async def test_every_kind_of_old_request_is_moved_and_works_on(
    tmp_path: Path, customers: list[Customer]
) -> None:
    """Filed, handed off and waiting, handed off and linked, on two days, with notes added in the same
    second (kept in the order they were added) and without notes."""
    path = tmp_path / "bot-state.sqlite3"
    contoso, fabrikam = ("c-contoso", "Contoso Ltd"), ("c-fabrikam", "Fabrikam, Inc.")
    rows = [
        _row("2611230010000001", "k1", contoso, "2026-11-23T10:00:00+00:00", 0, ""),
        _row("2611230010000002", "k2", fabrikam, "2026-11-23T11:00:00+00:00", 0, ""),
        _row("2611240010000001", "k3", contoso, "2026-11-24T08:00:00+00:00", 0, ""),
        _row("E2611240010000001", "k4", contoso, "2026-11-24T08:10:00+00:00", 1, "2611240010000777"),
        _row("E2611240010000002", "k5", fabrikam, "2026-11-24T08:20:00+00:00", 1, ""),
    ]
    notes = [
        ("2611230010000001", "2026-11-23T12:00:00+00:00", "Bob", "second, added first"),
        ("2611230010000001", "2026-11-23T11:00:00+00:00", "Ana", "first"),
        ("2611230010000001", "2026-11-23T12:00:00+00:00", "Ana", "third, same second"),
        ("E2611240010000001", "2026-11-24T08:30:00+00:00", "민준 김", "연결됨"),
    ]
    db = sqlite3.connect(path)
    for sql in _old_table_sql():
        db.execute(sql)
    db.executemany(f"INSERT INTO service_requests VALUES ({', '.join('?' * 16)})", rows)
    db.executemany("INSERT INTO service_request_notes VALUES (?, ?, ?, ?)", notes)
    db.commit()
    db.close()
    old, old_notes = old_rows(path)
    in_order = sorted(old_notes, key=lambda n: n[1])  # by time, then in the order they were added
    database = SqliteDatabase(path)
    try:
        desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW, frozenset({"Exchange Online"}))
        for row in old:
            assert_kept(await desk.service_request(row["sr_number"] or row["number"]), row, in_order)
        assert (await desk.service_request("E2611240010000002")).status is RequestStatus.AWAITING_NUMBER
        assert [n.text for n in (await desk.service_request("2611230010000001")).notes] == [
            "first",
            "second, added first",
            "third, same second",
        ]
        # The linked number stays the first hand-off's: another customer's hand-off can't take it.
        with pytest.raises(ServiceRequestOfAnotherCustomer):
            await desk.link_request("E2611240010000002", "2611240010000777")
        noted = await desk.add_note("2611240010000777", "Ana", "after the upgrade")
        assert [n.text for n in noted.notes] == ["연결됨", "after the upgrade"]
        # Each day's numbering goes on after its last number: filed and handed-off alike.
        filed = (await desk.file_request(await _draft(desk, customers[0]), "new-1", "Ana")).request
        assert filed.reference == "E2611240010000003"
        plain = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
        assert (
            await plain.file_request(await _draft(plain, customers[0]), "new-2", "Ana")
        ).request.number == ("2611240010000002")
    finally:
        database.close()


async def test_the_previous_releases_blobs_open_with_every_request_and_note(
    request: pytest.FixtureRequest, customers: list[Customer]
) -> None:
    blobs: dict[str, str] = json.loads((FIXTURES / "azureblob" / "blobs.json").read_text())
    what = json.loads((FIXTURES / "azureblob" / "what.json").read_text())
    container: BlobContainer = await open_container(request)
    try:
        for name, content in blobs.items():
            await container.client.upload_blob(name, content.encode("utf-8"))
        desk = DemoServiceRequests.open(container, DATA_DIR, lambda: DEMO_NOW)
        stored = {
            name: json.loads(content) for name, content in blobs.items() if name.startswith("requests/")
        }
        assert [record["row"][0] for record in stored.values()] == [what["filed_number"]]
        for record in stored.values():
            row = dict(zip(COLUMNS, record["row"], strict=True))
            assert_kept(await desk.service_request(row["number"]), row, [tuple(n) for n in record["notes"]])
            filed = await desk.filed_with_key(row["idempotency_key"])
            assert filed is not None and filed.number == row["number"]
        new = (await desk.file_request(await _draft(desk, customers[0]), "u" * 32, "Ana")).request
        assert int(new.number) == int(what["filed_number"]) + 1
    finally:
        await container.close()
