"""`export` and `import <json>`: a conversation's settings copied into another one, turn by turn; what an
import would change shown before Apply; a document checked against what the person can see."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.turn.access import AccessRules
from cards.parts import CARD_BUDGET
from dialogs.settings_import import plan_settings
from services.access.person import acting_as
from services.access.scoped import ScopedBackend
from services.domain.access import ACCEPTED, Grant, Need, PersonAccess
from services.domain.models import Subscription
from services.domain.settings_document import MAX_DOCUMENT_CHARS, UnreadableSettings, read_settings
from tests.dialogs.test_escalation_dialog import Conversation
from tests.dialogs.test_setup_dialog import BEN, CHLOE, mention, owners_of, with_roster
from tests.support.harness import DEMO_NOW, BotHarness, default_backend
from tests.support.visible import button

HERE, OTHER = "19:support@thread.tacv2", "19:other@thread.tacv2"


async def set_up(chat: Conversation) -> None:
    """Contoso and Northwind, Exchange, both kinds, 2 quiet hours, Ben as owner."""
    for answer in ("setup", "contoso, northwind", "exchange", "both", "2"):
        await chat.say(answer)
    await mention(chat, ("29:ben", "Ben"))
    assert "now hears about what you chose" in await chat.press("Submit")


async def exported(chat: Conversation) -> str:
    """The code block of `export`'s answer, as the person copies it."""
    await chat.say("export")
    found = re.search(r"<pre>(.*)</pre>", chat.last.text or "", re.DOTALL)
    assert found and chat.last.text_format == "xml", chat.text
    return html.unescape(found.group(1))


async def subscriptions(chat: Conversation, conversation: str) -> set[tuple[str, tuple[str, ...], str]]:
    found = await chat.bot.notifications.subscriptions.of_conversation(conversation)
    return {(s.customer_id, s.services, s.kinds) for s in found}


async def test_export_then_import_elsewhere_then_export_again_is_the_same_document() -> None:
    first = with_roster()
    await set_up(first)
    document = await exported(first)
    assert "This channel hears about what's below." in first.text
    parsed = json.loads(document)
    assert parsed["version"] == 1 and parsed["quiet_until"] == "2026-11-24T11:00:00+00:00"
    assert [s["customer"] for s in parsed["subscriptions"]] == ["Contoso Ltd", "Northwind Traders"]
    assert parsed["owners"][0]["people"] == [{"object_id": "aad-ben", "name": "Ben Ito"}]

    other = Conversation(
        BotHarness(conversation_id=OTHER, storage=first.bot.storage, database=first.bot.database)
    )
    summary = await other.say(f"import {document}")
    for line in (
        "Import these settings?",
        "Subscriptions added",
        "Contoso Ltd: Both (Exchange Online)",
        "Northwind Traders: Both (Exchange Online)",
        "Hold notices until 24 Nov 2026 11:00 UTC",
    ):
        assert line in summary
    assert "Owners" not in summary, "the owners are Ben already (owners are the partner's): nothing to change"
    assert await subscriptions(other, OTHER) == set(), "nothing changes before Apply"
    assert "now has the imported settings: 2 added, 0 removed, 0 changed" in await other.press("Apply")
    assert await exported(other) == document
    actions = [e.action for e in await other.bot.audit.latest(20)]
    assert "settings.imported" in actions and actions.count("subscription.added") == 4
    audit = await other.say("audit 20")
    assert "Ana Bowman imported settings into this conversation: 2 added, 0 removed, 0 changed" in audit
    assert "Ana Bowman set the owners of Contoso Ltd: – → Ben Ito" in audit, "by setup, in the first channel"


