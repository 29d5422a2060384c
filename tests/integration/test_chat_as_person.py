"""`make chat AS=<person>`: the terminal chat speaks as a demo person (from.aadObjectId, name, the partner
tenant, the roster's member), and that person is the one the demo GDAP data scopes."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession, web

from chatclient.people import find_person
from chatclient.session import MEMBER, USER, ChatSession
from services.access.people import GdapAccess
from services.backends.demo.backend import DemoBackend
from services.backends.demo.gdap import DemoDirectory
from tests.support.harness import DEMO_NOW

PARTNER_TENANT = "286d4538-4b9a-577f-acfd-7277c77c00bc"


@pytest.mark.parametrize(
    ("typed", "object_id"),
    [
        ("ana", "a1b2c3d4-0000-4000-8000-000000000001"),
        ("Ben", "a1b2c3d4-0000-4000-8000-000000000002"),
        ("Chloe Park", "a1b2c3d4-0000-4000-8000-000000000003"),
        ("chloe.park@cloudpartners.example", "a1b2c3d4-0000-4000-8000-000000000003"),
        (" A1B2C3D4-0000-4000-8000-000000000004 ", "a1b2c3d4-0000-4000-8000-000000000004"),
    ],
)
def test_a_demo_person_is_found_by_any_of_their_names(typed: str, object_id: str) -> None:
    person = find_person(typed)
    assert person.user["aadObjectId"] == person.member["aadObjectId"] == object_id
    assert person.tenant_id == person.member["tenantId"] == PARTNER_TENANT


@pytest.mark.parametrize("typed", ["zed", "", "a1b2c3d4", "@cloudpartners.example"])
def test_someone_unknown_is_refused_with_the_list(typed: str) -> None:
    with pytest.raises(LookupError) as refused:
        find_person(typed)
    assert "Ben Okafor (a1b2c3d4-0000-4000-8000-000000000002)" in str(refused.value)


@pytest.fixture
async def bot(aiohttp_server: Any) -> tuple[str, list[dict[str, Any]]]:
    """A bot that records what it is sent."""
    heard: list[dict[str, Any]] = []

    async def messages(request: web.Request) -> web.Response:
        heard.append(await request.json())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    server = await aiohttp_server(app)
    return str(server.make_url("/api/messages")), heard


async def _roster(session: ChatSession, member: str) -> tuple[int, dict[str, Any]]:
    url = f"{session.service_url}v3/conversations/{session.conversation_id}/members/{member}"
    async with ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def test_the_chat_speaks_as_the_person(bot: tuple[str, list[dict[str, Any]]]) -> None:
    url, heard = bot
    ben = find_person("ben")
    session = ChatSession(url, lambda _: None, "personal", ben)
    await session.start()
    try:
        await session.send("customers")
        (activity,) = heard
        assert activity["from"] == {
            "id": "29:ben.okafor",
            "name": "Ben Okafor",
            "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000002",
        }
        assert activity["channelData"]["tenant"]["id"] == PARTNER_TENANT
        status, member = await _roster(session, "29:ben.okafor")
        assert status == 200 and member["userPrincipalName"] == "ben.okafor@cloudpartners.example"
        assert (await _roster(session, USER["id"]))[0] == 404
    finally:
        await session.close()


async def test_without_a_person_the_chat_is_the_local_user_as_before(
    bot: tuple[str, list[dict[str, Any]]],
) -> None:
    url, heard = bot
    session = ChatSession(url, lambda _: None)
    await session.start()
    try:
        await session.send("help")
        assert heard[0]["from"] == USER and "aadObjectId" not in heard[0]["from"]
        assert (await _roster(session, USER["id"])) == (200, MEMBER)
    finally:
        await session.close()


async def test_two_people_chatting_are_granted_different_customers(demo: DemoBackend) -> None:
    """What `make chat AS=ben` and `AS=chloe` see under BOT_ACCESS=gdap, as the demo directory grants it."""
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    customers = await demo.list_customers()

    async def seen(name: str) -> set[str]:
        access = await people.person(find_person(name).user["aadObjectId"])
        return {c.name for c in customers if access.sees(c.tenant_id, DEMO_NOW)}

    ben, chloe, dev = await seen("ben"), await seen("chloe"), await seen("dev")
    assert "Wide World Importers" in ben - chloe and "Trey Research" in chloe - ben
    assert dev == set()
