"""The notice stores on shared blobs (Azurite), as two instances use them at once: one notice per change
however many instances observe it, subscriptions made anywhere heard everywhere, a fan-out an instance
dropped finished by the outbox, and claims that keep a second instance from sending a card again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from services.domain.models import Claim, Delivery, DeliveryState, Incident, Notice, Subscription
from services.notices.conversations import ConversationStore
from services.notices.notice_board import FAN_OUT_GRACE, NoticeBoard
from services.notices.subscriptions import SubscriptionStore
from services.storage.blob_container import BlobContainer
from tests.services.test_notice_board import CONTOSO, NOW, WOODGROVE, incident
from tests.support.azurite import open_container

STOPPED = "the instance sending it stopped"


@dataclass
class Instance:
    subscriptions: SubscriptionStore
    conversations: ConversationStore
    board: NoticeBoard


def instance(container: BlobContainer) -> Instance:
    subscriptions, conversations = SubscriptionStore(container), ConversationStore(container)
    return Instance(subscriptions, conversations, NoticeBoard(container, subscriptions, conversations))


async def first_delivery(instance: Instance) -> tuple[Notice, Delivery]:
    """'19:ops' follows every customer and hears of Contoso's incident: its one due delivery."""
    await instance.subscriptions.add(Subscription("19:ops", "*"), NOW)
    await instance.board.observe(CONTOSO, incident(), NOW)
    [(notice, delivery, _)] = await instance.board.due(NOW)
    return notice, delivery


