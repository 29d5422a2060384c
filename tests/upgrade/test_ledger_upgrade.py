"""The live desk's ledger opens what the previous release kept, on the SQLite file and on blobs, losing
nothing: every escalation, found by key, reference and number, hand-offs still linkable, references going
on after the last one handed out."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from services.backends.live.escalation_ledger import (
    AZURE,
    PARTNER_CENTER,
    Escalation,
    EscalationLedger,
    migrate_live_escalations_rows,
)
from services.domain.models import Contact, Severity, SupportTopic
from services.storage.places import Place
from services.storage.sqlite_database import SqliteDatabase
from tests.support.azurite import open_container

FIXTURE = Path(__file__).parent / "fixtures" / "ledger"
WHAT = json.loads((FIXTURE / "what.json").read_text())
# The previous release's columns of `live_escalations`, the order of an escalation's row on blobs.
COLUMNS = (
    "idempotency_key kind reference number customer_id customer_name tenant_id subscription_id topic_id "
    "product topic_name severity title description contact_name contact_email contact_phone incident_id "
    "requested_by created"
).split()


def old_rows(path: Path) -> list[dict[str, Any]]:
    """What the previous release's table holds, read with plain sqlite3, in the order it was recorded."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in db.execute("SELECT * FROM live_escalations ORDER BY rowid")]
    finally:
        db.close()


def tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        db.close()


def assert_kept(found: Escalation | None, row: dict[str, Any]) -> None:
    assert found is not None, row["idempotency_key"]
    assert (found.key, found.kind, found.reference, found.number) == (
        row["idempotency_key"],
        row["kind"],
        row["reference"],
        row["number"],
    )
    assert (found.customer_id, found.customer_name, found.tenant_id, found.subscription_id) == (
        row["customer_id"],
        row["customer_name"],
        row["tenant_id"],
        row["subscription_id"],
    )
    assert found.topic == SupportTopic(row["topic_id"], row["product"], row["topic_name"])
    assert (found.severity.value, found.title, found.description, found.incident_id) == (
        row["severity"],
        row["title"],
        row["description"],
        row["incident_id"],
    )
    assert found.contact == Contact(row["contact_name"], row["contact_email"], row["contact_phone"])
    assert (found.requested_by, found.created.isoformat()) == (row["requested_by"], row["created"])


async def assert_all_there(ledger: EscalationLedger, rows: list[dict[str, Any]]) -> None:
    """Every old escalation by key, reference and number, newest first; the hand-off still waiting can be
    linked, the linked one keeps its number, and the next hand-off of that day gets the next reference."""
    assert sorted(r["idempotency_key"] for r in rows) == sorted(
        WHAT[name] for name in ("azure_key", "awaiting_key", "linked_key")
    )
    for row in rows:
        assert_kept(await ledger.with_key(row["idempotency_key"]), row)
        for number in {row["reference"], row["number"]} - {""}:
            assert_kept(await ledger.by_number(number), row)
    newest_first = sorted(rows, key=lambda r: r["created"], reverse=True)
    assert [e.key for e in await ledger.recent(None, 10)] == [r["idempotency_key"] for r in newest_first]
    assert await ledger.link(WHAT["linked_reference"], "2611240010000999") == WHAT["linked_number"]
    assert await ledger.link(WHAT["awaiting_reference"], "2611240010000500") == ""
    linked = await ledger.by_number("2611240010000500")
    assert linked is not None and linked.key == WHAT["awaiting_key"]
    later = await ledger.with_key(WHAT["awaiting_key"])
    assert later is not None
    await ledger.record(replace(later, key="new-hand-off", reference="", number=""))
    new = await ledger.with_key("new-hand-off")
    assert new is not None and new.reference == "E2611240020000003"


@pytest.fixture
def upgraded(tmp_path: Path) -> Path:
    path = tmp_path / "bot-state.sqlite3"
    shutil.copy(FIXTURE / "bot-state.sqlite3", path)
    return path


async def test_the_previous_releases_sqlite_file_opens_with_every_escalation(upgraded: Path) -> None:
    rows = old_rows(upgraded)
    database = SqliteDatabase(upgraded)
    try:
        await assert_all_there(EscalationLedger(database), rows)
    finally:
        database.close()
    assert "live_escalations" not in tables(upgraded)
    assert old_rows_of(upgraded, "live_escalations_before_records") == rows


def old_rows_of(path: Path, table: str) -> list[dict[str, Any]]:
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]
    finally:
        db.close()


async def test_a_second_start_moves_nothing_again(upgraded: Path) -> None:
    def records() -> list[tuple[Any, ...]]:
        db = sqlite3.connect(upgraded)
        try:
            return db.execute("SELECT * FROM records ORDER BY collection, name").fetchall()
        finally:
            db.close()

    database = SqliteDatabase(upgraded)
    EscalationLedger(database)
    database.close()
    after_first = records()
    database = SqliteDatabase(upgraded)
    EscalationLedger(database)
    migrate_live_escalations_rows(database)
    database.close()
    assert records() == after_first


