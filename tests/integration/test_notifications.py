"""Proactive outage notices end to end: subscribe in Teams, an event arrives (webhook or the moving demo
world), and the card reaches exactly the subscribed conversations, once, and is kept up to date."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.turn.access import AccessRules
from tests.doubles.connector import Failure, FakeConnector, Sent
from tests.integration.conftest import StartBot
from tests.integration.teams import (
    CHANNEL,
    OTHER_CHANNEL,
    PERSONAL_CHAT,
    TENANT,
    card_action,
    channel_message,
    installation_update,
    personal_message,
)
from tests.support.visible import buttons, visible_text

TOKEN = "notify-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUIET_BOT = {"notify_token": TOKEN, "watch_interval_seconds": 3600, "demo_tick_seconds": 0}


def event(
    customer: str,
    incident_id: str = "EX2200001",
    status: str = "serviceInterruption",
    posts: int = 1,
    resolved: bool = False,
) -> dict[str, Any]:
    """What the partner's monitoring posts: a customer and a Graph serviceHealthIssue."""
    return {
        "customer": customer,
        "incident": {
            "id": incident_id,
            "service": "Exchange Online",
            "title": "Users can't send mail from Outlook",
            "status": status,
            "classification": "incident",
            "impactDescription": "Users may be unable to send mail from Outlook desktop.",
            "startDateTime": "2026-11-24T07:00:00Z",
            "endDateTime": "2026-11-24T10:20:00Z" if resolved else None,
            "lastModifiedDateTime": f"2026-11-24T{7 + posts:02d}:00:00Z",
            "isResolved": resolved,
            "posts": [
                {
                    "createdDateTime": f"2026-11-24T{7 + n:02d}:00:00Z",
                    "postType": "regular",
                    "description": {
                        "contentType": "html",
                        "content": f"Title: Mail delays<br><br>Current status: Update number {n + 1}.",
                    },
                }
                for n in range(posts)
            ],
        },
    }


async def say(bot: TestClient[Any, Any], activity: dict[str, Any]) -> None:
    assert (await bot.post("/api/messages", json=activity)).status in (200, 201)


async def notify(bot: TestClient[Any, Any], body: Any) -> tuple[int, Any]:
    response = await bot.post("/api/notify", json=body, headers=AUTH)
    return response.status, await response.json()


def created(connector: FakeConnector) -> list[Sent]:
    return [s for s in connector.sent if s.method == "CREATE"]


def updates(connector: FakeConnector) -> list[Sent]:
    return [s for s in connector.sent if s.method == "PUT"]


async def subscribed(
    bot: TestClient[Any, Any], service_url: str, what: str = "contoso", **where: Any
) -> None:
    await say(bot, channel_message(service_url, f"subscribe {what}", **where))


async def card_posted(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> TestClient[Any, Any]:
    """A bot whose channel subscribes to Contoso and has just been posted the card of EX2200001."""
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: bool(created(connector)))
    return bot


async def test_a_new_incident_reaches_the_subscribed_channel_as_a_new_thread_and_no_one_else(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    assert "This channel will now hear about: Contoso Ltd · every service · incidents" in visible_text(
        connector.messages[0]
    )
    await say(bot, personal_message(service_url, "help"))
    await say(bot, channel_message(service_url, "help", channel=OTHER_CHANNEL))
    before = len(connector.sent)

    assert await notify(bot, event("contoso")) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))
    await asyncio.sleep(0.2)
    (card,) = connector.sent[before:]
    assert (card.method, card.conversation_id) == ("CREATE", CHANNEL)
    text = visible_text(card.activity)
    assert text.splitlines()[:3] == [
        "Incident · Exchange Online",
        "Users can't send mail from Outlook",
        "Interrupted",
    ]
    assert "Customer: Contoso Ltd" in text and "Latest: Update number 1." in text
    assert [b.title for b in buttons(card.activity)] == ["Details", "File a service request", "Acknowledge"]


async def test_the_card_buttons_open_the_incident_and_start_the_escalation(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url, "woodgrove")
    await notify(bot, event("woodgrove", "EX2200007", status="restoringService"))
    await connector.wait_until(lambda: bool(created(connector)))
    card = created(connector)[0].activity
    details = next(b for b in buttons(card) if b.title == "Details")
    await say(bot, channel_message(service_url, value=details.action["data"]))
    assert visible_text(connector.messages[-1]).startswith("Users can't send mail from Outlook\nEX2200007")
    escalate = next(b for b in buttons(card) if b.title == "File a service request")
    assert escalate.action["data"]["command"].startswith("escalate for ")


