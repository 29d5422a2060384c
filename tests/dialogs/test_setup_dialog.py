"""`setup`, the guided channel set-up: the second flow on the guided-flow base, turn by turn."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botbuilder.schema import Activity, ActivityTypes, ConversationAccount, Entity

from services.domain.models import Owner
from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.harness import BOT, DEMO_NOW, BotHarness, default_backend
from tests.support.visible import buttons, visible_text

CHANNEL = "19:support@thread.tacv2"
# The conversation's roster as Teams' `GET .../members/{id}` answers it.
MEMBERS = {
    "29:ben": {"id": "29:ben", "name": "Ben Ito", "aadObjectId": "aad-ben"},
    "29:chloe": {"id": "29:chloe", "name": "Chloe Park", "aadObjectId": "aad-chloe"},
    "29:ben-ko": {"id": "29:ben-ko", "name": "벤 이토", "aadObjectId": "aad-ben"},
}
BEN, CHLOE = Owner("aad-ben", "Ben Ito"), Owner("aad-chloe", "Chloe Park")


class Roster:
    """The adapter's roster reads (bot/outbound/connector.py's `member`) for this conversation."""

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]:
        if member_id not in MEMBERS:
            raise LookupError("MemberNotFoundInConversation")
        return MEMBERS[member_id]


def with_roster(bot: BotHarness | None = None) -> Conversation:
    chat = Conversation(bot)
    chat.bot.adapter.connector = Roster()
    return chat


async def mention(chat: Conversation, *people: tuple[str, str]) -> str:
    """A message @mentioning the bot (how a channel message reaches it) and `people` (Teams id, name) as
    Teams sends it: <at> tags and mention entities."""
    people = ((BOT.id, BOT.name or ""), *people)
    tags = [f"<at>{name}</at>" for _, name in people]
    entities = [
        Entity().deserialize({"type": "mention", "mentioned": {"id": i, "name": n}, "text": tag})
        for (i, n), tag in zip(people, tags, strict=True)
    ]
    activity = Activity(type=ActivityTypes.message, text=" ".join(tags), entities=entities)
    chat.replies = await chat.bot.receive(activity)
    return chat.text


async def owners_of(chat: Conversation, *names: str) -> dict[str, tuple[Owner, ...]]:
    customers = {c.name: c.customer_id for c in await default_backend().list_customers()}
    found = await chat.bot.notifications.owners.of_customers(customers[n] for n in names)
    by_id = {i: n for n, i in customers.items()}
    return {by_id[i]: owners for i, owners in found.items()}


async def subscriptions(chat: Conversation) -> set[tuple[str, tuple[str, ...], str]]:
    found = await chat.bot.notifications.subscriptions.of_conversation(CHANNEL)
    return {(s.customer_id, s.services, s.kinds) for s in found}


async def test_set_up_several_customers_edit_a_field_then_subscribe_with_quiet_hours_and_owners() -> None:
    chat = with_roster()
    assert "Which customers should this conversation hear about?" in await chat.say("setup")
    assert "Which services?" in await chat.say("contoso, Northwind Traders")
    assert "Incidents, advisories, both, or message center changes?" in await chat.say("exchange, teams")
    assert "Hold notices here for a few hours first?" in await chat.press("2. Advisories")
    assert "Who looks after these customers? @mention them here" in await chat.say("2")
    summary = await mention(chat, ("29:ben", "Ben"), ("29:chloe", "Chloe"))
    for line in (
        "Check the set-up before it's saved",
        "Customers Contoso Ltd, Northwind Traders",
        "Services Exchange Online, Microsoft Teams",
        "Hear about Advisories",
        "Quiet hours 2 hours",
        "Owners Ben Ito, Chloe Park",
    ):
        assert line in summary
    assert await subscriptions(chat) == set(), "nothing changes before Submit"
    assert await owners_of(chat, "Contoso Ltd", "Northwind Traders") == {}
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
    assert actions.count("owners.set") == 2
    assert await owners_of(chat, "Contoso Ltd", "Northwind Traders") == {
        "Contoso Ltd": (BEN, CHLOE),
        "Northwind Traders": (BEN, CHLOE),
    }
    assert "That card belongs to a set-up that has ended" in await chat.press("Submit", summary_card), (
        "an old Submit"
    )
    assert len(await subscriptions(chat)) == 2, "subscribed once"


async def test_the_summary_takes_its_buttons_typed_but_never_a_number() -> None:
    chat = Conversation()
    for answer in ("setup", "contoso", "exchange", "both", "none"):
        await chat.say(answer)
    assert "Check the set-up before it's saved" in await chat.say("skip")
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
    assert "Incidents, advisories, both, or message center changes?" in await chat.say("banana")
    await chat.say("both")
    assert "1 to 72" in await chat.say("100")
    assert "Who looks after these customers?" in await chat.press("1. No quiet hours")
    assert "Hear about Both" in await chat.press("1. Skip")


@pytest.mark.parametrize(
    ("locale", "start", "answers", "filing"),
    [
        ("en-US", "setup", ("contoso", "every service", "both", "no quiet hours"), "filing"),
        ("ko-KR", "설정", ("contoso", "모든 서비스", "둘 다", "보류 안 함"), "접수"),
    ],
)
async def test_help_and_three_misses_speak_of_the_set_up_not_of_filing(
    locale: str, start: str, answers: tuple[str, ...], filing: str
) -> None:
    """Set-up files nothing: its help and its third-miss hint say what cancel does here."""
    chat = with_roster(BotHarness(locale=locale))
    await chat.say(start)
    for answer in answers:
        helped = await chat.say("help" if locale == "en-US" else "도움말")
        assert filing not in helped, helped
        await chat.say(answer)
    helped = await chat.say("help" if locale == "en-US" else "도움말")
    assert filing not in helped, helped
    chat = with_roster(BotHarness(locale=locale))
    await chat.say(start)
    for _ in range(3):
        missed = await chat.say("nosuchcustomer")
    assert ("three tries" if locale == "en-US" else "세 번째") in missed, missed
    assert filing not in missed, missed


@pytest.mark.parametrize(
    ("locale", "typed", "said"),
    [
        # Two customers share the name: the answer names both rather than denying either exists.
        ("en-US", "contoso, fabrikam", "'fabrikam' could be Fabrikam, Inc. or Fabrikam Residences"),
        ("en-US", "FABRIKAM", "'FABRIKAM' could be Fabrikam, Inc. or Fabrikam Residences"),
        ("ko-KR", "fabrikam", "'fabrikam'은(는) Fabrikam, Inc. 또는 Fabrikam Residences 중 어느 고객인지"),
        # A typo gets the closest names, as every command's 'did you mean'.
        (
            "en-US",
            "woodgrve",
            "'woodgrve' isn't a customer in your customer list. Did you mean Woodgrove Bank?",
        ),
        ("en-US", "contoso, contsoo", "Did you mean Contoso Ltd"),
        ("ko-KR", "woodgrve", "Woodgrove Bank을(를) 말씀하신 건가요?"),
        # Nothing close: no suggestion at all.
        ("en-US", "xyzzy", "'xyzzy' isn't a customer in your customer list.\n"),
    ],
)
async def test_a_customer_name_that_names_several_or_none_says_which_it_could_be(
    locale: str, typed: str, said: str
) -> None:
    chat = Conversation(BotHarness(locale=locale))
    await chat.say("setup")
    answer = await chat.say(typed)
    assert said in answer, answer
    assert "Did you mean" not in answer or "Did you mean" in said, answer
    assert await subscriptions(chat) == set()


@pytest.mark.parametrize(
    ("locale", "answers", "services"),
    [
        ("en-US", ("setup", "contoso", "azure", "incidents", "no quiet hours", "skip"), ("Azure",)),
        ("en-US", ("setup", "contoso", "Azure, exchange", "incidents", "no quiet hours", "skip"), None),
        ("ko-KR", ("설정", "contoso", "애저", "장애", "보류 안 함", "건너뛰기"), ("Azure",)),
    ],
)
async def test_azure_at_the_services_question_is_the_customers_azure_events(
    locale: str, answers: tuple[str, ...], services: tuple[str, ...] | None
) -> None:
    """As 'subscribe contoso azure': Azure events only, never Microsoft Entra (once Azure AD)."""
    chat = with_roster(BotHarness(locale=locale))
    for answer in answers:
        await chat.say(answer)
    assert "Entra" not in chat.text, chat.text
    if services is None:
        return
    await chat.press("제출" if locale == "ko-KR" else "Submit")
    contoso = next(c for c in await default_backend().list_customers() if c.name == "Contoso Ltd")
    assert await subscriptions(chat) == {(contoso.customer_id, services, "incidents")}


@pytest.mark.parametrize(
    ("locale", "answers", "submit", "typed"),
    [
        (
            "en-US",
            ("setup", "contoso", "every service", "both", "no quiet hours", "skip"),
            "Submit",
            "submit",
        ),
        ("ko-KR", ("설정", "contoso", "모든 서비스", "둘 다", "보류 안 함", "건너뛰기"), "제출", "제출"),
    ],
)
async def test_the_summary_says_the_word_its_button_has_and_takes_it_typed(
    locale: str, answers: tuple[str, ...], submit: str, typed: str
) -> None:
    """The Korean summary said to press 제출 under a button reading 접수 (filing a request), and 제출 typed
    wasn't one of the choices."""
    chat = with_roster(BotHarness(locale=locale))
    for answer in answers:
        summary = await chat.say(answer)
    assert f": {submit}]" in summary, summary
    assert [line for line in summary.splitlines() if "[" not in line and submit in line], "the hint names it"
    await chat.say(typed)
    contoso = next(c for c in await default_backend().list_customers() if c.name == "Contoso Ltd")
    assert await subscriptions(chat) == {(contoso.customer_id, (), "all")}