async def test_a_new_install_has_nothing_to_move(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "bot.sqlite3")
    try:
        assert await EscalationLedger(database).recent(None, 10) == []
    finally:
        database.close()
    assert not {name for name in tables(tmp_path / "bot.sqlite3") if "escalation" in name}


def _escalation(key: str, kind: str, reference: str, number: str, created: str) -> Escalation:
    return Escalation(
        key=key,
        kind=kind,
        reference=reference,
        number=number,
        customer_id="c-contoso",
        customer_name="Contoso Ltd",
        tenant_id="t-contoso",
        subscription_id="s-1" if kind == AZURE else "",
        topic=SupportTopic("32444671", "Exchange Online", "Mail flow"),
        severity=Severity.CRITICAL,
        title=f"Escalation {key}",
        description="Quotes ' and \", and 한국어.",
        contact=Contact("민준 김", "minjun@contoso.example", "+82 2 555 0142"),
        incident_id="EX2200001",
        requested_by="민준 김",
        created=datetime.fromisoformat(created),
    )


async def test_every_kind_of_old_escalation_is_moved_and_works_on(tmp_path: Path) -> None:
    """Hand-offs on two days (linked and waiting), Azure tickets, two recorded in the same second, and a
    number two rows came to hold (the old table allowed it; the first recorded keeps it, as its lookup
    found it first)."""
    path = tmp_path / "bot-state.sqlite3"
    rows = [
        _escalation(
            "k1", PARTNER_CENTER, "E2611230020000001", "2611230010000001", "2026-11-23T10:00:00+00:00"
        ),
        _escalation("k2", PARTNER_CENTER, "E2611230020000007", "", "2026-11-23T10:00:00+00:00"),
        _escalation("k3", AZURE, "", "2611240050000001", "2026-11-24T08:00:00+00:00"),
        _escalation(
            "k4", PARTNER_CENTER, "E2611240020000004", "2611240050000001", "2026-11-24T08:30:00+00:00"
        ),
        _escalation("k5", PARTNER_CENTER, "E2611240020000002", "", "2026-11-24T09:00:00+00:00"),
    ]
    # The previous release's CREATE statements, from its file (read, never written).
    old = sqlite3.connect(f"file:{FIXTURE / 'bot-state.sqlite3'}?immutable=1", uri=True)
    schema = [
        sql
        for (sql,) in old.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'live_escalations' AND sql IS NOT NULL"
        )
    ]
    old.close()
    db = sqlite3.connect(path)
    for sql in schema:
        db.execute(sql)
    db.executemany(
        f"INSERT INTO live_escalations ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 20)})",
        [
            (
                e.key,
                e.kind,
                e.reference,
                e.number,
                e.customer_id,
                e.customer_name,
                e.tenant_id,
                e.subscription_id,
                e.topic.topic_id,
                e.topic.product,
                e.topic.name,
                e.severity.value,
                e.title,
                e.description,
                e.contact.name,
                e.contact.email,
                e.contact.phone,
                e.incident_id,
                e.requested_by,
                e.created.isoformat(),
            )
            for e in rows
        ],
    )
    db.commit()
    db.close()
    old_ones = old_rows(path)
    database = SqliteDatabase(path)
    try:
        ledger = EscalationLedger(database)
        for row in old_ones:
            assert_kept(await ledger.with_key(row["idempotency_key"]), row)
            if row["reference"]:
                assert_kept(await ledger.by_number(row["reference"]), row)
        shared = await ledger.by_number("2611240050000001")
        assert shared is not None and shared.key == "k3"
        assert [e.key for e in await ledger.recent(None, 2)] == ["k5", "k4"]
        assert await ledger.link("E2611230020000007", "2611230010000002") == ""
        found = await ledger.by_number("2611230010000002")
        assert found is not None and found.key == "k2"
        # Each day's references go on after the last one handed out, never reusing one.
        for key, created in (("n1", "2026-11-23T12:00:00+00:00"), ("n2", "2026-11-24T12:00:00+00:00")):
            await ledger.record(_escalation(key, PARTNER_CENTER, "", "", created))
        references = [(await ledger.with_key(k)) for k in ("n1", "n2")]
        assert [e.reference for e in references if e] == ["E2611230020000008", "E2611240020000005"]
    finally:
        database.close()


async def test_the_previous_releases_blobs_open_with_every_escalation(request: pytest.FixtureRequest) -> None:
    blobs: dict[str, str] = json.loads((FIXTURE / "blobs.json").read_text())
    container = await open_container(request)
    try:
        for name, content in blobs.items():
            await container.client.upload_blob(name, content.encode("utf-8"))
        rows = [
            dict(zip(COLUMNS, json.loads(content)["row"], strict=True))
            for name, content in blobs.items()
            if name.startswith("escalations/")
        ]
        place: Place = container
        await assert_all_there(EscalationLedger(place), rows)
    finally:
        await container.close()
