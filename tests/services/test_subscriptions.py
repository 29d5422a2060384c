"""Who hears of which customers' incidents, on both stores."""

from __future__ import annotations

from dataclasses import replace

from services.domain.models import Subscription
from tests.services.conftest import NoticeStores
from tests.services.test_notice_board import CONTOSO, NOW, WOODGROVE, incident


async def test_subscribing_again_replaces_what_is_heard_and_keeps_the_order(stores: NoticeStores) -> None:
    subscriptions = stores.subscriptions
    exchange = Subscription("19:ops", CONTOSO.customer_id, ("Exchange Online", "Microsoft Teams"))
    await subscriptions.add(exchange, NOW)
    await subscriptions.add(Subscription("19:ops", WOODGROVE.customer_id), NOW)
    again = Subscription("19:ops", CONTOSO.customer_id, ("Microsoft Teams", "Exchange Online"), "all")
    await subscriptions.add(again, NOW)
    assert [(s.customer_id, s.kinds) for s in await subscriptions.of_conversation("19:ops")] == [
        (CONTOSO.customer_id, "all"),
        (WOODGROVE.customer_id, "incidents"),
    ]


async def test_the_audience_names_what_each_conversation_follows(stores: NoticeStores) -> None:
    subscriptions = stores.subscriptions
    await subscriptions.add(Subscription("19:ops", "*"), NOW)
    await subscriptions.add(Subscription("19:contoso", CONTOSO.customer_id, ("exchange",)), NOW)
    await subscriptions.add(Subscription("19:teams-only", CONTOSO.customer_id, ("teams",)), NOW)
    await subscriptions.add(Subscription("19:advisories", "*", (), "advisories"), NOW)
    ids = [CONTOSO.customer_id, WOODGROVE.customer_id]
    assert await subscriptions.audience(ids, incident()) == {
        "19:contoso": [CONTOSO.customer_id],
        "19:ops": ids,
    }
    advisory = replace(incident(), classification="advisory")
    assert list(await subscriptions.audience(ids, advisory)) == ["19:advisories"]
    assert await subscriptions.watched_customers() == (True, {CONTOSO.customer_id})


async def test_removing_counts_what_was_there_and_forgetting_drops_the_rest(stores: NoticeStores) -> None:
    subscriptions = stores.subscriptions
    first, second = Subscription("19:ops", CONTOSO.customer_id), Subscription("19:ops", WOODGROVE.customer_id)
    await subscriptions.add(first, NOW)
    await subscriptions.add(second, NOW)
    await subscriptions.add(Subscription("19:other", "*"), NOW)
    assert await subscriptions.remove([first, Subscription("19:ops", "c-never")]) == 1
    assert await subscriptions.of_conversation("19:ops") == [second]
    assert await subscriptions.forget_conversation("19:ops") == 1
    assert await subscriptions.of_conversation("19:ops") == []
    assert await subscriptions.watched_customers() == (True, set())