async def test_a_restart_in_the_middle_carries_on_from_stored_state() -> None:
    first = Conversation()
    await first.say("setup")
    await first.say("northwind")
    after = Conversation(BotHarness(storage=first.bot.storage, database=first.bot.database))
    assert "Incidents, advisories, both, or message center changes?" in await after.say("exchange")


async def test_korean_set_up() -> None:
    chat = Conversation(BotHarness(locale="ko-KR"))
    assert "이 대화가 어느 고객의 알림을 받을까요?" in await chat.say("설정")
    assert "어느 서비스인가요?" in await chat.say("전체")


async def test_korean_owners_step() -> None:
    chat = with_roster(BotHarness(locale="ko-KR"))
    for answer in ("설정", "contoso", "모든 서비스", "둘 다"):
        await chat.say(answer)
    assert "이 고객들은 누가 담당하나요?" in await chat.say("보류 안 함")
    assert "@멘션한 사람이 없습니다." in await chat.say("벤")
    assert "담당자 벤 이토" in await mention(chat, ("29:ben-ko", "벤"))
    assert "담당자 바꾸지 않음" in (await chat.press("담당자 수정") and await chat.say("건너뛰기"))


async def test_back_at_the_summary_takes_the_answer_back_so_an_older_submit_saves_nothing() -> None:
    chat = Conversation()
    for answer in ("setup", "all", "every service", "incidents"):
        await chat.say(answer)
    summary = (await chat.bot.say("none"))[-1]
    assert "Owners Unchanged: with all customers chosen" in visible_text(summary), "owners aren't asked"
    assert "Hold notices here for a few hours first?" in await chat.say("back")
    assert "Hold notices here" in await chat.press("Submit", summary), "the question taken back is asked"
    assert await subscriptions(chat) == set()
    assert "Owners Unchanged: with all customers chosen" in await chat.say("3")
    assert "owners are named per customer" in await chat.say("edit owners"), "typed, it says why"
    assert "now hears about what you chose" in await chat.press("Submit")
    assert await subscriptions(chat) == {("*", (), "incidents")}


