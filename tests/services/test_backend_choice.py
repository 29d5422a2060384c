"""Demo or live (services/backends/choice.py): each backend comes with its own desk, operator groups and,
for the demo only, a world that moves; closing the choice closes what the live backend holds open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.backends.choice import backends_around, open_backends
from services.backends.demo.backend import DATA_DIR
from services.backends.demo.operators import DEMO_OPERATORS, DEMO_OPERATORS_GROUP
from services.backends.demo.service_requests import demo_catalogue
from services.storage.sqlite_database import SqliteDatabase
from tests.doubles.backends import GatedBackend
from tests.support.harness import DEMO_NOW, demo_backend

ANA = next(iter(DEMO_OPERATORS))


@pytest.fixture
def database(tmp_path: Path) -> Any:
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    yield database
    database.close()


async def test_without_live_settings_the_demo_comes_with_its_operators_group_and_a_world_that_moves(
    database: SqliteDatabase,
) -> None:
    backends = open_backends(None, database, lambda: DEMO_NOW)
    assert backends.backend.name == "demo"
    assert await backends.groups.is_member(DEMO_OPERATORS_GROUP, ANA)
    assert backends.world is not None
    step = await backends.world.tick()
    assert step.step == 1
    await backends.close()


async def test_the_live_backend_asks_no_group_has_no_world_and_is_closed_with_the_choice(
    live_world: Any, database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = live_world.backend
    closed: list[bool] = []
    real_close = backend.close

    async def close() -> None:
        closed.append(True)
        await real_close()

    monkeypatch.setattr(backend, "close", close)
    backends = backends_around(backend, database, lambda: DEMO_NOW)
    assert backends.backend is backend and backends.backend.name == "live"
    assert not await backends.groups.is_member(DEMO_OPERATORS_GROUP, ANA), "no Graph lookup yet"
    assert backends.world is None, "only the demo moves on a tick"
    await backends.close()
    assert closed == [True]


async def test_a_backend_that_is_neither_gets_the_demo_desk_and_no_world(database: SqliteDatabase) -> None:
    backends = backends_around(GatedBackend(demo_backend()), database, lambda: DEMO_NOW)
    assert backends.world is None, "a test's own backend: nothing moves it"
    assert await backends.groups.is_member(DEMO_OPERATORS_GROUP, ANA)
    catalogue = await backends.desk.support_catalogue()
    assert catalogue.topics == demo_catalogue(DATA_DIR).topics, "the demo desk's topics"
    assert len(catalogue.topics) == 12 + 14, "Microsoft 365's and Azure Support's"
    await backends.close()
