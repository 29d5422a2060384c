"""Teams single sign-on over real HTTP: the live backend on the https doubles, the token service double,
real MSAL on-behalf-of against the Entra double. What the engineer sees, what Azure recorded as theirs,
what the audit log says, and what Teams gets back for each sign-in invoke."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.edge.log_redaction import RedactingFormatter
from services.backends.live.backend import LiveBackend
from tests.dialogs.test_escalation_dialog import FILED
from tests.doubles.connector import FakeConnector
from tests.doubles.live_world import LiveWorld
from tests.doubles.token_service import CONNECTION, FakeTokenService
from tests.integration.conftest import StartBot
from tests.integration.teams import TENANT, channel_message
from tests.integration.test_escalation_over_http import Thread
from tests.support.visible import buttons, visible_text

ANA_TEAMS_ID = "29:1Ana-Bowman-Teams-Id"
ANA_ID = "a1b2c3d4-0000-4000-8000-000000000001"
ANA_UPN = "ana.bowman@cloudpartners.example"
OAUTH = "application/vnd.microsoft.card.oauth"
_JWT = re.compile(r"eyJ[\w-]+\.eyJ")


@pytest.fixture(autouse=True)
def no_token_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every conversation here: no token (`eyJ`: a JWT's `{"` in base64) in a line the bot writes. Our own
    loggers never put one in a message; what libraries log (MSAL's DEBUG cache events carry the user's
    assertion) leaves through the redacting formatter without one."""
    caplog.set_level(logging.DEBUG)
    yield
    records = [r for r in caplog.get_records("call") if not _doubles_access_log(r)]
    ours = [r.getMessage() for r in records if r.name.split(".")[0] in ("bot", "services", "dialogs")]
    assert ours and not [line for line in ours if "eyJ" in line], "a token in our own log message"
    formatter = RedactingFormatter("%(name)s %(message)s")
    written = [formatter.format(r) for r in records]
    # A JWT is base64 JSON twice (header, claims); MSAL's DEBUG lines also show client_info, base64
    # JSON of object ids, which is not a credential.
    assert not [line for line in written if _JWT.search(line)], "a token in a log line"


def _doubles_access_log(record: logging.LogRecord) -> bool:
    """The doubles' own access logs are theirs (the sign-in state in a query is base64 JSON, and starts
    like a token); the bot's own access log lines are checked."""
    return record.name == "aiohttp.access" and "/api/messages" not in record.getMessage()


@pytest.fixture
async def token_service(aiohttp_server: Any, live_world: LiveWorld) -> FakeTokenService:
    fake = FakeTokenService(live_world.entra, TENANT)
    server = await aiohttp_server(fake.app())
    fake.base_url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def acting(live_world: LiveWorld) -> AsyncIterator[LiveBackend]:
    backend = live_world.backend_with(acting_as_people=True)
    yield backend
    await backend.close()


@pytest.fixture
async def thread(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    token_service: FakeTokenService,
    acting: LiveBackend,
) -> Thread:
    bot = await start_bot(acting, sso_connection=CONNECTION, token_service_url=token_service.base_url)
    return Thread(bot, connector, service_url)


def oauth_cards(connector: FakeConnector, since: int = 0) -> list[dict[str, Any]]:
    return [
        a["content"]
        for m in connector.messages[since:]
        for a in m.get("attachments") or []
        if a.get("contentType") == OAUTH
    ]


def invoke(thread: Thread, name: str, value: dict[str, Any]) -> dict[str, Any]:
    activity = channel_message(thread.service_url, thread=thread.thread)
    activity.update(type="invoke", name=name, value=value, text="")
    activity["entities"] = []
    return activity


async def send_invoke(bot: TestClient[Any, Any], activity: dict[str, Any]) -> tuple[int, Any]:
    response = await bot.post("/api/messages", json=activity)
    text = await response.text()
    return response.status, json.loads(text) if text else None


async def to_submit(thread: Thread) -> str:
    product = FILED["live"]
    await thread.say("escalate for northwind")
    for answer in (
        product.typed,
        product.topic_typed,
        "2",
        "VMs unreachable",
        "Since 08:00 no VM in West Europe answers on RDP.",
        "Ana Bowman ana.bowman@northwind.example",
        "skip",
    ):
        await thread.say(answer)
    return await thread.press("Submit")


