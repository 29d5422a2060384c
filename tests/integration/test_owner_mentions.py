"""Owners on notices, over HTTP as Teams receives them: a channel's card @mentions the customer's owners
who are members there (an `msteams` mention entity whose `<at>` text a TextBlock holds and whose
`mentioned.id` is their Entra object id), names the others, never mentions on an update in place or
while quiet, and carries the held mentions in the digest."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from tests.doubles.connector import FakeConnector, Sent
from tests.integration.conftest import StartBot
from tests.integration.teams import CHANNEL, OTHER_CHANNEL, TENANT, channel_message, personal_message
from tests.integration.test_notifications import (
    QUIET_BOT,
    created,
    event,
    in_korean,
    notify,
    say,
    subscribed,
    updates,
)
from tests.integration.test_owners_over_http import ANA, BEN, CHLOE, roster, with_mentions
from tests.support.visible import visible_text


async def owned(bot: TestClient[Any, Any], service_url: str, *people: dict[str, Any]) -> None:
    await say(bot, with_mentions(channel_message(service_url, "owner contoso"), *people))


def card_of(sent: Sent) -> dict[str, Any]:
    content: dict[str, Any] = sent.activity["attachments"][0]["content"]
    return content


def entities(sent: Sent) -> list[dict[str, Any]]:
    return list(card_of(sent).get("msteams", {}).get("entities", []))


def text_blocks(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "TextBlock" else []
        return own + [t for value in node.values() for t in text_blocks(value)]
    if isinstance(node, list):
        return [t for value in node for t in text_blocks(value)]
    return []


def assert_mentions_match(sent: Sent) -> None:
    """Every entity's `<at>` text is in a TextBlock, and every `<at>` in one has its entity."""
    texts = text_blocks(card_of(sent)["body"])
    spans = [e["text"] for e in entities(sent)]
    for span in spans:
        assert any(span in text for text in texts), (span, texts)
    assert sum(t.count("<at>") for t in texts) == sum(t.count(s) for t in texts for s in spans)


