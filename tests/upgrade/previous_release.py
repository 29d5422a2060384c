"""What the previous release left behind (tests/upgrade/fixtures), opened by this one for its upgrade tests.

Each test gets its own copy: the fixture files are never modified.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from services.storage.blob_container import BlobContainer
from tests.support.azurite import open_container

FIXTURES = Path(__file__).parent / "fixtures"
SQLITE_FILE = FIXTURES / "sqlite" / "bot-state.sqlite3"
BLOBS = FIXTURES / "azureblob" / "blobs.json"


def copied_sqlite_file(tmp_path: Path) -> Path:
    copy = tmp_path / "bot-state.sqlite3"
    shutil.copyfile(SQLITE_FILE, copy)
    return copy


def table_rows(path: Path, table: str) -> list[dict[str, Any]]:
    """A table's rows read with plain sqlite3, as the previous release's code would see them."""
    with sqlite3.connect(path) as db:
        cursor = db.execute(f"SELECT * FROM {table}")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def blobs_under(collection: str) -> dict[str, Any]:
    """The previous release's blobs of one collection, by blob name, as JSON."""
    every: dict[str, str] = json.loads(BLOBS.read_text(encoding="utf-8"))
    return {name: json.loads(body) for name, body in every.items() if name.startswith(collection + "/")}


async def copied_container(request: pytest.FixtureRequest) -> BlobContainer:
    """A fresh Azurite container holding every blob the previous release wrote."""
    container = await open_container(request)
    every: dict[str, str] = json.loads(BLOBS.read_text(encoding="utf-8"))
    for name, body in every.items():
        await container.client.upload_blob(name, body.encode("utf-8"))
    return container