async def test_an_import_replaces_subscriptions_and_names_owners_only_on_apply() -> None:
    chat = with_roster()
    await set_up(chat)
    customers = {c.name: c.customer_id for c in await default_backend().list_customers()}
    document = {
        "version": 1,
        "subscriptions": [
            {"customer": "contoso", "services": ["teams"], "kinds": "incidents"},
            {
                "customer_id": customers["Northwind Traders"],
                "services": ["Exchange Online"],
                "kinds": "advisories",
            },
        ],
        "quiet_until": None,
        "owners": [
            {"customer": "Northwind Traders", "people": [{"object_id": "aad-chloe", "name": "Chloe Park"}]}
        ],
    }
    summary = await chat.say(f"import {json.dumps(document)}")
    for line in (
        "Subscriptions added\nContoso Ltd: Incidents (Microsoft Teams)",
        "Subscriptions removed\nContoso Ltd: Both (Exchange Online)",
        "Subscriptions changed\nNorthwind Traders: Advisories (Exchange Online)",
        "No quiet hours (any now end)",
        "Northwind Traders: Chloe Park (now Ben Ito)",
        "they change for these customers in every conversation that hears about them",
    ):
        assert line in summary
    assert await owners_of(chat, "Northwind Traders") == {"Northwind Traders": (BEN,)}
    await chat.say("apply")
    assert await subscriptions(chat, HERE) == {
        (customers["Contoso Ltd"], ("Microsoft Teams",), "incidents"),
        (customers["Northwind Traders"], ("Exchange Online",), "advisories"),
    }
    assert await owners_of(chat, "Contoso Ltd", "Northwind Traders") == {
        "Contoso Ltd": (BEN,),
        "Northwind Traders": (CHLOE,),
    }
    known = await chat.bot.notifications.conversations.get(HERE)
    assert known is not None and not known.quiet_at(DEMO_NOW)
    assert "already in place here" in await chat.say(f"import {json.dumps(document)}")


async def test_apply_pressed_again_or_tampered_with_applies_the_kept_document_once() -> None:
    """Apply's data names the flow and its key, never the document: what is applied is what was checked."""
    chat = Conversation()
    await chat.say('import {"version": 1, "subscriptions": [{"customer": "contoso"}]}')
    card = chat.last
    apply = button(card, "Apply").action["data"]
    assert "That card belongs to an import that has ended" in await chat.submit({**apply, "key": "0" * 32})
    assert await subscriptions(chat, HERE) == set(), "another key applies nothing"
    forged = {**apply, "document": {"version": 1, "subscriptions": [{"customer_id": "*"}]}}
    assert "now has the imported settings: 1 added" in await chat.submit(forged)
    contoso = next(c for c in await default_backend().list_customers() if c.name == "Contoso Ltd")
    assert await subscriptions(chat, HERE) == {(contoso.customer_id, (), "incidents")}, "not the forged '*'"
    assert "That card belongs to an import that has ended" in await chat.press("Apply", card)
    assert await subscriptions(chat, HERE) == {(contoso.customer_id, (), "incidents")}
    actions = [e.action for e in await chat.bot.audit.latest(20)]
    assert actions.count("settings.imported") == 1 and actions.count("subscription.added") == 1


@pytest.mark.parametrize("azure", ["Azure", "azure", "애저"])
async def test_an_azure_subscription_survives_export_and_import(azure: str) -> None:
    """'Azure' is what export writes for 'subscribe contoso azure' (its Azure events only); read back it
    stayed a subscription to Microsoft Entra, whose old name starts with Azure."""
    first = Conversation()
    await first.say("subscribe contoso azure")
    document = json.loads(await exported(first))
    assert document["subscriptions"][0]["services"] == ["Azure"]
    document["subscriptions"][0]["services"] = [azure]
    other = Conversation(
        BotHarness(conversation_id=OTHER, storage=first.bot.storage, database=first.bot.database)
    )
    summary = await other.say(f"import {json.dumps(document, ensure_ascii=False)}")
    assert "Contoso Ltd: Incidents (Azure)" in summary and "Entra" not in summary, summary
    await other.press("Apply")
    assert await subscriptions(other, OTHER) == await subscriptions(first, HERE)


async def test_cancel_and_back_change_nothing() -> None:
    chat = Conversation()
    await chat.say('import {"version": 1, "subscriptions": [{"customer": "contoso"}]}')
    assert "This is the only question" in await chat.say("back")
    assert "'yes' isn't one of the choices." in await chat.say("yes")
    assert "Cancelled. Nothing was imported." in await chat.press("Cancel")
    assert await subscriptions(chat, HERE) == set()