async def channel_with_owners(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> TestClient[Any, Any]:
    roster(connector)
    bot = await start_bot(**QUIET_BOT)
    await say(
        bot,
        with_mentions(channel_message(service_url, "owner contoso", channel=OTHER_CHANNEL), ANA, BEN, CHLOE),
    )
    assert "Now looking after Contoso Ltd: Ana Bowman, Ben Ito, 김지수." in visible_text(
        connector.messages[-1]
    )
    await subscribed(bot, service_url)
    return bot


async def test_a_channel_notice_mentions_the_owners_who_are_members_and_names_the_others(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await channel_with_owners(start_bot, connector, service_url)
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: bool(created(connector)))
    (card,) = created(connector)
    assert [(e["mentioned"]["id"], e["mentioned"]["name"], e["text"]) for e in entities(card)] == [
        (ANA["aadObjectId"], "Ana Bowman", "<at>Ana Bowman</at>"),
        (BEN["aadObjectId"], "Ben Ito", "<at>Ben Ito</at>"),
    ]
    assert_mentions_match(card)
    assert "Owners: <at>Ana Bowman</at>, <at>Ben Ito</at>, 김지수" in text_blocks(card_of(card)["body"])
    assert connector.member_pages and connector.member_pages[0][0] == CHANNEL


async def test_an_update_in_place_names_the_owners_without_mentioning_them_again(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await channel_with_owners(start_bot, connector, service_url)
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: bool(created(connector)))
    await notify(bot, event("contoso", status="restoringService", posts=2))
    await connector.wait_until(lambda: bool(updates(connector)))
    await asyncio.sleep(0.2)
    (update,) = updates(connector)
    assert entities(update) == []
    assert "Owners: Ana Bowman, Ben Ito, 김지수" in visible_text(update.activity)
    assert not [s for s in connector.sent if s.reply_to_id and "<at>" in str(s.activity.get("text"))]


async def test_the_rollup_mentions_each_affected_customers_owners_once(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot(**QUIET_BOT)
    await owned(bot, service_url, ANA, BEN)
    await say(bot, with_mentions(channel_message(service_url, "owner woodgrove"), BEN))
    await subscribed(bot, service_url, "all")
    await notify(bot, event("contoso", "MO2200009"))
    await connector.wait_until(lambda: bool(created(connector)))
    await say(bot, channel_message(service_url, "quiet 1"))
    await notify(bot, event("woodgrove", "MO2200009"))
    await notify(bot, event("woodgrove", "EX2200010"))
    await asyncio.sleep(0.3)
    await say(bot, channel_message(service_url, "quiet off"))
    await connector.wait_until(lambda: len(created(connector)) == 2)
    digest = created(connector)[1]
    assert [e["mentioned"]["id"] for e in entities(digest)] == [ANA["aadObjectId"], BEN["aadObjectId"]]
    assert_mentions_match(digest)
    lines = [t for t in text_blocks(card_of(digest)["body"]) if "owners:" in t]
    assert lines == [
        "Contoso Ltd owners: <at>Ana Bowman</at>, <at>Ben Ito</at>",
        "Woodgrove Bank owners: Ben Ito",
    ]


async def test_quiet_hours_hold_the_mentions_into_the_digest(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await channel_with_owners(start_bot, connector, service_url)
    await say(bot, channel_message(service_url, "quiet 2"))
    await notify(bot, event("contoso"))
    await notify(bot, event("contoso", "SP2200002"))
    await asyncio.sleep(0.3)
    assert created(connector) == [] and not [
        s for s in connector.sent if s.activity.get("attachments") and entities(s)
    ]
    await say(bot, channel_message(service_url, "quiet off"))
    await connector.wait_until(lambda: bool(created(connector)))
    (digest,) = created(connector)
    assert visible_text(digest.activity).startswith("While it was quiet")
    assert [e["mentioned"]["id"] for e in entities(digest)] == [ANA["aadObjectId"], BEN["aadObjectId"]]
    assert_mentions_match(digest)


async def test_when_the_roster_cannot_be_read_the_owners_are_named_and_the_notice_goes(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await channel_with_owners(start_bot, connector, service_url)
    connector.members_fail_with = 403
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: bool(created(connector)))
    (card,) = created(connector)
    assert entities(card) == []
    assert "Owners: Ana Bowman, Ben Ito, 김지수" in visible_text(card.activity)


async def test_a_korean_channel_mentions_the_owners_in_korean(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot(**QUIET_BOT)
    await say(bot, in_korean(with_mentions(channel_message(service_url, "담당지정 contoso"), ANA, BEN)))
    assert "이제 Ana Bowman, Ben Ito님이 Contoso Ltd을(를) 맡습니다." in visible_text(connector.messages[-1])
    await say(bot, in_korean(channel_message(service_url, "구독 contoso")))
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: bool(created(connector)))
    (card,) = created(connector)
    assert "담당자: <at>Ana Bowman</at>, <at>Ben Ito</at>" in text_blocks(card_of(card)["body"])
    for mine in ("내고객", "내 고객"):
        await say(bot, in_korean(channel_message(service_url, mine)))
        assert "Contoso Ltd | 진행 중인 장애" in visible_text(connector.messages[-1]), mine
    assert [e["mentioned"]["id"] for e in entities(card)] == [ANA["aadObjectId"], BEN["aadObjectId"]]
    assert_mentions_match(card)


async def test_a_personal_chat_names_the_owners_and_mentions_no_one(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot(**QUIET_BOT)
    await owned(bot, service_url, ANA, BEN)
    await say(bot, personal_message(service_url, "subscribe contoso"))
    await notify(bot, event("contoso"))
    await connector.wait_until(lambda: any("Owners:" in visible_text(m) for m in connector.messages))
    card = next(s for s in connector.sent if "Owners:" in visible_text(s.activity))
    assert entities(card) == [] and connector.member_pages == []
    assert "Owners: Ana Bowman, Ben Ito" in visible_text(card.activity)


GROUP_CHAT = "19:6f1e2d3c4b5a49788796a5b4c3d2e1f0@thread.v2"


def group_message(service_url: str, text: str) -> dict[str, Any]:
    """A message in a group chat the bot was added to, @mentioning it."""
    activity = channel_message(service_url, text)
    activity["conversation"] = {
        "isGroup": True,
        "conversationType": "groupchat",
        "tenantId": TENANT,
        "id": GROUP_CHAT,
    }
    activity["channelData"] = {"tenant": {"id": TENANT}}
    return activity


async def test_a_group_chat_notice_mentions_the_owners_in_that_chat(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    connector.conversation_members[GROUP_CHAT] = [BEN["id"], CHLOE["id"]]
    bot = await start_bot(**QUIET_BOT)
    await owned(bot, service_url, ANA, BEN)
    await say(bot, group_message(service_url, "subscribe contoso"))
    await notify(bot, event("contoso"))
    await connector.wait_until(
        lambda: any(entities(s) for s in connector.sent if s.activity.get("attachments"))
    )
    (card,) = [s for s in connector.sent if s.activity.get("attachments") and entities(s)]
    assert card.conversation_id == GROUP_CHAT and card.method == "POST"
    assert [e["mentioned"]["id"] for e in entities(card)] == [BEN["aadObjectId"]]
    assert "Owners: Ana Bowman, <at>Ben Ito</at>" in text_blocks(card_of(card)["body"])
    assert_mentions_match(card)
