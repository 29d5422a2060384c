"""Who may do what, over HTTP: tenants, operators (by id, by group) for typed commands, anyone's card
buttons, answers mid-flow and the Acknowledge button; every refusal says who grants access and lands in
the audit log, which operators read with `audit`."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import ACCESS
from bot.turn.access import AccessRules
from cards.actions import ACTION_KEY, RUN_COMMAND
from services.backends.demo.operators import DEMO_OPERATORS_GROUP
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import TENANT, card_action, personal_message
from tests.support.visible import visible_text

ANA = "a1b2c3d4-0000-4000-8000-000000000001"  # in the demo operators group
BOB = {"id": "29:1Bob-Teams-Id", "name": "Bob Kelly", "aadObjectId": "b0b00000-0000-4000-8000-00000000b0b0"}
REFUSED_SUBSCRIBE = (
    "Only the support desk's operators can change what this conversation hears about. The bot's "
    "administrator can give you access by adding you to BOT_OPERATORS."
)


async def _say(
    bot: TestClient[Any, Any],
    connector: FakeConnector,
    service_url: str,
    text: str,
    who: dict[str, str] | None = None,
) -> str:
    before = len(connector.messages)
    activity = personal_message(service_url, text)
    if who:
        activity["from"] = who
    assert (await bot.post("/api/messages", json=activity)).status == 201
    messages = await connector.wait_for_messages(before + 1)
    return "\n".join(visible_text(m) for m in messages[before:])


async def _press(
    bot: TestClient[Any, Any], connector: FakeConnector, service_url: str, command: str, who: dict[str, str]
) -> str:
    before = len(connector.messages)
    activity = personal_message(service_url, value={ACTION_KEY: RUN_COMMAND, "command": command})
    activity["from"] = who
    assert (await bot.post("/api/messages", json=activity)).status == 201
    messages = await connector.wait_for_messages(before + 1)
    return "\n".join(visible_text(m) for m in messages[before:])


async def test_by_default_everyone_is_an_operator(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    assert "Subscribed" in await _say(bot, connector, service_url, "subscribe contoso", BOB)


async def test_a_typed_operator_command_is_refused_saying_who_grants_access(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(access=AccessRules(operators=frozenset({ANA})))
    assert await _say(bot, connector, service_url, "subscribe contoso", BOB) == REFUSED_SUBSCRIBE
    assert "Contoso" not in await _say(bot, connector, service_url, "subscriptions", BOB)
    assert "Subscribed" in await _say(bot, connector, service_url, "subscribe contoso")
    # Reading stays open to everyone.
    assert "Service health" in await _say(bot, connector, service_url, "health contoso", BOB)


async def test_pressing_someone_elses_button_does_not_bypass_the_role(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(access=AccessRules(operators=frozenset({ANA}), contact="Dana (desk lead)"))
    answer = await _press(bot, connector, service_url, "escalate contoso", BOB)
    assert answer.startswith("Only the support desk's operators can file service requests. Dana (desk lead)")


async def test_answers_to_an_operator_flow_are_checked_too(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """Bob began filing while he was an operator; once he isn't, his next answer is refused and the
    flow ends."""
    bot = await start_bot()
    await _say(bot, connector, service_url, "escalate contoso", BOB)
    bot.app[ACCESS].rules = AccessRules(operators=frozenset({ANA}))
    answer = await _say(bot, connector, service_url, "exchange", BOB)
    assert answer.startswith("Only the support desk's operators can file service requests.")
    bot.app[ACCESS].rules = AccessRules()
    assert "Service health" in await _say(bot, connector, service_url, "health contoso", BOB)


async def test_operators_by_group_and_the_refusal_names_the_group(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(access=AccessRules(operators_group=DEMO_OPERATORS_GROUP))
    assert "Subscribed" in await _say(bot, connector, service_url, "subscribe contoso")
    refusal = await _say(bot, connector, service_url, "unsubscribe contoso", BOB)
    assert f"by adding you to the Entra group {DEMO_OPERATORS_GROUP} (or to BOT_OPERATORS)" in refusal


async def test_operators_by_upn_are_looked_up_on_the_bots_own_connector(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """The roster lookup goes through the adapter's Connector (its token fetched off the event loop), not
    TeamsInfo's msrest client, which would fetch the bot's token on the loop."""
    connector.members[BOB["id"]] = {
        "id": BOB["id"],
        "name": "Bob Kelly",
        "aadObjectId": BOB["aadObjectId"],
        "userPrincipalName": "Bob.Kelly@Contoso.example",
        "email": "bob@contoso.example",
    }
    cara = {"id": "29:1Cara-Teams-Id", "name": "Cara", "aadObjectId": "ca7a0000-0000-4000-8000-00000000ca7a"}
    connector.members[cara["id"]] = {**cara, "userPrincipalName": "cara@contoso.example"}
    bot = await start_bot(access=AccessRules(operators=frozenset({"bob.kelly@contoso.example"})))
    assert "Subscribed" in await _say(bot, connector, service_url, "subscribe contoso", BOB)
    assert await _say(bot, connector, service_url, "unsubscribe contoso", cara) == REFUSED_SUBSCRIBE
    assert len(connector.roster_agents) == 2
    assert all("aiohttp" in agent and "msrest" not in agent for agent in connector.roster_agents)


async def test_the_acknowledge_button_is_for_operators(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(access=AccessRules(operators=frozenset({ANA})))
    press = card_action(
        service_url, "notice.acknowledge", {ACTION_KEY: "notice.acknowledge", "incident": "EX1100014"}, "1"
    )
    press["from"] = BOB
    response = await bot.post("/api/messages", json=press)
    assert response.status == 200
    body = await response.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"].startswith("Only the support desk's operators can acknowledge notices.")


async def test_other_tenants_get_one_short_refusal_and_are_not_served(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(
        access=AccessRules(allowed_tenants=frozenset({"0b7e1d2c-0000-4000-8000-00000000abcd"}))
    )
    answer = await _say(bot, connector, service_url, "health contoso")
    assert answer == "Sorry, this bot serves its partner's own organisation only."


async def test_the_audit_log_records_changes_and_refusals_for_operators_only(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(access=AccessRules(operators=frozenset({ANA})))
    await _say(bot, connector, service_url, "subscribe contoso")
    await _say(bot, connector, service_url, "quiet 2", BOB)
    audit = await _say(bot, connector, service_url, "audit 5")
    assert "Audit log" in audit
    assert "Ana Bowman subscribed this conversation to Contoso Ltd" in audit
    assert "Bob Kelly was refused access to hold notices in this conversation" in audit
    assert (await _say(bot, connector, service_url, "audit", BOB)).startswith(
        "Only the support desk's operators can read the audit log."
    )


@pytest.mark.parametrize(
    ("env", "rules"),
    [
        ({}, AccessRules()),
        (
            {
                "ALLOWED_TENANTS": " T1 ,t2",
                "BOT_OPERATORS": "Ana@Contoso.com, " + ANA,
                "BOT_OPERATORS_GROUP": "g",
            },
            AccessRules(frozenset({"t1", "t2"}), frozenset({"ana@contoso.com", ANA}), "g"),
        ),
    ],
)
def test_access_settings_are_read_from_the_environment(env: dict[str, str], rules: AccessRules) -> None:
    from settings import Settings

    assert Settings.from_env(env).access == rules


# ALLOWED_TENANTS as it may be written, against the tenant id as Teams may spell it: one rule, any case.
TENANT_SPELLINGS = [
    (TENANT.upper(), TENANT),
    (TENANT, TENANT.upper()),
    (TENANT.title(), TENANT.upper()),
]


@pytest.mark.parametrize(("allowed", "sent_as"), TENANT_SPELLINGS)
async def test_an_allowed_tenant_is_served_whatever_the_case_of_its_id(
    start_bot: StartBot, connector: FakeConnector, service_url: str, allowed: str, sent_as: str
) -> None:
    bot = await start_bot(access=AccessRules(allowed_tenants=frozenset({allowed})))
    activity = personal_message(service_url, "health contoso")
    activity["conversation"]["tenantId"] = sent_as
    activity["channelData"]["tenant"]["id"] = sent_as
    assert (await bot.post("/api/messages", json=activity)).status == 201
    (answer,) = await connector.wait_for_messages(1)
    assert visible_text(answer).startswith("Service health · Contoso Ltd")