@pytest.mark.parametrize(
    ("again", "shows"),
    [
        # The corrected document sent while the first one's Apply is waiting: the newest is the one shown.
        (
            'import {"version": 1, "subscriptions": [{"customer": "northwind"}]}',
            "Northwind Traders: Incidents",
        ),
        (
            'IMPORT\n{"version": 1, "subscriptions": [{"customer": "northwind"}]}',
            "Northwind Traders: Incidents",
        ),
        (
            "<p>import</p><pre>{&quot;version&quot;: 1, &quot;subscriptions&quot;: [{&quot;customer&quot;: "
            "&quot;northwind&quot;}]}</pre>",
            "Northwind Traders: Incidents",
        ),
        (
            '가져오기 {"version": 1, "subscriptions": [{"customer": "northwind"}]}',
            "Northwind Traders: Incidents",
        ),
        # A second document with a problem names it; the first one's Apply is gone with it.
        ('import {"version": 1, "subscriptions": [{"customer": "nowhere"}]}', "no customer 'nowhere'"),
    ],
)
async def test_a_new_import_while_one_waits_for_apply_replaces_it(again: str, shows: str) -> None:
    chat = Conversation()
    await chat.say('import {"version": 1, "subscriptions": [{"customer": "contoso"}]}')
    first = chat.last
    answer = await chat.say(again)
    second = chat.last
    assert shows in answer and "isn't one of the choices" not in answer, answer
    assert "Contoso Ltd" not in answer, answer
    assert "That card belongs to an import that has ended" in await chat.press("Apply", first)
    if "Apply" in answer:
        await chat.press("Apply", second)
        northwind = next(c for c in await default_backend().list_customers() if c.name == "Northwind Traders")
        assert await subscriptions(chat, HERE) == {(northwind.customer_id, (), "incidents")}
    else:
        assert await subscriptions(chat, HERE) == set()


async def test_every_problem_is_named_in_one_answer_and_nothing_changes() -> None:
    chat = Conversation()
    document = {
        "version": 1,
        "subscriptions": [
            {"customer": "contoso", "services": ["exchange"]},
            {"customer": "Fabrikam Nowhere"},
            {"customer": "northwind", "services": ["Exchange Online", "Exchnage"], "kinds": "outages"},
        ],
        "quiet_until": "2026-12-30T00:00:00+00:00",
        "owners": [{"customer": "contoso", "people": [{"name": "Ben Ito"}]}],
        "colour": "blue",
    }
    answer = await chat.say(f"import {json.dumps(document)}")
    for line in (
        "These settings can't be imported",
        "colour: isn't a field of these settings",
        "subscriptions[2].kinds: 'outages' isn't one of: incidents, advisories, all, changes.",
        "owners[0].people[0].object_id: an owner needs their Entra object id (object_id).",
        "subscriptions[1].customer: no customer 'Fabrikam Nowhere' among the customers you can see.",
        "subscriptions[2].services[1]: no service called 'Exchnage' for this customer.",
        "quiet_until: quiet hours last at most 72 hours from now.",
        "Nothing was changed.",
    ):
        assert line in answer
    assert "6 problems" in answer
    assert await subscriptions(chat, HERE) == set()


@pytest.mark.parametrize(
    ("locale", "document", "count"),
    [
        ("en-US", {"version": 1, "colour": "blue"}, "1 problem, at its place in the JSON:"),
        ("en-US", {"version": 1, "colour": "blue", "size": 2}, "2 problems, each at its place in the JSON:"),
        ("ko-KR", {"version": 1, "colour": "blue"}, "문제 1개, 각각 JSON 안의 위치와 함께:"),
    ],
)
async def test_the_problems_are_counted_in_words_that_fit_the_number(
    locale: str, document: dict[str, Any], count: str
) -> None:
    answer = await Conversation(BotHarness(locale=locale)).say(f"import {json.dumps(document)}")
    assert count in answer, answer


@pytest.mark.parametrize(
    ("locale", "customer", "says"),
    [
        (
            "en-US",
            "fabrikam",
            "subscriptions[0].customer: 'fabrikam' could be any of 'Fabrikam, Inc.', 'Fabrikam Residences': "
            "write its full name or its customer_id.",
        ),
        (
            "ko-KR",
            "FABRIKAM",
            "subscriptions[0].customer: 'FABRIKAM'에 해당하는 고객이 여럿입니다('Fabrikam, Inc.', "
            "'Fabrikam Residences'). 전체 이름이나 customer_id를 쓰세요.",
        ),
        ("en-US", "Nowhere Ltd", "no customer 'Nowhere Ltd' among the customers you can see."),
    ],
)
async def test_a_customer_name_several_customers_share_is_named_as_such(
    locale: str, customer: str, says: str
) -> None:
    """Two customers are called Fabrikam: 'no customer fabrikam among those you can see' was untrue."""
    chat = Conversation(BotHarness(locale=locale))
    answer = await chat.say(f"import {json.dumps({'version': 1, 'subscriptions': [{'customer': customer}]})}")
    assert says in answer, answer
    assert await subscriptions(chat, HERE) == set()


