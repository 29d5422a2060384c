"""`owner`, `owners` and `mine` over HTTP as Teams sends them, on the demo and the live backend (against
the doubles), on SQLite and on shared blobs: who looks after a customer is set from @mentions resolved
through the roster, named back when the roster can't place someone, and never half-applied."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.turn.access import AccessRules
from chatclient.people import find_person
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from services.storage.blob_container import BlobLocation
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import BOT_ID, CHANNEL, OTHER_CHANNEL, channel_message, personal_message
from tests.support import harness
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import buttons, visible_text

# The roster: Ana and Ben are in the notices' channel; Chloé looks after Contoso from another one.
ANA = {
    "id": "29:1Ana-Bowman-Teams-Id",
    "name": "Ana Bowman",
    "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000001",
}
BEN = {"id": "29:1Ben-Ito-Teams-Id", "name": "Ben Ito", "aadObjectId": "b2c3d4e5-0000-4000-8000-000000000002"}
CHLOE = {
    "id": "29:1Chloe-Kim-Teams-Id",
    "name": "김지수",
    "aadObjectId": "c3d4e5f6-0000-4000-8000-000000000003",
}


def with_mentions(activity: dict[str, Any], *people: dict[str, Any]) -> dict[str, Any]:
    """`activity` with each of `people` @mentioned after the command, as Teams writes them."""
    for person in people:
        span = f"<at>{person['name']}</at>"
        activity["text"] += f" {span}"
        activity["entities"].append(
            {"type": "mention", "mentioned": {"id": person["id"], "name": person["name"]}, "text": span}
        )
    return activity


def roster(connector: FakeConnector) -> None:
    connector.members = {p["id"]: p for p in (ANA, BEN, CHLOE)}
    connector.conversation_members = {
        CHANNEL: [ANA["id"], BEN["id"]],
        OTHER_CHANNEL: [CHLOE["id"], ANA["id"]],
    }


async def ask(bot: TestClient[Any, Any], connector: FakeConnector, activity: dict[str, Any]) -> str:
    before = len(connector.messages)
    response = await bot.post("/api/messages", json=activity)
    assert response.status in (200, 201), response.status
    return "\n".join(visible_text(m) for m in connector.messages[before:])


def said(service_url: str, text: str, *people: dict[str, Any], channel: str = CHANNEL) -> dict[str, Any]:
    return with_mentions(channel_message(service_url, text, channel=channel), *people)


@pytest.mark.usefixtures("each_backend")
async def test_owners_are_set_from_mentions_listed_cleared_and_audited(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot()
    set_first = await ask(bot, connector, said(service_url, "owner contoso", ANA, BEN))
    assert (
        "Now looking after Contoso Ltd: Ana Bowman, Ben Ito." in set_first and "Before: nobody" in set_first
    )
    changed = await ask(bot, connector, said(service_url, "owner contoso", CHLOE, channel=OTHER_CHANNEL))
    assert "Now looking after Contoso Ltd: 김지수." in changed and "Before: Ana Bowman, Ben Ito" in changed
    assert "Owners: 김지수" in await ask(bot, connector, said(service_url, "owners contoso"))
    listed = await ask(bot, connector, said(service_url, "owners"))
    assert "Customer owners" in listed and "Contoso Ltd" in listed and "김지수" in listed
    korean_name = await ask(bot, connector, said(service_url, "owner 한빛 물류", BEN))
    assert "Now looking after 한빛 물류 (Hanbit Logistics): Ben Ito." in korean_name
    assert "owner Woodgrove Bank" in await ask(bot, connector, said(service_url, "owner wodgrove bnk", BEN))
    cleared = await ask(bot, connector, said(service_url, "owner contoso none"))
    assert "Nobody is named as looking after Contoso Ltd any more." in cleared and "Before: 김지수" in cleared
    assert "Nobody is named as looking after Contoso Ltd." in await ask(
        bot, connector, said(service_url, "owners contoso")
    )
    audit = await ask(bot, connector, said(service_url, "audit 5"))
    assert "Ana Bowman set the owners of Contoso Ltd: – → Ana Bowman, Ben Ito" in audit
    assert "Ana Bowman set the owners of Contoso Ltd: 김지수 → –" in audit


@pytest.mark.usefixtures("each_backend")
async def test_mine_lists_the_customers_i_own_worst_first(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot()
    for customer in ("woodgrove", "contoso", "fourth coffee"):
        await ask(bot, connector, said(service_url, f"owner {customer}", ANA))
    await ask(bot, connector, said(service_url, "owner northwind", BEN))
    mine = await ask(bot, connector, said(service_url, "mine"))
    rows = [line for line in mine.splitlines() if "|" in line]
    # Worst first, as `overview` orders them: Contoso has interruptions, Woodgrove degradations only,
    # Fourth Coffee nothing active.
    assert rows == [
        "Contoso Ltd | 3 active incidents",
        "Woodgrove Bank | 2 active incidents",
        "Fourth Coffee | ✓ Healthy",
    ], mine
    assert "3 customers you look after · worst first" in mine and "Northwind Traders" not in mine
    overview = await ask(bot, connector, said(service_url, "overview"))
    assert "Contoso Ltd Owners: Ana Bowman | 3 active incidents" in overview, "overview names the owners"
    ben = channel_message(service_url, "mine")
    ben["from"] = {"id": BEN["id"], "name": BEN["name"], "aadObjectId": BEN["aadObjectId"]}
    assert "Northwind Traders" in await ask(bot, connector, ben)


async def test_someone_the_roster_cannot_place_is_named_back_and_nothing_changes(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot()
    await ask(bot, connector, said(service_url, "owner contoso", BEN))
    stranger = {"id": "29:1Zoe-Stranger", "name": "Zoë Stranger", "aadObjectId": "ignored"}
    answer = await ask(bot, connector, said(service_url, "owner contoso", ANA, stranger))
    assert "I couldn't find Zoë Stranger in this conversation." in answer and "Nothing was changed" in answer
    assert "Owners: Ben Ito" in await ask(bot, connector, said(service_url, "owners contoso"))


async def test_in_a_personal_chat_it_says_where_owners_can_be_named(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot()
    answer = await ask(bot, connector, personal_message(service_url, "owner contoso"))
    assert "No one can be @mentioned in a 1:1 chat" in answer
    assert "'@Support Bot owner Contoso Ltd @name'" in answer
    in_channel = await ask(bot, connector, said(service_url, "owner contoso"))
    assert "@mention the people who look after it" in in_channel
    assert "Nobody is named as looking after Contoso Ltd." in in_channel


@pytest.mark.parametrize(
    ("text", "extra", "answer"),
    [
        ("owner", [], "Tell me the customer's name, domain or tenant id"),
        ("owner   ", [], "Tell me the customer's name, domain or tenant id"),
        ("owner contosso", [], "Did you mean"),
        ("owner nosuchcustomer at all", [], "I don't know a customer"),
        (
            "owner contoso " + "Our mail is down since nine and the CEO is asking, please look " * 3,
            [],
            "I don't know a customer",
        ),
        ("owner contoso " + "x" * 400, [], "too long to be a customer name"),
        (
            "owner contoso",
            [{"type": "mention", "mentioned": "29:1Ana-Bowman-Teams-Id", "text": "<at>A</at>"}],
            "@mention the people",
        ),
        (
            "owner contoso",
            [{"type": "mention", "mentioned": {"id": 7, "name": "Seven"}}],
            "@mention the people",
        ),
        ("owner contoso", [{"type": "mention", "mentioned": {"name": "No id"}}], "@mention the people"),
        (
            "owner contoso",
            [{"type": "mention", "mentioned": {"id": BOT_ID, "name": "Ana"}}],
            "@mention the people",
        ),
        (
            "owner contoso",
            [{"type": "mention", "mentioned": {"id": "29:forged", "name": "Admin"}}],
            "I couldn't find Admin",
        ),
        (
            "owner contoso",
            [{"type": "mention", "mentioned": {"id": "29:1Ana-Bowman-Teams-Id", "name": "<at>x</at>"}}],
            "Now looking after Contoso Ltd",
        ),
        (
            "owner contoso",
            [{"type": "clientInfo", "mentioned": {"id": "29:1Ana-Bowman-Teams-Id"}}],
            "@mention the people",
        ),
    ],
    ids=[
        "no-customer",
        "blank",
        "typo",
        "unknown",
        "pasted-paragraph",
        "too-long",
        "mentioned-not-an-object",
        "id-not-a-string",
        "no-id",
        "the-bot-itself",
        "forged-id",
        "hostile-name-real-person",
        "other-entity-type",
    ],
)
async def test_hostile_owner_commands_get_a_clear_answer_and_store_nothing_unmeant(
    start_bot: StartBot, connector: FakeConnector, service_url: str, text: str, extra: list[Any], answer: str
) -> None:
    roster(connector)
    bot = await start_bot()
    activity = channel_message(service_url, text)
    activity["entities"] += extra
    reply = await ask(bot, connector, activity)
    assert answer in reply, reply
    owners = await ask(bot, connector, said(service_url, "owners"))
    if "Now looking after" in answer:
        assert "Ana Bowman" in owners, "the roster's name is stored, not the entity's"
    else:
        assert "No customer has owners yet." in owners


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        # Two customers share the name; a typo; a name nobody has.
        ("owner fabrikam", ["owner Fabrikam, Inc.", "owner Fabrikam Residences"]),
        ("owner wodgrove bnk", ["owner Woodgrove Bank"]),
        ("담당지정 fabrikam", ["owner Fabrikam, Inc.", "owner Fabrikam Residences"]),
        ("owner nosuchcustomer", ["I don't know a customer called 'nosuchcustomer'."]),
    ],
)
async def test_a_customer_not_named_exactly_beside_mentions_is_asked_about_without_losing_them(
    start_bot: StartBot, connector: FakeConnector, service_url: str, text: str, lines: list[str]
) -> None:
    """A button can't carry the @mentions: a choice card's button would set nobody and teach 'how to'.
    The answer names the customers it could be, to send again with the mentions; nothing changes."""
    roster(connector)
    bot = await start_bot()
    reply = await ask(bot, connector, said(service_url, text, BEN))
    for line in lines:
        assert line in reply.splitlines() or line in reply, reply
    assert "@mentions" in reply, reply
    commands = [str(b.action.get("data", {}).get("command", "")) for b in buttons(connector.messages[-1])]
    assert not [c for c in commands if c.startswith("owner")], commands
    assert "No customer has owners yet." in await ask(bot, connector, said(service_url, "owners"))


async def test_a_crowd_of_mentions_is_refused_before_the_roster_is_asked_about_each(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    crowd = [{"id": f"29:p{n}", "name": f"Person {n}", "aadObjectId": f"aad-{n}"} for n in range(40)]
    connector.members.update({p["id"]: p for p in crowd})
    bot = await start_bot()
    answer = await ask(bot, connector, said(service_url, "owner contoso", *crowd))
    assert "Name at most 10 people" in answer and "Contoso Ltd's owners weren't changed" in answer
    assert connector.roster_agents == [], "no roster read for a message that can't be applied"
    assert "No customer has owners yet." in await ask(bot, connector, said(service_url, "owners"))


async def test_only_those_who_may_subscribe_may_change_owners_but_anyone_may_read_them(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot(access=AccessRules(operators=frozenset({ANA["aadObjectId"]})))
    await ask(bot, connector, said(service_url, "owner contoso", ANA))
    ben = said(service_url, "owner contoso none")
    ben["from"] = {"id": BEN["id"], "name": BEN["name"], "aadObjectId": BEN["aadObjectId"]}
    refused = await ask(bot, connector, ben)
    assert "change who looks after a customer" in refused
    reader = said(service_url, "owners contoso")
    reader["from"] = ben["from"]
    assert "Owners: Ana Bowman" in await ask(bot, connector, reader)
    audit = await ask(bot, connector, said(service_url, "audit 3"))
    assert "Ben Ito was refused access to change who looks after a customer" in audit


async def test_customers_hidden_by_gdap_cannot_be_given_owners_or_be_listed(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot(people_access=AccessMode.GDAP)
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    ben, ana = find_person("ben").user, find_person("ana").user
    bens, anas = await people.person(ben["aadObjectId"]), await people.person(ana["aadObjectId"])
    customers = await demo_backend().list_customers()
    # Hidden from Ben, seen by Ana (who names Ben its owner): Ben still mustn't find it anywhere.
    hidden = next(
        c for c in customers if not bens.sees(c.tenant_id, DEMO_NOW) and anas.sees(c.tenant_id, DEMO_NOW)
    )
    seen = next(c for c in customers if bens.sees(c.tenant_id, DEMO_NOW))

    def as_ben(text: str, *people: dict[str, Any]) -> dict[str, Any]:
        activity = said(service_url, text, *people)
        activity["from"] = ben
        return activity

    refused = await ask(bot, connector, as_ben(f"owner {hidden.name}", ANA))
    assert f"I don't know a customer called '{hidden.name}'" in refused
    demo_ben = {**ben, "userPrincipalName": "ben.okafor@example.com"}
    connector.members[ben["id"]] = demo_ben
    assert "Now looking after" in await ask(bot, connector, as_ben(f"owner {seen.name}", ANA, demo_ben))
    by_ana = said(service_url, f"owner {hidden.name}", demo_ben)
    by_ana["from"] = ana
    assert "Now looking after" in await ask(bot, connector, by_ana)
    assert hidden.name in await ask(bot, connector, said(service_url, "owners"))  # Ana sees it
    listed = await ask(bot, connector, as_ben("owners"))
    assert seen.name in listed and hidden.name not in listed
    mine = await ask(bot, connector, as_ben("mine"))
    assert seen.name in mine and hidden.name not in mine


async def test_owners_named_on_one_instance_are_read_on_the_other_on_shared_blobs(
    aiohttp_client: Any, connector: FakeConnector, service_url: str, tmp_path: Path, azurite: Any
) -> None:
    roster(connector)
    location = BlobLocation(f"owners-{uuid.uuid4().hex[:12]}", azurite.connection_string)
    bots = [
        await aiohttp_client(
            create_app(
                Settings(data_dir=tmp_path / f"i{n}", blob=location, instance_id=f"i{n}"),
                backend=harness.default_backend(),
                clock=lambda: DEMO_NOW,
            )
        )
        for n in range(2)
    ]
    assert "Now looking after Contoso Ltd" in await ask(
        bots[0], connector, said(service_url, "owner contoso", ANA, BEN)
    )
    assert "Owners: Ana Bowman, Ben Ito" in await ask(bots[1], connector, said(service_url, "owners contoso"))
    assert "Contoso Ltd" in await ask(bots[1], connector, said(service_url, "mine"))
    cleared = await ask(bots[1], connector, said(service_url, "owner contoso none"))
    assert "Before: Ana Bowman, Ben Ito" in cleared
    assert "Nobody is named" in await ask(bots[0], connector, said(service_url, "owners contoso"))


# 'owner <customer> @name' as the hints write it, in either language.
EXAMPLE = re.compile(r"'(?:owner|담당지정) (.+?) @(?:name|이름)'")


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
async def test_the_hints_example_customer_is_one_the_reader_sees_or_none_at_all(
    start_bot: StartBot, connector: FakeConnector, service_url: str, locale: str
) -> None:
    """`mine` owning nothing, `owner` without a customer and `owner <unknown> @person` suggest 'owner
    contoso @name': under GDAP Contoso may be hidden from the reader (Dev sees no customer at all)."""
    roster(connector)
    bot = await start_bot(people_access=AccessMode.GDAP)
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    customers = await demo_backend().list_customers()
    placeholder = "<customer>" if locale == "en-US" else "<고객>"
    hidden_contoso = 0
    for who in ("ana", "ben", "chloe", "dev"):
        user = find_person(who).user
        access = await people.person(user["aadObjectId"])
        seen = {c.name for c in customers if access.sees(c.tenant_id, DEMO_NOW)}
        hidden_contoso += "Contoso Ltd" not in seen
        for text, mentioned in (("mine", ()), ("owner", ()), ("owner zzqx", (ANA,))):
            activity = said(service_url, text, *mentioned)
            activity["from"], activity["locale"] = user, locale
            answer = await ask(bot, connector, activity)
            examples = EXAMPLE.findall(answer)
            assert examples, (who, text, answer)
            for example in examples:
                assert example in seen if seen else example == placeholder, (who, text, answer)
    assert hidden_contoso, "the table holds a reader Contoso is hidden from"