async def test_skip_keeps_the_owners_a_customer_has_and_an_edit_names_new_ones() -> None:
    chat = with_roster()
    customers = {c.name: c.customer_id for c in await default_backend().list_customers()}
    await chat.bot.notifications.owners.replace(customers["Contoso Ltd"], [CHLOE])
    for answer in ("setup", "contoso", "all", "both", "none"):
        await chat.say(answer)
    assert "Owners Unchanged" in await chat.press("1. Skip")
    assert "Who looks after these customers?" in await chat.press("Edit Owners")
    assert "Owners Ben Ito" in await mention(chat, ("29:ben", "Ben"))
    assert "Who looks after these customers?" in await chat.press("Edit Owners")
    assert "Owners Unchanged" in await chat.say("skip")
    assert "now hears about what you chose" in await chat.press("Submit")
    assert await owners_of(chat, "Contoso Ltd") == {"Contoso Ltd": (CHLOE,)}, "skip keeps them"
    assert "owners.set" not in [e.action for e in await chat.bot.audit.latest(10)]


async def test_a_mention_the_roster_cant_place_is_named_back_and_asked_again() -> None:
    chat = with_roster()
    for answer in ("setup", "contoso", "all", "both", "none"):
        await chat.say(answer)
    answer = await mention(chat, ("29:ben", "Ben"), ("29:guest", "Dana Guest"))
    assert "I couldn't find Dana Guest in this conversation's members." in answer
    assert "Who looks after these customers?" in answer
    assert "Nobody was @mentioned." in await chat.say("Ben please")
    assert "Owners Ben Ito" in await mention(chat, ("29:ben", "Ben"))
    assert await owners_of(chat, "Contoso Ltd") == {}, "nothing is named before Submit"


async def test_in_a_one_to_one_chat_the_owners_question_says_where_mentions_work() -> None:
    bot = BotHarness(conversation_id="a:1on1-ana")
    bot.adapter.template.conversation = ConversationAccount(id="a:1on1-ana", conversation_type="personal")
    chat = with_roster(bot)
    for answer in ("setup", "contoso", "all", "both"):
        await chat.say(answer)
    assert "@mentions work in channels and group chats, not here" in await chat.say("none")
    assert "not in a 1:1 chat" in await chat.say("Ben Ito")
    assert "Owners Unchanged" in await chat.say("skip")


