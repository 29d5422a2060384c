"""Writes what a release keeps after a day's use, for the next release's upgrade tests.

`.venv/bin/python -m tests.upgrade.make_fixture` drives the real app over HTTP as people would (a
channel installs the bot and subscribes; another channel subscribes in Korean and asks for quiet hours;
a notice is delivered, updated and acknowledged; a request is filed through the guided escalation and
gets a note; another person's escalation is left half-way), once on the SQLite file and once on blobs in
Azurite, then saves the SQLite file and every blob under tests/upgrade/fixtures/ with a note of what
happened (what.json) for the tests to look for. It is run by the release whose data the next one must
open, and its output is committed; later releases never regenerate it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from app import create_app
from services.storage.blob_container import BlobContainer, BlobLocation
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.teams import (
    CHANNEL,
    OTHER_CHANNEL,
    card_action,
    channel_message,
    installation_update,
    personal_message,
)
from tests.integration.test_escalation_over_http import ANA
from tests.support.azurite import running_azurite
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import button, buttons, visible_text

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "upgrade-fixture-notify-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# The person whose escalation is left half-way, in a 1:1 chat of their own.
BEN = {
    "id": "29:1Ben-Walters-Teams-Id",
    "name": "Ben Walters",
    "aadObjectId": "b2c3d4e5-0000-4000-8000-000000000002",
}
BEN_CHAT = "a:1Ben-Walters-personal-chat-with-the-bot"
# The person who reads the bot in Korean, in the other channel.
MINJUN = {
    "id": "29:1Minjun-Kim-Teams-Id",
    "name": "김민준",
    "aadObjectId": "c3d4e5f6-0000-4000-8000-000000000003",
}


def event(posts: int) -> dict[str, Any]:
    return {
        "customer": "contoso",
        "incident": {
            "id": "EX2200001",
            "service": "Exchange Online",
            "title": "Users can't send mail from Outlook",
            "status": "serviceInterruption",
            "classification": "incident",
            "impactDescription": "Users may be unable to send mail from Outlook desktop.",
            "startDateTime": "2026-11-24T07:00:00Z",
            "endDateTime": None,
            "lastModifiedDateTime": f"2026-11-24T{7 + posts:02d}:00:00Z",
            "isResolved": False,
            "posts": [
                {
                    "createdDateTime": f"2026-11-24T{7 + n:02d}:00:00Z",
                    "postType": "regular",
                    "description": {"contentType": "html", "content": f"<p>Update {n + 1}.</p>"},
                }
                for n in range(posts)
            ],
        },
    }


async def a_day_of_use(bot: TestClient[Any, Any], connector: FakeConnector) -> dict[str, Any]:
    """What people do; returns what the tests should find afterwards."""
    url = connector.service_url
    connector.members[ANA["id"]] = ANA

    async def post(activity: dict[str, Any]) -> str:
        before = len(connector.messages)
        response = await bot.post("/api/messages", json=activity)
        assert response.status in (200, 201), response.status
        return "\n".join(visible_text(m) for m in connector.messages[before:])

    await post(installation_update(url))
    await post(channel_message(url, "subscribe contoso"))
    for text in ("language korean", "subscribe northwind", "quiet 2"):
        said = channel_message(url, text, channel=OTHER_CHANNEL)
        said["from"] = MINJUN
        await post(said)

    response = await bot.post("/api/notify", json=event(1), headers=AUTH)
    assert response.status == 202, response.status
    await connector.wait_until(lambda: any(s.method == "CREATE" for s in connector.sent), 60)
    card = next(s for s in connector.sent if s.method == "CREATE")
    acknowledge = next(b for b in buttons(card.activity) if b.title == "Acknowledge")
    press = card_action(url, acknowledge.action["verb"], acknowledge.action["data"], thread="thread-1")
    assert (await bot.post("/api/messages", json=press)).status == 200
    response = await bot.post("/api/notify", json=event(2), headers=AUTH)
    assert response.status == 202, response.status
    # The card refreshed and the update's reply in its thread (a refresh may carry both changes).
    await connector.wait_until(
        lambda: (
            any(s.method == "PUT" for s in connector.sent)
            and any("Update 2." in visible_text(s.activity) for s in connector.sent if s.method == "POST")
        ),
        60,
    )

    thread = personal_message(url, "escalate for northwind")
    await post(thread)
    for answer in (
        "exchange",
        "mail flow",
        "moderate",
        "Mail to gmail.com bounces",
        "NDR 5.7.1 since 08:00.",
    ):
        await post(personal_message(url, answer))
    await post(
        personal_message(
            url,
            value=button(
                connector.messages[-1], "1. Keep Ana Bowman (ana.bowman@contoso-partner.example)"
            ).action["data"],
        )
    )
    await post(personal_message(url, "skip"))
    receipt = await post(personal_message(url, value=button(connector.messages[-1], "Submit").action["data"]))
    number = next(word for word in receipt.split() if word.isdigit() and len(word) >= 10)
    await post(personal_message(url, f"note {number} Customer confirmed the bounce at 09:12."))

    half_way = personal_message(url, "escalate for contoso")
    half_way["from"] = BEN
    half_way["conversation"]["id"] = BEN_CHAT
    await post(half_way)
    for answer in ("teams", "meetings"):
        step = personal_message(url, answer)
        step["from"], step["conversation"]["id"] = BEN, BEN_CHAT
        await post(step)
    pending_question = visible_text(connector.messages[-1])

    return {
        "channel": CHANNEL,
        "korean_channel": OTHER_CHANNEL,
        "incident": "EX2200001",
        "filed_number": number,
        "note": "Customer confirmed the bounce at 09:12.",
        "half_way_chat": BEN_CHAT,
        "half_way_question": pending_question,
        "answered_activity_id": thread["id"],
    }


async def run(storage: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data"
        connector = FakeConnector()
        connector_server = TestServer(connector.app(), host="127.0.0.1")
        await connector_server.start_server()
        connector.service_url = str(connector_server.make_url("/amer/"))
        with running_azurite(Path(scratch)) as azurite:
            blob = BlobLocation("upgrade", azurite.connection_string) if storage == "azureblob" else None
            settings = Settings(
                data_dir=data,
                notify_token=TOKEN,
                watch_interval_seconds=3600,
                demo_tick_seconds=0,
                blob=blob,
                instance_id="upgrade-fixture",
            )
            app = create_app(settings, backend=demo_backend(), clock=lambda: DEMO_NOW)
            bot = TestClient(TestServer(app, host="127.0.0.1"))
            await bot.start_server()
            try:
                what = await a_day_of_use(bot, connector)
            finally:
                await bot.close()
            out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a one-off script
            shutil.copy(data / "bot-state.sqlite3", out / "bot-state.sqlite3")
            if blob is not None:
                container = BlobContainer(blob)
                blobs = {}
                async for item in container.client.list_blobs():
                    download = await container.client.download_blob(item.name, encoding="utf-8")
                    blobs[item.name] = await download.readall()
                await container.close()
                (out / "blobs.json").write_text(
                    json.dumps(blobs, indent=1, sort_keys=True, ensure_ascii=False)
                )
        await connector_server.close()
    (out / "what.json").write_text(json.dumps(what, indent=1, ensure_ascii=False))


async def main() -> None:
    for storage in sys.argv[1:] or ("sqlite", "azureblob"):
        await run(storage, FIXTURES / storage)
        print(f"wrote {FIXTURES / storage}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