@pytest.mark.parametrize("restart", [False, True])
async def test_a_change_updates_the_same_card_and_says_so_in_its_thread(
    start_bot: StartBot, connector: FakeConnector, service_url: str, restart: bool
) -> None:
    bot = await card_posted(start_bot, connector, service_url)
    if restart:
        await bot.close()
        bot = await start_bot(**QUIET_BOT)
    assert await notify(bot, event("contoso", status="restoringService", posts=2)) == (
        202,
        {"conversations": 1},
    )
    await connector.wait_until(lambda: len(updates(connector)) == 1 and len(connector.messages) >= 3)
    await asyncio.sleep(0.2)
    (first,) = created(connector)
    thread = f"{CHANNEL};messageid=thread-2"
    (update,) = updates(connector)
    assert (update.conversation_id, update.reply_to_id) == (thread, "thread-2")
    assert "Restoring service" in visible_text(update.activity)
    reply = connector.sent[-1]
    assert (reply.method, reply.conversation_id, reply.reply_to_id) == ("POST", thread, "thread-2")
    assert reply.activity["text"] == "Restoring service: Update number 2."
    assert len(created(connector)) == 1, "never a second card for one incident"


async def test_an_event_that_says_nothing_new_sends_nothing(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await card_posted(start_bot, connector, service_url)
    sent = len(connector.sent)
    assert await notify(bot, event("contoso")) == (202, {"conversations": 1}), "who hears of it, as before"
    await asyncio.sleep(0.2)
    assert len(connector.sent) == sent


async def test_a_resolved_incident_says_how_long_it_lasted(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await card_posted(start_bot, connector, service_url)
    await notify(bot, event("contoso", status="serviceRestored", posts=3, resolved=True))
    await connector.wait_until(lambda: bool(updates(connector)))
    text = visible_text(updates(connector)[0].activity)
    assert "Resolved after 3 hours 20 minutes" in text
    assert "Acknowledge" not in text


async def test_one_incident_in_several_tenants_is_one_card_listing_every_affected_customer(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url, "all")
    assert await notify(bot, event("contoso", "MO2200009")) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))
    assert await notify(bot, event("woodgrove", "MO2200009")) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(updates(connector)))
    await asyncio.sleep(0.2)
    assert len(created(connector)) == 1
    assert "Customers: Contoso Ltd, Woodgrove Bank" in visible_text(updates(connector)[-1].activity)
    assert connector.sent[-1].activity["text"] == "Interrupted: now affecting 2 customers"


