"""People carry on where the previous release left them, on the SQLite file and on blobs: an escalation
left half-way resumes at its question, and an answered activity Teams redelivers is not answered again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import personal_message
from tests.support.azurite import open_container
from tests.support.harness import demo_backend
from tests.support.visible import visible_text
from tests.upgrade.make_fixture import BEN, FIXTURES


async def old_data(storage: str, request: pytest.FixtureRequest, data_dir: Path) -> dict[str, Any]:
    """The previous release's data where the app will find it: its SQLite file in the data directory, or
    every blob it wrote in a fresh container. Returns the blob setting."""
    if storage == "sqlite":
        shutil.copyfile(FIXTURES / "sqlite" / "bot-state.sqlite3", data_dir / "bot-state.sqlite3")
        return {}
    container = await open_container(request)
    blobs = json.loads((FIXTURES / "azureblob" / "blobs.json").read_text(encoding="utf-8"))
    for name, content in blobs.items():
        await container.client.upload_blob(name, content.encode("utf-8"))
    await container.close()
    return {"blob": container.location}


@pytest.mark.parametrize("storage", ["sqlite", "azureblob"])
async def test_people_carry_on_where_the_previous_release_left_them(
    storage: str,
    request: pytest.FixtureRequest,
    start_bot: StartBot,
    connector: FakeConnector,
    tmp_path: Path,
) -> None:
    what = json.loads((FIXTURES / storage / "what.json").read_text(encoding="utf-8"))
    bot = await start_bot(
        demo_backend(), instance_id="upgraded", **await old_data(storage, request, tmp_path)
    )

    async def post(activity: dict[str, Any]) -> list[str]:
        before = len(connector.messages)
        response = await bot.post("/api/messages", json=activity)
        assert response.status in (200, 201), response.status
        return [visible_text(message) for message in connector.messages[before:]]

    # Teams redelivers the message Ana's escalation started with, answered by the previous release.
    redelivered = personal_message(connector.service_url, "escalate for northwind")
    redelivered["id"] = what["answered_activity_id"]
    assert await post(redelivered) == [], "answered once, by the previous release"

    ben = personal_message(connector.service_url, "resume")
    ben["id"], ben["from"], ben["conversation"]["id"] = "upgraded-1", BEN, what["half_way_chat"]
    said = await post(ben)
    assert said and said[-1] == what["half_way_question"]