@pytest.mark.parametrize(
    ("locale", "says"),
    [
        ("en-US", "doesn't hear about anything yet, so these settings are empty"),
        ("ko-KR", "아직 받는 알림이 없어"),
    ],
)
async def test_export_of_a_conversation_that_hears_nothing_says_so_above_its_empty_settings(
    locale: str, says: str
) -> None:
    """'hears about what's below' above an empty list read as if something had gone missing."""
    chat = Conversation(BotHarness(locale=locale))
    document = json.loads(await exported(chat))
    assert document["subscriptions"] == [] and document["quiet_until"] is None
    assert says in (chat.last.text or ""), chat.text
    await chat.say("subscribe contoso")
    await exported(chat)
    assert says not in (chat.last.text or ""), "a conversation that hears about Contoso"


async def test_import_is_for_those_who_may_subscribe_export_for_everyone() -> None:
    chat = Conversation(BotHarness(access=AccessRules(operators=frozenset({"someone-else"}))))
    refused = await chat.say('import {"version": 1, "subscriptions": [{"customer": "contoso"}]}')
    assert "change what this conversation hears about" in refused and "Import these settings?" not in refused
    assert '"version": 1' in await chat.say("export")


async def test_json_pasted_in_teams_html_with_curly_quotes_imports() -> None:
    chat = Conversation()
    pasted = "<p>import</p><pre>{“version”: 1, “subscriptions”: [{“customer”: “contoso”}]}</pre>"
    assert "Contoso Ltd: Incidents (Every service)" in await chat.say(pasted)


async def test_an_oversized_import_says_its_limit() -> None:
    chat = Conversation()
    answer = await chat.say("import " + json.dumps({"version": 1, "owners": [{"customer": "x" * 30_000}]}))
    assert "the settings are longer than 20000 characters." in answer


async def test_korean_export_and_import() -> None:
    chat = Conversation(BotHarness(locale="ko-KR"))
    await chat.say("구독 woodgrove")
    assert "복사해서 다른 대화에 '가져오기' 뒤에 붙여" in await chat.say("내보내기")
    assert "이 설정을 가져올까요?" in await chat.say(
        '가져오기 {"version": 1, "subscriptions": [{"customer": "contoso"}]}'
    )
    assert "가져오기 완료" in await chat.press("적용")
    assert "버전 1을 읽습니다" in await chat.say('가져오기 {"version": 2}')


# Under GDAP a person sees only the customers they hold a role for: whatever else a document names reads
# as a customer that doesn't exist (as everywhere in the bot), and 'every customer' isn't theirs to give.
def _seeing(tenant_id: str) -> PersonAccess:
    role = ACCEPTED[Need.SEE][0].template_id
    return PersonAccess("dev", (Grant(tenant_id, frozenset({role}), DEMO_NOW + timedelta(days=30)),))


@pytest.mark.parametrize(
    ("subscription", "problem"),
    [
        ({"customer": "contoso"}, None),
        ({"customer": "northwind"}, ("subscriptions[0].customer", "settings.problem.unknown_customer")),
        ({"customer_id": "NORTHWIND"}, ("subscriptions[0].customer_id", "settings.problem.unknown_customer")),
        (
            {"customer": "no such customer"},
            ("subscriptions[0].customer", "settings.problem.unknown_customer"),
        ),
        ({"customer_id": "*"}, ("subscriptions[0].customer_id", "settings.problem.every_customer_scoped")),
    ],
)
async def test_under_gdap_only_the_persons_customers_can_be_imported(
    subscription: dict[str, Any], problem: tuple[str, str] | None
) -> None:
    backend = default_backend()
    customers = {c.name: c for c in await backend.list_customers()}
    if subscription.get("customer_id") == "NORTHWIND":
        subscription = {"customer_id": customers["Northwind Traders"].customer_id}
    scoped = ScopedBackend(backend, lambda: DEMO_NOW)
    draft, shape = read_settings(json.dumps({"version": 1, "subscriptions": [subscription]}))
    with acting_as(_seeing(customers["Contoso Ltd"].tenant_id)):
        if problem is None:
            plan = await plan_settings(draft, scoped, scoped.scope, DEMO_NOW, shape)
            assert [p.name for p in plan.subscriptions] == ["Contoso Ltd"]
            return
        with pytest.raises(UnreadableSettings) as raised:
            await plan_settings(draft, scoped, scoped.scope, DEMO_NOW, shape)
    assert [(p.path, p.message_id) for p in raised.value.problems] == [problem]