@pytest.fixture
async def two(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two instances: each its own clients and caches, one container."""
    first = await open_container(request)
    second = BlobContainer(first.location)
    yield instance(first), instance(second)
    await first.close()
    await second.close()


async def test_two_instances_observing_one_change_at_once_make_one_notice(
    two: tuple[Instance, Instance],
) -> None:
    a, b = two
    await a.subscriptions.add(Subscription("19:ops", "*"), NOW)
    first = await asyncio.gather(
        a.board.observe(CONTOSO, incident(), NOW), b.board.observe(CONTOSO, incident(), NOW)
    )
    assert [n.version for n in first if n is not None] == [1]
    moved = incident(status="restoringService")
    second = await asyncio.gather(*(x.board.observe(CONTOSO, moved, NOW) for x in (a, b, a, b)))
    assert [n.version for n in second if n is not None] == [2]
    due = await b.board.due(NOW)
    assert [(d.conversation, d.version) for _, d, _ in due] == [("19:ops", 2)]


async def test_a_subscription_made_on_one_instance_is_heard_on_the_other(
    two: tuple[Instance, Instance],
) -> None:
    a, b = two
    assert await b.subscriptions.watched_customers() == (False, set())
    await asyncio.gather(
        a.subscriptions.add(Subscription("19:ops", CONTOSO.customer_id), NOW),
        b.subscriptions.add(Subscription("19:ops", WOODGROVE.customer_id), NOW),
    )
    assert await b.subscriptions.watched_customers() == (False, {CONTOSO.customer_id, WOODGROVE.customer_id})
    assert [s.customer_id for s in await a.subscriptions.of_conversation("19:ops")] != []
    assert len(await a.subscriptions.of_conversation("19:ops")) == 2, "two subscriptions at once: both kept"
    await a.subscriptions.remove([Subscription("19:ops", WOODGROVE.customer_id)])
    assert await b.subscriptions.audience([WOODGROVE.customer_id], incident()) == {}
    assert await b.subscriptions.audience([CONTOSO.customer_id], incident()) == {
        "19:ops": [CONTOSO.customer_id]
    }


async def test_quiet_and_refusals_set_on_one_instance_are_seen_on_the_other(
    two: tuple[Instance, Instance],
) -> None:
    a, b = two
    await a.conversations.remember("19:ops", {"service_url": "https://smba/"}, NOW)
    await b.conversations.set_quiet("19:ops", NOW, NOW + timedelta(hours=1))
    known = await a.conversations.get("19:ops")
    assert known is not None and known.quiet_at(NOW + timedelta(minutes=30))
    await b.conversations.deactivate("19:ops", "the bot was blocked or removed")
    known = await a.conversations.get("19:ops")
    assert known is not None and not known.active and known.quiet_until == NOW + timedelta(hours=1)
    await a.conversations.remember("19:ops", {"service_url": "https://smba/"}, NOW)
    known = await b.conversations.get("19:ops")
    assert known is not None and known.active, "writing to the bot again makes it active"
    assert await b.conversations.count() == 1


async def test_a_fan_out_its_instance_dropped_is_finished_by_the_next_round(
    two: tuple[Instance, Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two
    for n in range(5):
        await a.subscriptions.add(Subscription(f"19:team-{n}", "*"), NOW)

    async def dies(customer_ids: list[str], incident: Incident) -> dict[str, list[str]]:
        raise ConnectionResetError("the instance stopped here")

    monkeypatch.setattr(a.subscriptions, "audience", dies)
    with pytest.raises(ConnectionResetError):
        await a.board.observe(CONTOSO, incident(), NOW)
    assert await b.board.due(NOW) == [], "its own instance may still be fanning it out"
    later = NOW + FAN_OUT_GRACE
    due = await b.board.due(later)
    assert sorted(d.conversation for _, d, _ in due) == [f"19:team-{n}" for n in range(5)]
    assert len(await b.board.due(later)) == 5, "once: nothing written twice"


async def test_a_claimed_send_is_left_to_its_instance_and_never_sent_again_once_abandoned(
    two: tuple[Instance, Instance],
) -> None:
    a, b = two
    _, delivery = await first_delivery(a)
    until = NOW + timedelta(minutes=1)
    assert await a.board.claim(delivery, "blue", until, NOW, STOPPED) is Claim.CLAIMED
    assert await b.board.claim(delivery, "green", until, NOW, STOPPED) is Claim.BUSY
    assert await a.board.claim(delivery, "blue", until, NOW, STOPPED) is Claim.BUSY, (
        "blue restarted under the same name must not send it again either"
    )
    assert await b.board.claim(delivery, "green", until, until, STOPPED) is Claim.ABANDONED, "blue died"
    assert await b.board.due(until) == [], "recorded as may-not-have-arrived, not sent again"
    found = await b.board.delivery(delivery.incident_id, "19:ops")
    assert found is not None and (found[0].state, found[0].reason) == (DeliveryState.UNCERTAIN, STOPPED)
    await a.board.observe(CONTOSO, incident(status="restoringService"), NOW)
    [(_, moved, _)] = await b.board.due(until)
    assert (moved.delivered_version, moved.version, moved.activity_id) == (1, 2, None)
    assert moved.unconfirmed_posts == 1, "the card blue was posting counts: the change gets one replacement"
    assert await b.board.claim(moved, "green", until + timedelta(minutes=1), until, STOPPED) is Claim.CLAIMED


async def test_a_change_made_while_a_send_was_abandoned_is_still_sent(two: tuple[Instance, Instance]) -> None:
    a, b = two
    _, delivery = await first_delivery(a)
    until = NOW + timedelta(minutes=1)
    assert await a.board.claim(delivery, "blue", until, NOW, STOPPED) is Claim.CLAIMED
    await b.board.observe(CONTOSO, incident(posts=2), NOW)
    assert await b.board.claim(delivery, "green", until, until, STOPPED) is Claim.ABANDONED
    [(notice, moved, _)] = await b.board.due(until)
    assert (notice.version, moved.delivered_version, moved.state) == (2, 1, DeliveryState.PENDING)


async def test_a_conversation_that_refused_the_bot_keeps_no_claim(two: tuple[Instance, Instance]) -> None:
    a, b = two
    await a.conversations.remember("19:ops", {"service_url": "https://smba/"}, NOW)
    _, delivery = await first_delivery(a)
    assert await a.board.claim(delivery, "blue", NOW + timedelta(hours=1), NOW, STOPPED) is Claim.CLAIMED
    await a.conversations.deactivate("19:ops", "the bot was blocked or removed")
    await a.board.deactivate("19:ops", "the bot was blocked or removed", NOW)
    await b.conversations.remember("19:ops", {"service_url": "https://smba/"}, NOW)
    await b.board.observe(CONTOSO, incident(posts=2), NOW)
    [(_, again, _)] = await b.board.due(NOW)
    assert await b.board.claim(again, "green", NOW + timedelta(minutes=1), NOW, STOPPED) is Claim.CLAIMED


async def test_a_send_recorded_by_its_instance_frees_the_next_version_for_anyone(
    two: tuple[Instance, Instance],
) -> None:
    a, b = two
    notice, delivery = await first_delivery(a)
    assert await a.board.claim(delivery, "blue", NOW + timedelta(minutes=1), NOW, STOPPED) is Claim.CLAIMED
    await a.board.delivered(delivery, notice.version, "activity-1", "19:ops", NOW)
    await a.board.observe(CONTOSO, incident(posts=2), NOW)
    [(_, moved, _)] = await b.board.due(NOW)
    assert (moved.activity_id, moved.delivered_version, moved.version) == ("activity-1", 1, 2)
    assert await b.board.claim(moved, "green", NOW + timedelta(minutes=1), NOW, STOPPED) is Claim.CLAIMED


async def test_a_change_written_while_the_outbox_tidies_its_marker_stays_due(
    two: tuple[Instance, Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leader drops the due marker of a delivery that caught up just as another instance writes the
    next version of that delivery: the next version must still be found."""
    leader, other = two
    notice, delivery = await first_delivery(leader)
    await leader.board.delivered(delivery, notice.version, "activity-1", "19:ops", NOW)
    records = other.board._deliveries
    write = records.change

    async def after_the_leaders_round(change: Any, *key: str) -> Any:
        assert await leader.board.due(NOW) == [], "caught up: its marker goes"
        return await write(change, *key)

    monkeypatch.setattr(records, "change", after_the_leaders_round)
    await other.board.observe(CONTOSO, incident(status="restoringService"), NOW)
    monkeypatch.undo()
    assert [(d.version, d.delivered_version) for _, d, _ in await leader.board.due(NOW)] == [(2, 1)]


async def test_an_acknowledgement_written_while_the_outbox_tidies_its_marker_refreshes_the_card(
    two: tuple[Instance, Instance], monkeypatch: pytest.MonkeyPatch
) -> None:
    leader, other = two
    notice, delivery = await first_delivery(leader)
    await leader.board.delivered(delivery, notice.version, "activity-1", "19:ops", NOW)
    records = other.board._deliveries
    write = records.change

    async def after_the_leaders_round(change: Any, *key: str) -> Any:
        assert await leader.board.due(NOW) == []
        return await write(change, *key)

    monkeypatch.setattr(records, "change", after_the_leaders_round)
    await other.board.acknowledge(notice.incident.incident_id, "19:ops", "Ana Bowman", NOW)
    monkeypatch.undo()
    assert [d.acknowledged_by for _, d, _ in await leader.board.due(NOW)] == ["Ana Bowman"]


async def test_an_unsubscribe_sent_to_both_instances_at_once_removes_one_subscription(
    two: tuple[Instance, Instance],
) -> None:
    a, b = two
    subscription = Subscription("19:ops", CONTOSO.customer_id)
    await a.subscriptions.add(subscription, NOW)
    removed = await asyncio.gather(
        a.subscriptions.remove([subscription]), b.subscriptions.remove([subscription])
    )
    assert sorted(removed) == [0, 1]