async def test_a_throttled_connector_still_gets_every_notice_exactly_once_in_every_conversation(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    await subscribed(bot, service_url, channel=OTHER_CHANNEL)
    await say(bot, personal_message(service_url, "subscribe contoso"))
    connector.failures = [Failure(429, "0.05")] * 4 + [Failure(503, "0.05")] * 2
    assert await notify(bot, event("contoso")) == (202, {"conversations": 3})
    assert await notify(bot, event("contoso", "SP2200002")) == (202, {"conversations": 3})

    def cards(conversation: str) -> list[str]:
        return [
            visible_text(s.activity).splitlines()[3]
            for s in connector.sent
            if s.conversation_id == conversation
            and s.activity.get("attachments")
            and "Incident" in str(s.activity)
            and s.method in ("CREATE", "POST")
            and "Incident · " in visible_text(s.activity)
        ]

    await connector.wait_until(
        lambda: all(len(cards(c)) == 2 for c in (CHANNEL, OTHER_CHANNEL, PERSONAL_CHAT))
    )
    await asyncio.sleep(0.3)
    for conversation in (CHANNEL, OTHER_CHANNEL, PERSONAL_CHAT):
        assert sorted(cards(conversation)) == ["Incident: EX2200001", "Incident: SP2200002"], conversation
    assert not connector.failures, "every throttled send was retried"


async def test_a_conversation_that_refuses_the_bot_is_marked_inactive_and_not_tried_again(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    connector.refusing[CHANNEL] = 403
    attempts = len(connector.attempts)
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: len(connector.attempts) == attempts + 1)
    await asyncio.sleep(0.2)
    assert await notify(bot, event("contoso", "SP2200002")) == (202, {"conversations": 0})
    await asyncio.sleep(0.2)
    assert len(connector.attempts) == attempts + 1, "a 403 is not retried, and nothing more is sent there"
    await say(bot, personal_message(service_url, "notices contoso"))
    assert "Another conversation: not sent" in visible_text(connector.messages[-1])
    assert "(the bot was blocked or removed)" in visible_text(connector.messages[-1])


OTHER_TENANT = "9f8e7d6c-0000-4000-8000-0000000000ff"


def _in_other_tenant(activity: dict[str, Any]) -> dict[str, Any]:
    activity["conversation"]["tenantId"] = OTHER_TENANT
    activity["channelData"]["tenant"]["id"] = OTHER_TENANT
    return activity


async def test_no_notice_goes_to_a_tenant_outside_allowed_tenants_even_one_subscribed_before_it_was_set(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    before_the_setting = await start_bot(**QUIET_BOT)
    await subscribed(before_the_setting, service_url)
    await say(
        before_the_setting,
        _in_other_tenant(channel_message(service_url, "subscribe contoso", channel=OTHER_CHANNEL)),
    )
    await before_the_setting.close()
    assert {s.conversation_id.split(";")[0] for s in connector.sent} == {CHANNEL, OTHER_CHANNEL}
    before = len(connector.sent)

    bot = await start_bot(**QUIET_BOT, access=AccessRules(allowed_tenants=frozenset({TENANT})))
    assert await notify(bot, event("contoso")) == (202, {"conversations": 2})
    await connector.wait_until(lambda: bool(created(connector)))
    await asyncio.sleep(0.3)
    assert [(s.method, s.conversation_id) for s in connector.sent[before:]] == [("CREATE", CHANNEL)]

    await notify(bot, event("contoso", posts=2))
    await connector.wait_until(lambda: bool(updates(connector)))
    await asyncio.sleep(0.3)
    assert {s.conversation_id.split(";")[0] for s in connector.sent[before:]} == {CHANNEL}


async def test_a_conversation_that_refused_the_bot_hears_again_once_someone_there_writes_to_it(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    connector.refusing[CHANNEL] = 403
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: bool(connector.attempts))
    await asyncio.sleep(0.2)
    del connector.refusing[CHANNEL]
    await say(bot, channel_message(service_url, "help"))
    assert await notify(bot, event("contoso", "SP2200002")) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))