@pytest.mark.parametrize(
    ("text", "people", "locale", "answer"),
    [
        ("owner contoso @Ben Ito", (), "en-US", "'@Ben Ito' is text, not a mention: type @, then pick"),
        ("owner contoso ltd @Ben", (), "en-US", "'@Ben' is text, not a mention"),
        ("owner contoso @Chloe", (BEN,), "en-US", "'@Chloe' is text, not a mention"),
        ("owner 한빛 물류 @name", (), "en-US", "'@name' is text, not a mention"),
        ("담당지정 contoso @벤", (), "ko-KR", "'@벤'은(는) 멘션이 아니라 글자입니다"),
    ],
    ids=["a name", "a full customer name", "beside a real mention", "a Korean customer", "in Korean"],
)
async def test_a_person_typed_as_text_is_told_to_pick_them_and_nothing_changes(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    text: str,
    people: tuple[dict[str, Any], ...],
    locale: str,
    answer: str,
) -> None:
    """'@Ben' typed without picking Ben from Teams' list arrives as text with no mention entity: it was
    read as part of the customer's name ('I don't know a customer called 'contoso @Ben''), which the
    person can't act on."""
    roster(connector)
    bot = await start_bot()
    await ask(bot, connector, said(service_url, "owner contoso", ANA))
    activity = said(service_url, text, *people)
    activity["locale"] = locale
    reply = await ask(bot, connector, activity)
    assert answer in reply, reply
    assert "I don't know a customer" not in reply and "고객이 없습니다" not in reply
    owners = await ask(bot, connector, said(service_url, "owners"))
    assert "Contoso Ltd | Ana Bowman" in owners and "Ben" not in owners, owners


async def test_a_person_typed_as_text_in_a_personal_chat_hears_where_owners_can_be_named(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    roster(connector)
    bot = await start_bot()
    answer = await ask(bot, connector, personal_message(service_url, "owner contoso @Ben Ito"))
    assert "No one can be @mentioned in a 1:1 chat" in answer and "Who looks after Contoso Ltd?" in answer
    assert "Nobody is named as looking after Contoso Ltd." in await ask(
        bot, connector, said(service_url, "owners contoso")
    )


async def test_a_name_ending_in_a_full_stop_ends_the_sentence_with_one(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    shown = await ask(bot, connector, said(service_url, "owners fabrikam inc"))
    assert "Nobody is named as looking after Fabrikam, Inc.\n" in shown, shown
    assert ".." not in shown