def audit_rows(tmp_path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(tmp_path / "bot-state.sqlite3") as db:
        rows = db.execute("SELECT value FROM records WHERE collection = 'audit'").fetchall()
    return [json.loads(value) for (value,) in rows]


def sso_token(token_service: FakeTokenService) -> str:
    return token_service.sso_token(ANA_ID, ANA_UPN, "Ana Bowman")


async def test_a_write_without_a_token_offers_sign_in_and_the_exchange_files_it_as_the_engineer(
    thread: Thread,
    connector: FakeConnector,
    live_world: LiveWorld,
    token_service: FakeTokenService,
    tmp_path: Path,
) -> None:
    said = await to_submit(thread)
    assert said.startswith("Sign in to act as yourself"), said
    (card,) = oauth_cards(connector)
    assert card["connectionName"] == CONNECTION
    assert card["buttons"][0]["type"] == "signin" and card["buttons"][0]["value"].startswith("http")
    resource = card["tokenExchangeResource"]
    assert resource["uri"].startswith("api://botid-") and resource["id"]
    assert live_world.azure_support.tickets == {}, "nothing filed as the app instead"

    before = len(connector.messages)
    status, body = await send_invoke(
        thread.bot,
        invoke(
            thread,
            "signin/tokenExchange",
            {"id": resource["id"], "connectionName": CONNECTION, "token": sso_token(token_service)},
        ),
    )
    assert status == 200
    assert body == {"id": resource["id"], "connectionName": CONNECTION, "failureDetail": None}
    receipt = "\n".join(visible_text(m) for m in connector.messages[before:])
    assert receipt.startswith("Service request filed"), "the kept command resumed"
    (ticket,) = live_world.azure_support.tickets
    assert live_world.azure_support.created_by[ticket] == ANA_UPN, "Azure shows the engineer"
    filed = [r for r in audit_rows(tmp_path) if r["action"] == "request.filed"]
    assert [(r["actor_id"], r["actor_upn"]) for r in filed] == [(ANA_ID, ANA_UPN)]

    # The same exchange from Ana's phone: answered, nothing more.
    again = len(connector.messages)
    status, body = await send_invoke(
        thread.bot,
        invoke(
            thread,
            "signin/tokenExchange",
            {"id": resource["id"], "connectionName": CONNECTION, "token": sso_token(token_service)},
        ),
    )
    assert (status, body) == (200, None)
    assert connector.messages[again:] == [] and len(live_world.azure_support.tickets) == 1


async def test_two_devices_exchanging_at_once_are_answered_once_and_file_once(
    thread: Thread, connector: FakeConnector, live_world: LiveWorld, token_service: FakeTokenService
) -> None:
    await to_submit(thread)
    (card,) = oauth_cards(connector)
    exchange_id = card["tokenExchangeResource"]["id"]
    value = {"id": exchange_id, "connectionName": CONNECTION, "token": sso_token(token_service)}
    answers = await asyncio.gather(
        *(send_invoke(thread.bot, invoke(thread, "signin/tokenExchange", value)) for _ in range(3))
    )
    assert sorted(answers, key=lambda a: a[1] is None) == [
        (200, {"id": exchange_id, "connectionName": CONNECTION, "failureDetail": None}),
        (200, None),
        (200, None),
    ]
    assert len(token_service.exchanges) == 3, "each device exchanged"
    assert len(live_world.azure_support.tickets) == 1
    receipts = [m for m in connector.messages if visible_text(m).startswith("Service request filed")]
    assert len(receipts) == 1


async def test_a_failed_exchange_answers_412_and_the_popup_sign_in_finishes_it(
    thread: Thread, connector: FakeConnector, live_world: LiveWorld, token_service: FakeTokenService
) -> None:
    token_service.exchange_refused.add(ANA_TEAMS_ID)
    await to_submit(thread)
    (card,) = oauth_cards(connector)
    exchange_id = card["tokenExchangeResource"]["id"]
    status, body = await send_invoke(
        thread.bot,
        invoke(
            thread,
            "signin/tokenExchange",
            {"id": exchange_id, "connectionName": CONNECTION, "token": sso_token(token_service)},
        ),
    )
    assert status == 412
    assert body["id"] == exchange_id and "Proceed with regular login" in body["failureDetail"]
    assert live_world.azure_support.tickets == {}

    status, _ = await send_invoke(thread.bot, invoke(thread, "signin/verifyState", {"state": "000000"}))
    assert status == 200, "a wrong code is one line, not a 500"
    assert (
        visible_text(connector.messages[-1]) == "The sign-in didn't finish. Press Sign in again to carry on."
    )

    popup = await thread.bot.session.post(
        f"{token_service.base_url}/_test/signin",
        params={"userId": ANA_TEAMS_ID, "objectId": ANA_ID, "upn": ANA_UPN, "name": "Ana Bowman"},
    )
    code = (await popup.json())["code"]
    before = len(connector.messages)
    status, _ = await send_invoke(thread.bot, invoke(thread, "signin/verifyState", {"state": code}))
    assert status == 200
    assert visible_text(connector.messages[before]).startswith("Service request filed")
    (ticket,) = live_world.azure_support.tickets
    assert live_world.azure_support.created_by[ticket] == ANA_UPN


async def test_signed_in_it_files_at_once_and_sign_out_asks_again_next_time(
    thread: Thread,
    connector: FakeConnector,
    live_world: LiveWorld,
    token_service: FakeTokenService,
    acting: LiveBackend,
) -> None:
    token_service.sign_in(ANA_TEAMS_ID, ANA_ID, ANA_UPN, "Ana Bowman")
    receipt = await to_submit(thread)
    assert receipt.startswith("Service request filed") and oauth_cards(connector) == []
    (ticket,) = live_world.azure_support.tickets
    number = live_world.azure_support.tickets[ticket]["properties"]["supportTicketId"]
    assert acting.people is not None and acting.people.holds(ANA_ID), "her token is kept for the next write"
    said = await thread.say("sign out")
    assert not acting.people.holds(ANA_ID), "sign out drops what was kept on her behalf"
    assert said == "You're signed out. The next time something is done as you, I'll ask you to sign in again."
    assert token_service.sign_outs == [ANA_TEAMS_ID]
    assert (ANA_TEAMS_ID, CONNECTION) not in token_service.held
    before = len(connector.messages)
    said = await thread.say(f"note {number} Rebooted, still down.")
    assert said.startswith("Sign in to act as yourself") and len(oauth_cards(connector, before)) == 1
    assert len(live_world.azure_support.communications.get(ticket, [])) == 0, "the note waits for sign-in"


@pytest.mark.parametrize(
    ("refusal", "headline"),
    [
        ("revoked", "Your sign-in was revoked"),
        ("mfa", "Verify your sign-in"),
        ("consent", "Consent needed"),
    ],
)
async def test_a_refused_token_gets_its_card_with_a_sign_in_button_and_no_token_anywhere(
    thread: Thread,
    connector: FakeConnector,
    live_world: LiveWorld,
    token_service: FakeTokenService,
    acting: LiveBackend,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    refusal: str,
    headline: str,
) -> None:
    token_service.sign_in(ANA_TEAMS_ID, ANA_ID, ANA_UPN, "Ana Bowman")
    live_world.entra.person_refusals[ANA_ID] = refusal
    said = await to_submit(thread)
    assert said.startswith(headline), said
    assert "Traceback" not in said and "AADSTS" not in said
    (card,) = oauth_cards(connector)
    assert [b.title for b in buttons(connector.messages[-1])] == ["Sign in"]
    assert card["tokenExchangeResource"]["id"]
    assert token_service.sign_outs == [ANA_TEAMS_ID], "the refused token is signed out before asking again"
    assert acting.people is not None and not acting.people.holds(ANA_ID)
    assert live_world.azure_support.tickets == {}
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())  # noqa: ASYNC240
    assert b"eyJ" not in stored, "no token in bot state or any stored document"


async def test_a_sign_in_failure_in_teams_is_one_line_and_its_code_logged(
    thread: Thread, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    await thread.say("help")
    status, _ = await send_invoke(
        thread.bot,
        invoke(thread, "signin/failure", {"code": "resourcematchfailed", "message": "Resource match failed"}),
    )
    assert status == 200
    assert visible_text(connector.messages[-1]).startswith("Teams couldn't sign you in.")
    assert "code=resourcematchfailed" in caplog.text


async def test_with_sso_off_sign_out_says_there_is_nothing_to_sign_out_of(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    thread = Thread(await start_bot(), connector, service_url)
    assert (await thread.say("sign out")).startswith("Single sign-on is off for this bot")
    status, _ = await send_invoke(
        thread.bot, invoke(thread, "signin/tokenExchange", {"id": "x", "connectionName": "sso", "token": "t"})
    )
    assert status == 200, "not routed: as before SSO existed"
