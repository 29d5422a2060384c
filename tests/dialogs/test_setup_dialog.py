"""`setup`, the guided channel set-up: the second flow on the guided-flow base, turn by turn."""

from __future__ import annotations

from datetime import timedelta

from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.harness import DEMO_NOW, BotHarness, default_backend

CHANNEL = "19:support@thread.tacv2"


async def subscriptions(chat: Conversation) -> set[tuple[str, tuple[str, ...], str]]:
    found = await chat.bot.notifications.subscriptions.of_conversation(CHANNEL)
    return {(s.customer_id, s.services, s.kinds) for s in found}


async def test_set_up_several_customers_edit_a_field_then_subscribe_with_quiet_hours() -> None:
    chat = Conversation()
    assert "Which customers should this conversation hear about?" in await chat.say("setup")
    assert "Which services?" in await chat.say("contoso, Northwind Traders")
    assert "Incidents, advisories, or both?" in await chat.say("exchange, teams")
    assert "Hold notices here for a few hours first?" in await chat.press("2. Advisories")
    summary = await chat.say("2")
    for line in (
        "Check the set-up before it's saved",
        "Customers Contoso Ltd, Northwind Traders",
        "Services Exchange Online, Microsoft Teams",
        "Hear about Advisories",
        "Quiet hours 2 hours",
    ):
        assert line in summary
    assert await subscriptions(chat) == set(), "nothing changes before Submit"
    assert "Which services?" in await chat.press("Edit Services")
    assert "Services Every service" in await chat.press("1. Every service")
    summary_card = chat.last
    assert "now hears about what you chose" in await chat.press("Submit")
    customers = {c.name: c.customer_id for c in await default_backend().list_customers()}
    assert await subscriptions(chat) == {
        (customers["Contoso Ltd"], (), "advisories"),
        (customers["Northwind Traders"], (), "advisories"),
    }
    known = await chat.bot.notifications.conversations.get(CHANNEL)
    assert known is not None and known.quiet_until == DEMO_NOW + timedelta(hours=2)
    actions = [e.action for e in await chat.bot.audit.latest(10)]
    assert actions.count("subscription.added") == 2 and "quiet.set" in actions
    assert "That card belongs to a set-up that has ended" in await chat.press("Submit", summary_card), (
        "an old Submit"
    )
    assert len(await subscriptions(chat)) == 2, "subscribed once"


async def test_the_summary_takes_its_buttons_typed_but_never_a_number() -> None:
    chat = Conversation()
    for answer in ("setup", "contoso", "exchange", "both"):
        await chat.say(answer)
    assert "Check the set-up before it's saved" in await chat.say("none")
    refused = await chat.say("1")
    assert "'1' isn't one of the choices." in refused and "Check the set-up before it's saved" in refused
    assert "'all of them' isn't one of the choices." in await chat.say("all of them")
    assert await subscriptions(chat) == set(), "nothing is saved by a stray number or word"
    assert "Which services?" in await chat.say("edit services")
    assert "Services Every service" in await chat.say("every service")
    assert "now hears about what you chose" in await chat.say("submit")
    customers = {c.name: c.customer_id for c in await default_backend().list_customers()}
    assert await subscriptions(chat) == {(customers["Contoso Ltd"], (), "all")}


async def test_every_customer_back_and_cancel_change_nothing() -> None:
    chat = Conversation()
    await chat.say("setup")
    assert "Which services?" in await chat.press("1. All customers")
    assert "Which customers" in await chat.say("back")
    assert "Which services?" in await chat.say("all")
    assert "Cancelled. Nothing was changed." in await chat.say("cancel")
    assert await subscriptions(chat) == set()


async def test_bad_answers_say_why_and_keep_the_question() -> None:
    chat = Conversation()
    await chat.say("setup")
    assert "'nosuch' isn't a customer in your customer list." in await chat.say("contoso, nosuch")
    assert "Which customers" in chat.text
    await chat.say("contoso")
    assert "'warp drive' isn't a service of these customers." in await chat.say("warp drive")
    await chat.say("every service")
    assert "Incidents, advisories, or both?" in await chat.say("banana")
    await chat.say("both")
    assert "1 to 72" in await chat.say("100")
    assert "Hear about Both" in await chat.press("1. No quiet hours")


async def test_a_restart_in_the_middle_carries_on_from_stored_state() -> None:
    first = Conversation()
    await first.say("setup")
    await first.say("northwind")
    after = Conversation(BotHarness(storage=first.bot.storage, database=first.bot.database))
    assert "Incidents, advisories, or both?" in await after.say("exchange")


async def test_korean_set_up() -> None:
    chat = Conversation(BotHarness(locale="ko-KR"))
    assert "이 대화가 어느 고객의 알림을 받을까요?" in await chat.say("설정")
    assert "어느 서비스인가요?" in await chat.say("전체")


async def test_back_at_the_summary_takes_the_answer_back_so_an_older_submit_saves_nothing() -> None:
    chat = Conversation()
    for answer in ("setup", "all", "every service", "incidents"):
        await chat.say(answer)
    summary = (await chat.bot.say("none"))[-1]
    assert "Hold notices here for a few hours first?" in await chat.say("back")
    assert "Hold notices here" in await chat.press("Submit", summary), "the question taken back is asked"
    assert await subscriptions(chat) == set()
    await chat.say("3")
    assert "now hears about what you chose" in await chat.press("Submit")
    assert await subscriptions(chat) == {("*", (), "incidents")}
