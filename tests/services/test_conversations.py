"""Where the bot may post on its own, on both stores: what a turn, a refusal, quiet hours and a language
choice leave behind."""

from __future__ import annotations

from datetime import timedelta

from tests.services.conftest import NoticeStores
from tests.services.test_notice_board import NOW

REFERENCE = {"serviceUrl": "https://smba.example/amer/", "conversation": {"id": "19:ops@thread.tacv2"}}
CHANNEL = "19:ops@thread.tacv2"


async def test_a_refused_conversation_keeps_its_language_and_quiet_and_is_active_again_once_it_writes(
    stores: NoticeStores,
) -> None:
    conversations = stores.conversations
    await conversations.remember(CHANNEL, REFERENCE, NOW)
    await conversations.set_language(CHANNEL, "ko")
    await conversations.set_quiet(CHANNEL, NOW, NOW + timedelta(hours=8))
    await conversations.deactivate(CHANNEL, "the bot was blocked or removed")
    refused = await conversations.get(CHANNEL)
    assert refused is not None
    assert (refused.active, refused.inactive_reason, refused.language) == (
        False,
        "the bot was blocked or removed",
        "ko",
    )
    moved = {**REFERENCE, "serviceUrl": "https://smba.example/emea/"}
    await conversations.remember(CHANNEL, moved, NOW + timedelta(minutes=5))
    back = await conversations.get(CHANNEL)
    assert back is not None
    assert (back.active, back.inactive_reason, back.reference, back.language) == (True, "", moved, "ko")
    assert back.quiet_at(NOW + timedelta(hours=1)) and back.quiet_since == NOW


async def test_quiet_ends_early_and_keeps_when_it_began(stores: NoticeStores) -> None:
    conversations = stores.conversations
    await conversations.remember(CHANNEL, REFERENCE, NOW)
    await conversations.set_quiet(CHANNEL, NOW, NOW + timedelta(hours=8))
    await conversations.end_quiet(CHANNEL, NOW + timedelta(hours=1))
    known = await conversations.get(CHANNEL)
    assert known is not None
    assert not known.quiet_at(NOW + timedelta(hours=2)) and known.quiet_since == NOW
    await conversations.end_quiet(CHANNEL, NOW + timedelta(hours=3))
    later = await conversations.get(CHANNEL)
    assert later is not None and later.quiet_until == NOW + timedelta(hours=1), "ended quiet stays ended"


async def test_a_conversation_never_seen_stays_unknown_and_a_forgotten_one_is_gone(
    stores: NoticeStores,
) -> None:
    conversations = stores.conversations
    await conversations.set_language("19:never", "ko")
    await conversations.set_quiet("19:never", NOW, NOW + timedelta(hours=1))
    assert await conversations.get("19:never") is None
    await conversations.remember(CHANNEL, REFERENCE, NOW)
    await conversations.remember("a:chat", REFERENCE, NOW)
    known = await conversations.get(CHANNEL)
    assert known is not None and known.language == "", "no language chosen: the default"
    assert await conversations.count() == 2
    await conversations.forget(CHANNEL)
    assert set(await conversations.many([CHANNEL, "a:chat", "19:never"])) == {"a:chat"}
    assert await conversations.count() == 1