async def test_removing_the_bot_drops_the_conversations_subscriptions(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    await say(bot, installation_update(service_url, "remove"))
    assert await notify(bot, event("contoso")) == (202, {"conversations": 0})


async def test_quiet_hours_hold_notices_and_deliver_them_as_one_digest(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    await say(bot, channel_message(service_url, "quiet 2"))
    # Teams says the person is in Vienna (clientInfo): the time is theirs, named.
    assert "This channel is quiet until 24 Nov 2026 12:00 CET" in visible_text(connector.messages[-1])
    await notify(bot, event("contoso"))
    await notify(bot, event("contoso", "SP2200002"))
    await asyncio.sleep(0.3)
    assert created(connector) == []
    await say(bot, channel_message(service_url, "quiet off"))
    await connector.wait_until(lambda: bool(created(connector)))
    await asyncio.sleep(0.2)
    (digest,) = created(connector)
    text = visible_text(digest.activity)
    assert text.startswith("While it was quiet\n2 incidents changed since 24 Nov 2026 09:00 UTC.")
    assert "EX2200001 · Users can't send mail from Outlook" in text and "SP2200002" in text


async def test_acknowledge_answers_with_the_refreshed_card_and_updates_it_for_everyone(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await card_posted(start_bot, connector, service_url)
    acknowledge = next(b for b in buttons(created(connector)[0].activity) if b.title == "Acknowledge")
    press = card_action(
        service_url, acknowledge.action["verb"], acknowledge.action["data"], thread="thread-2"
    )
    response = await bot.post("/api/messages", json=press)
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": body["value"]}
    refreshed = {"type": "message", "attachments": [card]}
    assert "✓ Acknowledged by Ana Bowman" in visible_text(refreshed)
    assert "Acknowledge" not in [b.title for b in buttons(refreshed)]
    await connector.wait_until(lambda: bool(updates(connector)))
    assert "✓ Acknowledged by Ana Bowman" in visible_text(updates(connector)[0].activity)
    assert updates(connector)[0].reply_to_id == "thread-2"


@pytest.mark.parametrize(
    ("typed", "korean", "says"),
    [
        (
            "quiet 0",
            False,
            "Not quiet\nThis channel has no quiet hours to end: notices already reach it as they come.",
        ),
        ("quiet off", False, "Not quiet\nThis channel has no quiet hours to end"),
        ("조용히 해제", True, "조용히 상태 아님\n이 채널에는 끝낼 조용히 시간이 없습니다."),
    ],
)
async def test_ending_quiet_hours_that_werent_on_says_so_rather_than_quiet_ended(
    start_bot: StartBot, connector: FakeConnector, service_url: str, typed: str, korean: bool, says: str
) -> None:
    bot = await start_bot(**QUIET_BOT)

    def message(text: str) -> dict[str, Any]:
        activity = channel_message(service_url, text)
        return in_korean(activity) if korean else activity

    await say(bot, message(typed))
    assert says in visible_text(connector.messages[-1]), visible_text(connector.messages[-1])
    await say(bot, message("quiet 2"))
    await say(bot, message(typed))
    ended = visible_text(connector.messages[-1])
    assert ended.startswith("조용히 끝남" if korean else "Quiet ended"), ended


async def test_an_acknowledgement_during_quiet_hours_updates_the_card_and_makes_no_digest(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await card_posted(start_bot, connector, service_url)
    await say(bot, channel_message(service_url, "quiet 2"))
    acknowledge = next(b for b in buttons(created(connector)[0].activity) if b.title == "Acknowledge")
    press = card_action(
        service_url, acknowledge.action["verb"], acknowledge.action["data"], thread="thread-2"
    )
    assert (await bot.post("/api/messages", json=press)).status == 200
    await connector.wait_until(lambda: bool(updates(connector)))
    assert "✓ Acknowledged by Ana Bowman" in visible_text(updates(connector)[0].activity)
    await say(bot, channel_message(service_url, "quiet off"))
    await asyncio.sleep(0.5)
    assert len(created(connector)) == 1, "nothing changed while it was quiet: no digest"


@pytest.mark.parametrize(
    "data", [{"action": "notice.acknowledge", "incident": "../../etc"}, {"action": "x"}, "EX2200001", None]
)
async def test_a_tampered_acknowledge_is_refused_and_changes_nothing(
    start_bot: StartBot, connector: FakeConnector, service_url: str, data: Any
) -> None:
    bot = await start_bot(**QUIET_BOT)
    response = await bot.post("/api/messages", json=card_action(service_url, "notice.acknowledge", data, "t"))
    assert response.status == 400
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.error" and "out of date" in body["value"]["message"]
    assert connector.sent == []


WRONG = {"Authorization": "Bearer wrong"}
NO_ID = {"customer": "contoso", "incident": {"title": "no id"}}


@pytest.mark.parametrize(
    ("token", "headers", "body", "status", "answer"),
    [
        ("", AUTH, event("contoso"), 404, {"error": "Not found"}),
        (TOKEN, {}, event("contoso"), 401, {"error": "Missing or wrong bearer token"}),
        (TOKEN, WRONG, event("contoso"), 401, {"error": "Missing or wrong bearer token"}),
        (
            TOKEN,
            AUTH,
            ["x"],
            400,
            {"error": "The body must be a JSON object with 'customer' and 'incident'."},
        ),
        (
            TOKEN,
            AUTH,
            {"incident": event("contoso")["incident"]},
            400,
            {"error": "'customer' must be a customer id, tenant id, domain or name."},
        ),
        (TOKEN, AUTH, NO_ID, 400, {"error": "'incident' needs at least 'id' and 'startDateTime'."}),
        (
            TOKEN,
            AUTH,
            {"customer": "fabrikam", "incident": event("contoso")["incident"]},
            400,
            {"error": "'customer' matches 2 customers; send its id."},
        ),
        (TOKEN, AUTH, event("no such customer"), 404, {"error": "No customer matches 'customer'."}),
        (TOKEN, AUTH, event("contoso.onmicrosoft.com"), 202, {"conversations": 0}),
    ],
)
async def test_the_notify_contract(
    start_bot: StartBot,
    token: str,
    headers: dict[str, str],
    body: Any,
    status: int,
    answer: dict[str, Any],
) -> None:
    bot = await start_bot(**{**QUIET_BOT, "notify_token": token})
    response = await bot.post("/api/notify", json=body, headers=headers)
    assert (response.status, await response.json()) == (status, answer)


BAD_IDS = [
    "EX1'; DROP--<b>",
    "<b>EX2200001</b>",
    "EX",
    "EX12",
    "2200001",
    "E2200001",
    "EXCHG2200001",
    "EX1234567890123",
    "EX 2200001",
    "EX-2200001",
    "EX2200001\nEX2200002",
    "ＥＸ2200001",
    "EX٢٢٠٠٠٠١",
    "../../EX2200001",
    "EX2200001%00",
]


@pytest.mark.parametrize("incident_id", BAD_IDS)
async def test_notify_refuses_an_incident_id_not_in_graphs_shape(
    start_bot: StartBot, connector: FakeConnector, service_url: str, incident_id: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    body = event("contoso")
    body["incident"]["id"] = incident_id
    assert await notify(bot, body) == (
        400,
        {"error": "'incident.id' must be a Microsoft 365 incident id such as EX1100014."},
    )
    await asyncio.sleep(0.2)
    assert created(connector) == []


@pytest.mark.parametrize("incident_id", ["ex2200001", " MO226784 ", "TM123", "SP1234567890"])
async def test_an_id_notify_takes_makes_an_acknowledge_button_that_works(
    start_bot: StartBot, connector: FakeConnector, service_url: str, incident_id: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    body = event("contoso")
    body["incident"]["id"] = incident_id
    assert await notify(bot, body) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))
    acknowledge = next(b for b in buttons(created(connector)[0].activity) if b.title == "Acknowledge")
    assert acknowledge.action["data"]["incident"] == incident_id.strip().upper()
    press = card_action(service_url, acknowledge.action["verb"], acknowledge.action["data"], "thread-2")
    assert (await bot.post("/api/messages", json=press)).status == 200


async def test_a_lone_surrogate_in_a_notify_field_is_replaced_and_the_notice_goes_out(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    body = event("contoso")
    body["incident"]["title"] = "Mail delays \ud83d"  # half an emoji: valid JSON, no UTF-8 text
    assert await notify(bot, body) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))
    assert "Mail delays \ufffd" in visible_text(created(connector)[0].activity)


def _with(field: str, value: Any) -> dict[str, Any]:
    body = event("contoso")
    if field == "customer":
        body["customer"] = value
    elif field == "posts":
        body["incident"]["posts"] = value
    elif field == "post content":
        body["incident"]["posts"][0]["description"]["content"] = value
    else:
        body["incident"][field] = value
    return body


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("customer", "contoso " + "x" * 300, "'customer' is limited to 256 characters."),
        ("title", "x" * 301, "'incident.title' is limited to 300 characters."),
        ("title", ["a title"], "'incident.title' must be a string."),
        ("service", "Exchange Online " * 7, "'incident.service' is limited to 100 characters."),
        ("service", 7, "'incident.service' must be a string."),
        ("feature", "f" * 101, "'incident.feature' is limited to 100 characters."),
        ("featureGroup", "g" * 101, "'incident.featureGroup' is limited to 100 characters."),
        ("status", "serviceInterruption" * 4, "'incident.status' is limited to 64 characters."),
        ("status", {"value": "x"}, "'incident.status' must be a string."),
        ("classification", "incident" * 9, "'incident.classification' is limited to 64 characters."),
        (
            "impactDescription",
            "Users may " * 201,
            "'incident.impactDescription' is limited to 2000 characters.",
        ),
        ("posts", "not a list", "'incident.posts' must be a list."),
        ("posts", [{}] * 201, "'incident.posts' is limited to 200 posts."),
        (
            "post content",
            "<p>" + "x" * 50_000 + "</p>",
            "'incident.posts[0].description.content' is limited to 50000 characters.",
        ),
    ],
)
async def test_notify_fields_are_bounded_where_they_enter(
    start_bot: StartBot, connector: FakeConnector, service_url: str, field: str, value: Any, error: str
) -> None:
    """Refused, naming the field (not trimmed): the caller is a program its author should fix."""
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    assert await notify(bot, _with(field, value)) == (400, {"error": error})
    await asyncio.sleep(0.2)
    assert created(connector) == []


async def test_notify_fields_at_their_bounds_make_a_card_teams_accepts(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await subscribed(bot, service_url)
    body = event("contoso")
    body["incident"].update(
        title="가" * 300,
        service="Exchange Online" + "가" * 85,
        feature="가" * 100,
        featureGroup="가" * 100,
        impactDescription="가" * 2_000,
    )
    body["incident"]["posts"][0]["description"]["content"] = "가" * 50_000
    data = json.dumps(body, ensure_ascii=False).encode()  # as UTF-8: \uac00 escapes would pass 256 KB
    response = await bot.post("/api/notify", data=data, headers={**AUTH, "Content-Type": "application/json"})
    assert (response.status, await response.json()) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))
    card = created(connector)[0].activity
    assert len(json.dumps(card, ensure_ascii=False).encode()) <= 28 * 1024


