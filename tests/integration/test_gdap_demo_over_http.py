"""BOT_ACCESS=gdap as the app wires it: the demo backend's directory (Graph's shapes) decides, over HTTP,
which customers each demo person is shown; no test double of the access port stands in."""

from __future__ import annotations

import re
from typing import Any

from chatclient.people import find_person
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import compose_invoke, personal_message
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import visible_text


async def _customers_shown(bot: Any, connector: FakeConnector, who: str) -> str:
    before = len(connector.messages)
    activity = personal_message(connector.service_url, "customers")
    activity["from"] = find_person(who).user
    assert (await bot.post("/api/messages", json=activity)).status == 201
    await connector.wait_for_messages(before + 1)
    return "\n".join(visible_text(m) for m in connector.messages[before:])


async def test_each_demo_person_is_shown_the_customers_their_groups_are_granted(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot(people_access=AccessMode.GDAP)
    customers = await demo_backend().list_customers()
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    for who in ("ana", "ben", "chloe"):
        access = await people.person(find_person(who).user["aadObjectId"])
        granted = {c.name for c in customers if access.sees(c.tenant_id, DEMO_NOW)}
        shown = await _customers_shown(bot, connector, who)
        assert granted and f"{len(granted)} customers" in shown, who
        assert {c.name for c in customers if c.name in shown} <= granted, who  # a page of them, none other
    nobody = await _customers_shown(bot, connector, "dev")
    assert not [c.name for c in customers if c.name in nobody]


async def test_by_default_on_the_demo_everyone_still_sees_every_customer(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    customers = await demo_backend().list_customers()
    shown = await _customers_shown(bot, connector, "dev")
    assert f"{len(customers)} customers" in shown


async def test_the_compose_box_search_shows_each_person_only_their_customers(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot(people_access=AccessMode.GDAP)
    customers = await demo_backend().list_customers()
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)

    async def found(who: str) -> set[str]:
        value: dict[str, Any] = {
            "commandId": "customers",
            "parameters": [{"name": "query", "value": ""}],
            "queryOptions": {"skip": 0, "count": 25},
        }
        activity = compose_invoke(connector.service_url, "composeExtension/query", value)
        activity["from"] = find_person(who).user
        response = await bot.post("/api/messages", json=activity)
        assert response.status == 200
        titles = [
            a["preview"]["content"]["title"]
            for a in (await response.json())["composeExtension"]["attachments"]
        ]
        return {c.name for c in customers if c.name in titles}

    for who in ("ben", "chloe", "dev"):
        access = await people.person(find_person(who).user["aadObjectId"])
        assert await found(who) == {c.name for c in customers if access.sees(c.tenant_id, DEMO_NOW)}, who


async def test_message_center_across_customers_names_only_the_demo_persons_own(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    """`make chat AS=ben`: MC905123 reaches seven demo tenants; each person is told of the ones GDAP
    shows them, and of no other (Ana, in Tier 2, sees more than Ben, in Tier 1 through Desk EU)."""
    bot = await start_bot(people_access=AccessMode.GDAP)
    customers = await demo_backend().list_customers()
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)

    async def ask(who: str, text: str) -> str:
        before = len(connector.messages)
        activity = personal_message(connector.service_url, text)
        activity["from"] = find_person(who).user
        assert (await bot.post("/api/messages", json=activity)).status == 201
        await connector.wait_for_messages(before + 1)
        return "\n".join(visible_text(m) for m in connector.messages[before:])

    for who in ("ana", "ben", "chloe"):
        access = await people.person(find_person(who).user["aadObjectId"])
        hidden = [c.name for c in customers if not access.sees(c.tenant_id, DEMO_NOW)]
        for text in ("changes", "change MC905123"):
            shown = await ask(who, text)
            assert not [name for name in hidden if name in shown], (who, text, shown)
        assert hidden, who
    assert "Contoso Ltd" in await ask("ana", "change MC905123")
    ben = await ask("ben", "change MC905123")
    assert ben.startswith("Exchange Online: Exchange Web Services") and "Contoso Ltd" in ben


async def test_the_question_for_a_customer_names_one_the_person_sees_or_none_at_all(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    """`health`, `incidents` and `owner` without a customer give an example: 'health contoso' named a
    customer GDAP may hide from the person (Dev sees none)."""
    bot = await start_bot(people_access=AccessMode.GDAP)
    customers = await demo_backend().list_customers()
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    for who in ("ana", "ben", "chloe", "dev"):
        user = find_person(who).user
        access = await people.person(user["aadObjectId"])
        seen = {c.name for c in customers if access.sees(c.tenant_id, DEMO_NOW)}
        for command in ("health", "incidents", "owner"):
            before = len(connector.messages)
            activity = personal_message(connector.service_url, command)
            activity["from"] = user
            assert (await bot.post("/api/messages", json=activity)).status == 201
            await connector.wait_for_messages(before + 1)
            shown = "\n".join(visible_text(m) for m in connector.messages[before:])
            example = re.search(r"for example '(?:\w+ )?(.+?)(?: @name)?'", shown)
            assert example, (who, command, shown)
            assert example[1] in seen if seen else example[1] == "<customer>", (who, command, shown)