async def test_a_restart_at_the_owners_step_carries_on_and_names_them() -> None:
    first = with_roster()
    for answer in ("setup", "northwind", "all", "incidents"):
        await first.say(answer)
    assert "Who looks after these customers?" in await first.say("none")
    after = with_roster(BotHarness(storage=first.bot.storage, database=first.bot.database))
    assert "Owners Chloe Park" in await mention(after, ("29:chloe", "Chloe"))
    assert "now hears about what you chose" in await after.press("Submit")
    assert await owners_of(after, "Northwind Traders") == {"Northwind Traders": (CHLOE,)}


def edits(reply: Activity) -> set[str]:
    return {b.title for b in buttons(reply) if b.title.startswith("Edit ") or b.title.endswith(" 수정")}


EDIT_ALL_BUT_OWNERS = {"Edit Customers", "Edit Services", "Edit Hear about", "Edit Quiet hours"}
EDIT_KO = {"고객 수정", "서비스 수정", "받을 알림 수정", "알림 보류 수정"}


@pytest.mark.parametrize(
    ("locale", "answers", "offered"),
    [
        ("en-US", ("setup", "all", "every service", "incidents", "none"), EDIT_ALL_BUT_OWNERS),
        ("en-US", ("setup", "1", "all", "both", "2"), EDIT_ALL_BUT_OWNERS),
        ("en-US", ("setup", "everyone", "exchange", "advisories", "none"), EDIT_ALL_BUT_OWNERS),
        ("en-US", ("setup", "All Customers", "teams", "changes", "no quiet hours"), EDIT_ALL_BUT_OWNERS),
        ("ko-KR", ("설정", "전체", "모든 서비스", "둘 다", "보류 안 함"), EDIT_KO),
        ("ko-KR", ("설정", "전체 고객", "모든 서비스", "장애", "보류 안 함"), EDIT_KO),
    ],
)
async def test_with_every_customer_the_summary_offers_no_owners_edit_and_back_and_edits_still_work(
    locale: str, answers: tuple[str, ...], offered: set[str]
) -> None:
    """Every customer changes no owners (the summary says so), so an 'Edit Owners' button led nowhere;
    back and the other edits still work, and a customer chosen after all asks for owners again."""
    chat = with_roster(BotHarness(locale=locale))
    for answer in answers:
        await chat.say(answer)
    assert edits(chat.last) == offered, visible_text(chat.last)
    await chat.say("back" if locale == "en-US" else "뒤로")
    assert not edits(chat.last), "the quiet hours question is asked again"
    await chat.say(answers[-1])
    assert edits(chat.last) == offered, "and the summary again has no owners edit"
    edit_customers = "Edit Customers" if locale == "en-US" else "고객 수정"
    await chat.press(edit_customers)
    await chat.say("contoso")
    assert not edits(chat.last), "one customer chosen: who looks after it is asked"
    await mention(chat, ("29:ben", "Ben"))
    owners = "Edit Owners" if locale == "en-US" else "담당자 수정"
    assert edits(chat.last) == offered | {owners}
    await chat.press(edit_customers)
    await chat.press("1. All customers" if locale == "en-US" else "1. 전체 고객")
    assert edits(chat.last) == offered, "all again: the owners named are dropped, no edit offered"
    await chat.say("submit" if locale == "en-US" else "제출")
    assert await owners_of(chat, "Contoso Ltd") == {}, "nobody named for every customer"
    assert len(await subscriptions(chat)) == 1


async def test_an_older_summarys_owners_edit_after_choosing_every_customer_says_why() -> None:
    chat = with_roster()
    for answer in ("setup", "contoso", "all", "both", "none", "skip"):
        await chat.say(answer)
    older = chat.last
    assert "Edit Owners" in edits(older)
    await chat.press("Edit Customers")
    assert "Owners Unchanged: with all customers chosen" in await chat.say("all")
    assert "owners are named per customer" in await chat.press("Edit Owners", older)
    assert "Check the set-up before it's saved" in chat.text, "the summary is shown again"


@pytest.mark.parametrize("services", ["exchange", "teams", "exchange, sharepoint"])
async def test_a_customer_whose_health_cant_be_read_fails_no_services_answer(services: str) -> None:
    """The demo's Tailspin Toys grants no delegated access: with every customer its health was read too
    and its refusal failed the turn ('Something went wrong'); chosen by name, it is named with why."""
    chat = Conversation()
    await chat.say("setup")
    await chat.say("all")
    answer = await chat.say(services)
    assert "Incidents, advisories, both, or message center changes?" in answer, answer
    chat = Conversation()
    await chat.say("setup")
    await chat.say("tailspin")
    answer = await chat.say(services)
    assert "Tailspin Toys" in answer and "Which services?" in answer, answer
    assert "Something went wrong" not in answer
    assert "Incidents, advisories" in await chat.say("every service"), "every service still answers"