async def test_the_demo_world_moves_and_a_subscribed_channel_hears_of_it(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(watch_interval_seconds=3600, demo_tick_seconds=0)
    await subscribed(bot, service_url, "northwind")
    tick = await (await bot.post("/api/demo/tick")).json()
    assert tick == {"step": 1, "changes": ["TM1200001"], "messages": [], "notices": 1}
    await connector.wait_until(lambda: bool(created(connector)))
    assert "Incident: TM1200001" in visible_text(created(connector)[0].activity)
    await bot.post("/api/demo/tick")
    await bot.post("/api/demo/tick")
    await connector.wait_until(lambda: bool(updates(connector)))
    assert "Restoring service" in visible_text(updates(connector)[0].activity)


def in_korean(activity: dict[str, Any]) -> dict[str, Any]:
    """The same activity from someone whose Teams runs in Korean."""
    activity["locale"] = "ko-KR"
    for entity in activity.get("entities", []):
        if entity.get("type") == "clientInfo":
            entity["locale"] = "ko-KR"
    return activity


async def test_a_channel_subscribed_in_korean_hears_its_notices_updates_and_digest_in_korean(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    await say(bot, in_korean(channel_message(service_url, "구독 contoso")))
    await say(bot, channel_message(service_url, "subscribe contoso", channel=OTHER_CHANNEL))
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: len(created(connector)) == 2)
    cards = {s.conversation_id: visible_text(s.activity) for s in created(connector)}
    assert cards[CHANNEL].splitlines()[:3] == [
        "장애 · Exchange Online",
        "Users can't send mail from Outlook",
        "중단",
    ]
    assert "고객: Contoso Ltd" in cards[CHANNEL] and "최근: Update number 1." in cards[CHANNEL]
    korean_card = next(s for s in created(connector) if s.conversation_id == CHANNEL)
    assert [b.title for b in buttons(korean_card.activity)] == ["자세히", "서비스 요청 접수", "확인"]
    assert cards[OTHER_CHANNEL].splitlines()[0] == "Incident · Exchange Online", "the other channel: English"

    before = len(connector.sent)
    await notify(bot, event("contoso", status="restoringService", posts=2))

    def thread_replies() -> list[Sent]:
        return [s for s in connector.sent[before:] if s.method == "POST" and s.reply_to_id]

    await connector.wait_until(lambda: len(thread_replies()) == 2)
    replies = {s.conversation_id.split(";")[0]: s.activity["text"] for s in thread_replies()}
    assert replies[CHANNEL] == "서비스 복구 중: Update number 2."
    assert replies[OTHER_CHANNEL] == "Restoring service: Update number 2."

    await say(bot, in_korean(channel_message(service_url, "조용히 2")))
    await notify(bot, event("contoso", "SP2200002"))
    await asyncio.sleep(0.3)
    await say(bot, in_korean(channel_message(service_url, "quiet off")))
    await connector.wait_until(
        lambda: len([s for s in created(connector) if s.conversation_id == CHANNEL]) == 2
    )
    digest = [s for s in created(connector) if s.conversation_id == CHANNEL][-1]
    assert visible_text(digest.activity).startswith("조용히 하는 동안\n")
    assert "장애 1건에 변화가 있었습니다" in visible_text(digest.activity)


@pytest.mark.parametrize("allowed", [TENANT.upper(), TENANT.title(), TENANT])
async def test_notices_reach_an_allowed_tenant_whatever_the_case_of_its_id(
    start_bot: StartBot, connector: FakeConnector, service_url: str, allowed: str
) -> None:
    bot = await start_bot(**QUIET_BOT, access=AccessRules(allowed_tenants=frozenset({allowed})))
    await subscribed(bot, service_url)
    assert await notify(bot, event("contoso")) == (202, {"conversations": 1})
    await connector.wait_until(lambda: bool(created(connector)))
    assert [s.conversation_id for s in created(connector)] == [CHANNEL]