@pytest.mark.parametrize(
    ("quiet_until", "planned"),
    [
        (None, None),
        ("2026-11-24T08:00:00+00:00", None),  # over before it was pasted: no quiet hours
        ("2026-11-24T13:00:00+03:00", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
        ("2026-11-27T09:00:00+00:00", datetime(2026, 11, 27, 9, 0, tzinfo=UTC)),  # 72 hours: the most
    ],
)
async def test_quiet_hours_are_kept_while_they_last(
    quiet_until: str | None, planned: datetime | None
) -> None:
    draft, shape = read_settings(json.dumps({"version": 1, "quiet_until": quiet_until}))
    scoped = ScopedBackend(default_backend(), lambda: DEMO_NOW)
    with acting_as(PersonAccess("", everything=True)):
        plan = await plan_settings(draft, scoped, scoped.scope, DEMO_NOW, shape)
    assert plan.quiet_until == planned


@pytest.mark.parametrize(("subscriptions", "shown"), [(2, "indented"), (120, "compact"), (400, "too long")])
async def test_an_export_fits_one_message_and_what_import_takes(subscriptions: int, shown: str) -> None:
    """Indented while it fits the card budget and import's limit, then compact, then a sentence saying so."""
    chat = Conversation()
    customers = list(await default_backend().list_customers())
    store = chat.bot.notifications.subscriptions
    for n in range(subscriptions):
        customer = customers[n % len(customers)]
        subscription = Subscription(HERE, customer.customer_id, (f"Service {n:03}",), "incidents")
        await store.add(subscription, DEMO_NOW)
    if shown == "too long":
        assert "These settings are longer than import takes (20000 characters)" in await chat.say("export")
        return
    document = await exported(chat)
    sent = chat.last.text or ""
    assert len(document) <= MAX_DOCUMENT_CHARS and len(sent.encode("utf-8")) <= CARD_BUDGET
    assert ("\n" in document) == (shown == "indented")
    assert len(json.loads(document)["subscriptions"]) == subscriptions


async def test_changes_are_set_up_exported_and_imported_beside_incidents() -> None:
    """Setup's kinds question offers message center changes; an import may ask for a customer's changes
    and its incidents at once (two subscriptions, neither replacing the other), and export carries both."""
    chat = Conversation()
    for answer in ("setup", "contoso", "every service"):
        await chat.say(answer)
    assert "4. Message center changes" in chat.text
    await chat.say("message center changes")
    assert "1 to 72" in await chat.say("100")
    await chat.press("1. No quiet hours")
    assert "Hear about Message center changes" in await chat.press("1. Skip")
    await chat.press("Submit")
    contoso = next(c for c in await default_backend().list_customers() if c.name == "Contoso Ltd")
    assert await subscriptions(chat, HERE) == {(contoso.customer_id, (), "changes")}
    document = {
        "version": 1,
        "subscriptions": [
            {"customer": "contoso", "services": [], "kinds": "changes"},
            {"customer": "contoso", "services": [], "kinds": "incidents"},
        ],
        "quiet_until": None,
        "owners": [],
    }
    summary = await chat.say(f"import {json.dumps(document)}")
    assert "Subscriptions added\nContoso Ltd: Incidents" in summary
    assert "Subscriptions removed" not in summary
    await chat.say("apply")
    assert await subscriptions(chat, HERE) == {
        (contoso.customer_id, (), "changes"),
        (contoso.customer_id, (), "incidents"),
    }
    assert json.loads(await exported(chat))["subscriptions"] == [
        {"customer": "Contoso Ltd", "customer_id": contoso.customer_id, "services": [], "kinds": "changes"},
        {"customer": "Contoso Ltd", "customer_id": contoso.customer_id, "services": [], "kinds": "incidents"},
    ]
