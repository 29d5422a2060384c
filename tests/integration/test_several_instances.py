"""Two instances of the bot on different loopback ports sharing one blob container on Azurite
(BOT_STORAGE=azureblob), as App Service runs them: each has its own SQLite file, the shared state is in
blobs. A dialog started on one continues on the other, a redelivery to the other instance is not
handled twice, and only one of them runs the watcher and the outbox."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from app import LEADERSHIP, create_app
from bot.turn.access import AccessRules
from services.storage.blob_container import BlobLocation
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.teams import CHANNEL, card_action, channel_message, installation_update
from tests.integration.test_escalation_over_http import ANA, Thread, to_summary
from tests.integration.test_notifications import AUTH, TOKEN, created, event, notify, updates
from tests.support import harness
from tests.support.harness import DEMO_NOW
from tests.support.visible import buttons, visible_text


async def _instances(
    aiohttp_client: Any, tmp_path: Path, azurite: Any, count: int = 2
) -> list[TestClient[Any, Any]]:
    location = BlobLocation(f"desk-{uuid.uuid4().hex[:12]}", azurite.connection_string)
    clients = []
    for index in range(count):
        settings = Settings(
            data_dir=tmp_path / f"instance-{index}",
            blob=location,
            instance_id=f"i{index}",
            notify_token=TOKEN,
            watch_interval_seconds=3600,
            demo_tick_seconds=0,
            # Ana (the sender of channel_message) is an operator: she may read the audit log.
            access=AccessRules(operators=frozenset({ANA["aadObjectId"]})),
        )
        app = create_app(settings, backend=harness.default_backend(), clock=lambda: DEMO_NOW)
        clients.append(await aiohttp_client(app))
    return clients


async def _say(bot: TestClient[Any, Any], connector: FakeConnector, activity: dict[str, Any]) -> str:
    before = len(connector.messages)
    response = await bot.post("/api/messages", json=activity)
    assert response.status in (200, 201), response.status
    return "\n".join(visible_text(m) for m in connector.messages[before:])


async def test_a_dialog_started_on_one_instance_continues_on_the_other(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    first, second = await _instances(aiohttp_client, tmp_path, azurite)
    opening = channel_message(service_url, "escalate for northwind")
    thread = opening["id"]
    asked = await _say(first, connector, opening)
    assert "Northwind" in asked
    answer = await _say(second, connector, channel_message(service_url, "exchange", thread=thread))
    assert "Question 2" in answer and "Which Exchange Online topic fits best?" in answer, (
        "the second instance took up the dialog where the first left it"
    )


async def test_a_redelivery_to_the_other_instance_is_not_handled_twice(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    first, second = await _instances(aiohttp_client, tmp_path, azurite)
    activity = channel_message(service_url, "help")
    assert await _say(first, connector, activity)
    assert await _say(second, connector, activity) == ""


async def test_only_one_instance_runs_the_watcher_and_a_stopped_leader_hands_over(
    aiohttp_client: Any, connector: FakeConnector, tmp_path: Path, azurite: Any
) -> None:
    clients = await _instances(aiohttp_client, tmp_path, azurite, count=3)
    leaderships = [client.app[LEADERSHIP] for client in clients]
    began = time.monotonic()
    while sum(lead.leading for lead in leaderships) == 0:
        assert time.monotonic() - began < 10
        await asyncio.sleep(0.05)
    await asyncio.sleep(1)
    assert sum(lead.leading for lead in leaderships) == 1
    leader = next(client for client, lead in zip(clients, leaderships, strict=True) if lead.leading)
    await leader.close()
    began = time.monotonic()
    rest = [lead for client, lead in zip(clients, leaderships, strict=True) if client is not leader]
    while sum(lead.leading for lead in rest) == 0:
        assert time.monotonic() - began < 8, "a graceful stop releases the lease: taken over at once"
        await asyncio.sleep(0.05)
    assert sum(lead.leading for lead in rest) == 1


async def test_an_install_announced_to_both_instances_at_once_greets_once(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    """Teams sends installationUpdate and conversationUpdate at the same moment; App Service may route
    them to different instances. The conversation lease puts the turns in order: one greeting, and no
    "Two answers crossed"."""
    first, second = await _instances(aiohttp_client, tmp_path, azurite)
    for _ in range(3):
        await asyncio.gather(
            *(bot.post("/api/messages", json=installation_update(service_url)) for bot in (first, second))
        )
    said = [visible_text(m) for m in connector.messages]
    assert not any("Two answers crossed" in text for text in said), said
    assert len(said) == 1, said


async def test_a_channel_subscribed_on_one_instance_hears_an_incident_taken_in_by_the_other_once(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    first, second = await _instances(aiohttp_client, tmp_path, azurite)
    assert "Subscribed" in await _say(first, connector, channel_message(service_url, "subscribe contoso"))
    listed = await _say(second, connector, channel_message(service_url, "subscriptions"))
    assert "Contoso" in listed, "the other instance knows the subscription"
    audit = await _say(second, connector, channel_message(service_url, "audit 5"))
    assert "Ana Bowman subscribed this conversation to Contoso Ltd" in audit, "and its audit entry"
    before = len(connector.messages)
    response = await second.post("/api/notify", json=event("contoso"), headers=AUTH)
    assert (response.status, await response.json()) == (202, {"conversations": 1})
    await connector.wait_for_messages(before + 1, seconds=30)
    await asyncio.sleep(2)  # a second card would come from the other instance's outbox by now
    cards = [s for s in connector.sent[before:] if s.method == "CREATE"]
    assert [s.conversation_id for s in cards] == [CHANNEL]
    assert "Users can't send mail from Outlook" in visible_text(cards[0].activity)


async def test_the_same_event_posted_to_both_instances_at_once_tells_both_callers_who_hears_of_it(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    """One instance takes the change in and fans it out; the other, seeing nothing new, still answers
    how many conversations hear of the incident (it finishes the fan-out it may have caught half-done)."""
    first, second = await _instances(aiohttp_client, tmp_path, azurite)
    channels = [f"19:notify-{n:02d}@thread.tacv2" for n in range(12)]
    for channel in channels:
        await _say(first, connector, channel_message(service_url, "subscribe contoso", channel=channel))
    before = len(connector.sent)
    answers = await asyncio.gather(*(notify(bot, event("contoso")) for bot in (first, second)))
    assert answers == [(202, {"conversations": len(channels)})] * 2
    await connector.wait_until(lambda: len(created(connector)) >= len(channels), 30)
    await asyncio.sleep(1)  # a second card would come from the other instance's outbox by now
    cards = [s.conversation_id for s in connector.sent[before:] if s.method == "CREATE"]
    assert sorted(cards) == channels, "one card per channel"


async def test_a_request_filed_through_one_instance_is_listed_by_the_other(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    connector.members[ANA["id"]] = ANA
    first, second = await _instances(aiohttp_client, tmp_path, azurite)
    thread = Thread(first, connector, service_url)
    await to_summary(thread)
    summary = thread.last
    receipt = await thread.press("Submit")
    number = receipt.split("SR number: ")[1].split()[0]
    listed = await _say(second, connector, channel_message(service_url, "requests northwind"))
    assert number in listed and "Mail to gmail.com bounces" in listed
    audit = await _say(second, connector, channel_message(service_url, "audit"))
    assert f"Ana Bowman filed a service request {number}" in audit, "the filing's audit entry too"
    thread.bot = second
    again = await thread.press("Submit", summary)
    assert again.startswith(f"Already filed as {number}."), "Submit pressed again there files nothing"
    assert "1 request" in await _say(first, connector, channel_message(service_url, "requests northwind"))


async def _follower(clients: list[TestClient[Any, Any]]) -> TestClient[Any, Any]:
    """An instance that is not the leader, once one leads."""
    leaderships = [client.app[LEADERSHIP] for client in clients]
    began = time.monotonic()
    while not any(lead.leading for lead in leaderships):
        assert time.monotonic() - began < 10
        await asyncio.sleep(0.05)
    return next(client for client, lead in zip(clients, leaderships, strict=True) if not lead.leading)


async def test_acknowledge_and_quiet_hours_on_an_instance_that_does_not_lead_hold_for_the_leaders_outbox(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    other = await _follower(await _instances(aiohttp_client, tmp_path, azurite))
    assert "Subscribed" in await _say(other, connector, channel_message(service_url, "subscribe contoso"))
    assert await notify(other, event("contoso")) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)), 30)
    acknowledge = next(b for b in buttons(created(connector)[0].activity) if b.title == "Acknowledge")
    press = card_action(service_url, acknowledge.action["verb"], acknowledge.action["data"], thread="t-2")
    assert (await other.post("/api/messages", json=press)).status == 200
    await connector.wait_until(lambda: bool(updates(connector)), 30)
    assert "✓ Acknowledged by Ana Bowman" in visible_text(updates(connector)[0].activity), (
        "the leader refreshed the card the other instance's Acknowledge changed"
    )
    await _say(other, connector, channel_message(service_url, "quiet 2"))
    assert await notify(other, event("contoso", "SP2200002")) == (202, {"conversations": 1})
    began = time.monotonic()
    while "(quiet until" not in await _say(other, connector, channel_message(service_url, "notices")):
        assert time.monotonic() - began < 30, "the other instance's notices show what the leader held"
        await asyncio.sleep(0.5)
    assert not created(connector)[1:]
    await _say(other, connector, channel_message(service_url, "quiet off"))
    await connector.wait_until(lambda: len(created(connector)) == 2, 30)
    assert visible_text(created(connector)[1].activity).startswith("While it was quiet"), (
        "the leader held the notice for the quiet hours set on the other instance"
    )
