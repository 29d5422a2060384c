"""GDAP-scoped turns over HTTP: each engineer reaches only the customers, and does only what, their
groups were granted (the PeopleAccess port answered by a fixed map: tests/doubles/people.py).

A customer someone can't see doesn't exist for them, whatever command names it and however it is
spelt; a role they lack is one line naming it; when their access can't be read nothing is shown."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app import create_app
from bot.turn.commands import COMMANDS
from locales.translator import ENGLISH
from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests
from services.domain.access import (
    EXCHANGE_ADMINISTRATOR,
    GLOBAL_READER,
    SERVICE_SUPPORT_ADMINISTRATOR,
)
from services.domain.models import ALL_CUSTOMERS, Contact, Customer, RequestDraft, Severity
from services.domain.ports import PeopleAccess
from services.notices.subscriptions import SubscriptionStore
from services.storage.sqlite_database import SqliteDatabase
from settings import Settings
from tests.doubles.connector import FakeConnector
from tests.doubles.people import FixedPeople, person
from tests.integration.teams import CHANNEL, channel_message, personal_message
from tests.support import harness
from tests.support.harness import DEMO_NOW
from tests.support.visible import buttons, visible_text

TOKEN = "notify-token-for-tests"
SSA, READER, EXCHANGE = SERVICE_SUPPORT_ADMINISTRATOR, GLOBAL_READER, EXCHANGE_ADMINISTRATOR

CUSTOMERS = {c.name: c for c in asyncio.run(harness.demo_backend().list_customers())}
CONTOSO = CUSTOMERS["Contoso Ltd"]
FABRIKAM = CUSTOMERS["Fabrikam, Inc."]
NORTHWIND = CUSTOMERS["Northwind Traders"]
WOODGROVE = CUSTOMERS["Woodgrove Bank"]
PHARMA = CUSTOMERS["Contoso Pharmaceuticals"]
HANBIT = CUSTOMERS["한빛 물류 (Hanbit Logistics)"]
LAMNA = CUSTOMERS["Lamna Healthcare Company"]
RESIDENCES = CUSTOMERS["Fabrikam Residences"]

ANA_SEES = (CONTOSO, FABRIKAM, NORTHWIND, WOODGROVE)
BEN_SEES = (PHARMA, HANBIT, LAMNA, RESIDENCES)


def _who(number: int, name: str) -> dict[str, str]:
    return {
        "id": f"29:1{name}-Teams-Id",
        "name": name,
        "aadObjectId": f"a1b2c3d4-0000-4000-8000-00000000000{number}",
    }


ANA, BEN, CHLOE, DEV, ERIN, FAY = (
    _who(1, "Ana Bowman"),
    _who(2, "Ben Okafor"),
    _who(3, "Chloe Park"),
    _who(4, "Dev Rao"),
    _who(5, "Erin Hale"),
    _who(9, "Fay Lund"),
)
PEOPLE = [
    person(ANA["aadObjectId"], {c.tenant_id: [SSA] for c in ANA_SEES}),
    person(BEN["aadObjectId"], {c.tenant_id: [SSA] for c in BEN_SEES}),
    # Reads Contoso, may not file for it.
    person(CHLOE["aadObjectId"], {CONTOSO.tenant_id: [READER]}),
    # Files for Contoso and administers its Exchange.
    person(ERIN["aadObjectId"], {CONTOSO.tenant_id: [SSA, EXCHANGE]}),
]


def _people() -> FixedPeople:
    """Dev is in no group; Fay's access can't be read (Graph not answering)."""
    return FixedPeople(PEOPLE, failing={FAY["aadObjectId"]})


def _markers(customer: Customer) -> list[str]:
    """Everything that would give a hidden customer away: its names, domain, tenant and customer ids."""
    names = {customer.name, *(p.strip(" ()") for p in re.split(r" \(", customer.name))}
    return [*names, customer.domain, customer.tenant_id, customer.customer_id]


def _leaks(reply: str, typed: str, hidden: tuple[Customer, ...]) -> list[str]:
    """The hidden customers' markers in `reply`, once what the person typed themselves is taken out."""
    shown = re.sub(re.escape(typed), "", reply, flags=re.IGNORECASE) if typed else reply
    return [m for c in hidden for m in _markers(c) if m.casefold() in shown.casefold()]


Say = Callable[..., Awaitable[str]]


@pytest.fixture
def seeded(tmp_path: Path) -> dict[str, str]:
    """Requests of Ana's Contoso and Ben's Hanbit, filed and handed off, in the bot's own database."""
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    filed: dict[str, str] = {}

    async def seed() -> None:
        for handoff, kind in ((frozenset(), "sr"), (frozenset({"Exchange Online"}), "ref")):
            desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW, handoff)
            topic = (await desk.support_catalogue()).topics[0]
            for customer in (CONTOSO, HANBIT):
                draft = RequestDraft(
                    customer,
                    topic,
                    Severity.MINIMAL,
                    f"Mail is slow at {customer.domain}",
                    "Mail takes an hour to arrive.",
                    Contact("Ana Bowman", "ana@cloudpartners.example"),
                )
                filing = await desk.file_request(draft, uuid.uuid4().hex, "Ana Bowman")
                filed[f"{kind}:{customer.customer_id}"] = filing.request.number

    asyncio.run(seed())
    database.close()
    return filed


@pytest.fixture
def start_scoped(
    connector: FakeConnector, aiohttp_client: Any, tmp_path: Path
) -> Callable[..., Awaitable[TestClient[Any, Any]]]:
    async def start(people: PeopleAccess | None = None, **settings: Any) -> TestClient[Any, Any]:
        app = create_app(
            Settings(
                data_dir=tmp_path,
                notify_token=TOKEN,
                watch_interval_seconds=3600,
                demo_tick_seconds=0,
                **settings,
            ),
            backend=harness.default_backend(),
            clock=lambda: DEMO_NOW,
            people=people or _people(),
        )
        return await aiohttp_client(app)

    return start


def _talk(bot: TestClient[Any, Any], connector: FakeConnector) -> Say:
    async def say(
        text: str,
        who: dict[str, str],
        conversation: str = "",
        locale: str = "en-US",
        channel: bool = False,
        raw: bool = False,
        thread: str = "",
    ) -> str:
        """Everything the bot answered, as the person reads it (with `raw`, also every card's data and
        button, which people don't read but Teams has). `conversation`: a 1:1 chat of its own."""
        before = len(connector.messages)
        activity = (
            channel_message(connector.service_url, text, thread=thread)
            if channel
            else personal_message(connector.service_url, text)
        )
        activity["from"] = who
        activity["locale"] = locale
        if conversation:
            activity["conversation"]["id"] = conversation
        assert (await bot.post("/api/messages", json=activity)).status == 201
        await connector.wait_for_messages(before + 1)
        sent = connector.messages[before:]
        shown = "\n".join(visible_text(m) for m in sent)
        return f"{shown}\n{json.dumps(sent, ensure_ascii=False)}" if raw else shown

    return say


# --- who sees what -------------------------------------------------------------------------------------


async def test_two_engineers_see_different_customers_overviews_and_requests(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    seeded: dict[str, str],
) -> None:
    say = _talk(await start_scoped(), connector)
    for who, mine, theirs in ((ANA, ANA_SEES, BEN_SEES), (BEN, BEN_SEES, ANA_SEES)):
        listed = await say("customers", who)
        assert f"{len(mine)} customers" in listed
        assert all(c.name in listed for c in mine)
        assert not _leaks(listed, "", theirs)
        overview = await say("overview", who)
        assert not _leaks(overview, "", theirs)
        requests = await say("requests", who)
        assert not _leaks(requests, "", theirs)
        assert "2 requests" in requests
    assert "Contoso Ltd" in await say("overview", ANA)
    assert "한빛 물류" in await say("overview", BEN)
    assert seeded[f"sr:{CONTOSO.customer_id}"] in await say("requests", ANA)
    assert seeded[f"sr:{HANBIT.customer_id}"] in await say("requests", BEN)


async def test_the_requests_chart_counts_only_the_persons_customers_open_requests(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    seeded: dict[str, str],
    tmp_path: Path,
) -> None:
    """Three more open requests of Ben's Hanbit, critical ones: Ana's chart still counts her Contoso's
    two (one open, one awaiting its number); Ben's counts Hanbit's five."""
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
    topic = (await desk.support_catalogue()).topics[0]
    for n in range(3):
        draft = RequestDraft(
            HANBIT,
            topic,
            Severity.CRITICAL,
            f"Hanbit {n}",
            "Down.",
            Contact("Ben", "ben@cloudpartners.example"),
        )
        await desk.file_request(draft, uuid.uuid4().hex, "Ben Okafor")
    database.close()
    say = _talk(await start_scoped(), connector)
    t = ENGLISH

    def chart_line(awaiting: str, open_: str) -> str:
        return " · ".join(
            [
                t("chart.requests"),
                f"{t('request_status.awaiting_number')} ({awaiting})",
                f"{t('request_status.open')} ({open_})",
            ]
        )

    minimal, critical = t("severity.minimal"), t("severity.critical")
    assert chart_line(f"{minimal}: 1", f"{minimal}: 1") in (await say("requests", ANA)).splitlines()
    assert (
        chart_line(f"{minimal}: 1", f"{critical}: 3, {minimal}: 1")
        in (await say("requests", BEN)).splitlines()
    )
    assert chart_line(f"{minimal}: 1", f"{minimal}: 1") in (await say("requests contoso", ANA)).splitlines()


# Each command that takes a customer, as people type it with one.
CUSTOMER_COMMANDS = {
    "health": "health {}",
    "incidents": "incidents {}",
    "incident": "incident EX1100014 {}",
    "changes": "changes {}",
    "customers": "customers {}",
    "escalate": "escalate {}",
    "requests": "requests {}",
    "subscribe": "subscribe {}",
    "unsubscribe": "unsubscribe {}",
    "notices": "notices {}",
    "owner": "owner {}",
    "owners": "owners {}",
    # Not a command: a bare name is answered with its health.
    "a bare name": "{}",
}
# What someone who may not see these customers types for them: names, typos, labels, ids, Korean.
HIDDEN_FROM_ANA = (
    "Contoso Pharmaceuticals",
    "contoso pharmaceuticls",
    "contosopharma",
    "한빛 물류",
    "한빛 몰류",
    "hanbit",
    "Lamna Healthcare",
    LAMNA.tenant_id,
)
HIDDEN_FROM_BEN = (
    "Contoso Ltd",
    "contoso",
    "contso",
    "woodgrov",
    "Woodgrove Bank",
    "Fabrikam, Inc.",
    "fabrikaminc.onmicrosoft.com",
    WOODGROVE.tenant_id,
)


def _takes_a_customer(name: str) -> bool:
    """Whether the row's command takes a customer: some argument naming one fits it only when the
    customer exists (read from the rows, so a new command without a case here fails the test below)."""
    command = next(c for c in COMMANDS if c.name == name)
    customers = tuple(CUSTOMERS.values())
    probes = ("Contoso Ltd", "EX1100014 Contoso Ltd", "Contoso Ltd exchange")
    return any(command.fits(p, customers) and not command.fits(p, ()) for p in probes)


def test_every_command_that_takes_a_customer_has_a_case() -> None:
    taking = {c.name for c in COMMANDS if _takes_a_customer(c.name)}
    assert taking == set(CUSTOMER_COMMANDS) - {"a bare name"}


@pytest.mark.parametrize("command", list(CUSTOMER_COMMANDS))
async def test_a_hidden_customer_leaks_through_no_command_however_it_is_typed(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector, command: str
) -> None:
    say = _talk(await start_scoped(), connector)
    template = CUSTOMER_COMMANDS[command]
    for who, typed_names, hidden in ((ANA, HIDDEN_FROM_ANA, BEN_SEES), (BEN, HIDDEN_FROM_BEN, ANA_SEES)):
        for typed in typed_names:
            for locale in ("en-US", "ko-KR"):
                # A chat of its own for each, so no flow left waiting changes the next answer.
                chat = f"a:{uuid.uuid4().hex}"
                reply = await say(template.format(typed), who, conversation=chat, locale=locale, raw=True)
                assert not _leaks(reply, typed, hidden), (who["name"], typed, locale, reply)


@pytest.mark.parametrize("command", list(CUSTOMER_COMMANDS))
async def test_the_engineer_who_sees_the_customer_gets_it_by_the_same_command(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector, command: str
) -> None:
    """The other side of the leak test: the same words name the customer for whoever sees it."""
    say = _talk(await start_scoped(), connector)
    for who, customer in ((BEN, PHARMA), (ANA, WOODGROVE)):
        chat = f"a:{uuid.uuid4().hex}"
        assert customer.name in await say(CUSTOMER_COMMANDS[command].format(customer.name), who, chat)


async def test_a_hidden_customers_incident_is_not_found_by_its_id(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    bot = await start_scoped()
    say = _talk(bot, connector)
    assert "Contoso Ltd" in await say("incident EX1100014", ANA)
    assert await say("incident EX1100014", BEN) == (
        "Incident not found\nI couldn't find incident EX1100014 in any customer's tenant. Check the id, or "
        "run 'incidents <customer> all' to list recent ones."
    )
    assert "한빛 물류" in await say("TM1101949", BEN)
    assert "I couldn't find incident TM1101949" in await say("TM1101949", ANA)
    # Reported by the partner's monitoring for Contoso only (/api/notify), not in its tenant's health.
    reported = {
        "customer": CONTOSO.customer_id,
        "incident": {
            "id": "EX2200001",
            "service": "Exchange Online",
            "title": "Users can't send mail from Outlook",
            "status": "serviceInterruption",
            "classification": "incident",
            "startDateTime": "2026-11-24T07:00:00Z",
            "lastModifiedDateTime": "2026-11-24T08:00:00Z",
            "isResolved": False,
            "posts": [],
        },
    }
    posted = await bot.post("/api/notify", json=reported, headers={"Authorization": f"Bearer {TOKEN}"})
    assert posted.status in (200, 202)
    assert "Contoso Ltd" in await say("incident EX2200001", ANA)
    found = await say("incident EX2200001", BEN)
    assert "I couldn't find incident EX2200001" in found and not _leaks(found, "", ANA_SEES)
    notices = await say("notices", BEN)
    assert "EX2200001" not in notices and not _leaks(notices, "", ANA_SEES)
    assert "EX2200001" in await say("notices", ANA)


async def test_message_center_messages_show_only_the_persons_customers(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    """MC905123 reaches Contoso, Woodgrove, Fabrikam and Northwind (Ana's) and Pharma, Hanbit and Lamna
    (Ben's); MC906002 only Woodgrove; MC902455 Northwind, Woodgrove and Pharma."""
    say = _talk(await start_scoped(), connector)
    for who, mine, theirs in ((ANA, ANA_SEES, BEN_SEES), (BEN, BEN_SEES, ANA_SEES)):
        shared = await say("change MC905123", who, raw=True)
        assert not _leaks(shared, "", theirs), (who["name"], shared)
        reached = [c for c in mine if c in (CONTOSO, WOODGROVE, FABRIKAM, NORTHWIND, PHARMA, HANBIT, LAMNA)]
        assert all(c.name in shared for c in reached)
        due = await say("changes", who, raw=True)
        assert not _leaks(due, "", theirs), (who["name"], due)
    assert "MC906002" in await say("changes", ANA)
    assert "MC906002" not in await say("changes", BEN)
    assert (await say("change MC906002", BEN)).startswith(
        "Message not found\nI couldn't find message MC906002 in the message center of any customer you can "
        "see."
    )
    assert "For: Northwind Traders, Woodgrove Bank" in await say("change MC902455", ANA)
    assert "For: Contoso Pharmaceuticals\n" in await say("change MC902455", BEN)
    assert "Nothing in your customers' message centers needs action" in await say("changes", DEV)


async def test_request_numbers_of_a_hidden_customer_are_not_found(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    seeded: dict[str, str],
) -> None:
    say = _talk(await start_scoped(), connector)
    contoso_sr, hanbit_sr = seeded[f"sr:{CONTOSO.customer_id}"], seeded[f"sr:{HANBIT.customer_id}"]
    contoso_ref, hanbit_ref = seeded[f"ref:{CONTOSO.customer_id}"], seeded[f"ref:{HANBIT.customer_id}"]
    not_found = f"Service request not found\nI couldn't find service request {contoso_sr}."
    assert "Contoso Ltd" in await say(f"request {contoso_sr}", ANA)
    assert (await say(f"request {contoso_sr}", BEN)).startswith(not_found)
    assert (await say(f"note {contoso_sr} Customer confirmed the fix", BEN)).startswith(not_found)
    assert "Customer confirmed the fix" not in await say(f"request {contoso_sr}", ANA), "no note was added"
    linked = await say(f"link {contoso_ref} 2611240010000077", BEN)
    assert linked.startswith("Service request not found") and not _leaks(linked, contoso_ref, ANA_SEES)
    # The SR number Partner Center gave Ana's Contoso hand-off, typed for Ben's own: whose it is stays unsaid.
    assert "Contoso Ltd" in await say(f"link {contoso_ref} 2611240010000088", ANA)
    refused = await say(f"link {hanbit_ref} 2611240010000088", BEN, raw=True)
    assert refused.startswith("Another customer's service request"), refused
    assert "한빛 물류" in refused and not _leaks(refused, "", ANA_SEES), refused
    for text in (f"request {hanbit_sr}", f"note {hanbit_sr} hi", f"link {hanbit_ref} {contoso_sr}"):
        assert not _leaks(await say(text, ANA), "", BEN_SEES)


# --- roles ---------------------------------------------------------------------------------------------

ROLE_LINE = (
    "You need the Service Support Administrator role for Contoso Ltd to do that. Ask your GDAP "
    "administrator to add you to a security group that GDAP assigns it."
)


async def test_a_missing_role_is_one_line_naming_it_before_any_question(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    seeded: dict[str, str],
) -> None:
    say = _talk(await start_scoped(), connector)
    contoso_sr = seeded[f"sr:{CONTOSO.customer_id}"]
    assert "Service health · Contoso Ltd" in await say("health contoso", CHLOE)
    assert await say("escalate contoso", CHLOE, "a:1") == ROLE_LINE
    assert await say("escalate about EX1100014", CHLOE, "a:2") == ROLE_LINE
    # Asked for the customer first: refused as soon as it is named, not after the summary.
    assert "Which customer" in await say("escalate", CHLOE, "a:3")
    assert await say("contoso", CHLOE, "a:3") == ROLE_LINE
    assert await say("requests contoso", CHLOE) == ROLE_LINE
    assert await say(f"request {contoso_sr}", CHLOE) == ROLE_LINE
    assert await say(f"note {contoso_sr} Customer confirmed the fix", CHLOE) == ROLE_LINE
    assert contoso_sr not in await say("requests", CHLOE)
    # Erin holds it.
    assert "Which product is affected" in await say("escalate contoso", ERIN, "a:4")


async def test_a_missing_role_names_the_contact_in_korean_too(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    from bot.turn.access import AccessRules

    say = _talk(await start_scoped(access=AccessRules(contact="Dana (desk lead)")), connector)
    line = await say("escalate contoso", CHLOE, locale="ko-KR")
    assert line == (
        "이 작업을 하려면 Contoso Ltd에 대한 서비스 지원 관리자 역할이 필요합니다. Dana (desk lead)에게 "
        "GDAP가 이 역할을 할당한 보안 그룹에 추가해 달라고 요청하세요."
    )


async def test_admin_center_buttons_only_for_roles_the_center_accepts(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    bot = await start_scoped()

    async def centers(text: str, who: dict[str, str]) -> list[str]:
        before = len(connector.messages)
        activity = personal_message(connector.service_url, text)
        activity["from"] = who
        assert (await bot.post("/api/messages", json=activity)).status == 201
        (reply,) = (await connector.wait_for_messages(before + 1))[before:]
        return [b.title for b in buttons(reply) if b.action.get("type") == "Action.OpenUrl"]

    everything = [
        "Open Exchange admin center for Contoso Ltd",
        "Open Microsoft Defender portal for Contoso Ltd",
        "Open SharePoint admin center for Contoso Ltd",
    ]
    assert await centers("health contoso", CHLOE) == everything  # Global Reader reads every center
    assert await centers("health contoso", ERIN) == everything[:1]  # Exchange Administrator
    assert await centers("health contoso", ANA) == []  # Service Support Administrator only
    assert await centers("incident EX1100014", ERIN) == everything[:1]
    assert await centers("incident EX1100014", ANA) == []


# --- failing closed ------------------------------------------------------------------------------------


async def test_when_access_cant_be_read_only_that_is_said(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    people = _people()
    bot = await start_scoped(people)
    for text in ("customers", "health contoso", "overview", "escalate contoso", "subscribe all"):
        before = len(connector.messages)
        activity = personal_message(connector.service_url, text)
        activity["from"] = FAY
        assert (await bot.post("/api/messages", json=activity)).status == 201
        replies = (await connector.wait_for_messages(before + 1))[before:]
        assert [visible_text(r) for r in replies] == [
            "Can't check your access\nI can't read which customers your GDAP groups grant right now "
            "(Microsoft Graph isn't answering), so I'm showing none rather than all. Try again in a minute."
        ]
    assert people.asked.count(FAY["aadObjectId"]) == 5


async def test_a_sender_without_an_object_id_reaches_no_customer(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    say = _talk(await start_scoped(), connector)
    anonymous = {"id": "29:1Someone-Teams-Id", "name": "Someone"}
    listed = await say("customers", anonymous)
    assert not _leaks(listed, "", tuple(CUSTOMERS.values()))
    assert "I don't know a customer called 'contoso'" in await say("health contoso", anonymous)
    # Dev, in no group at all, likewise; 'subscribe all' subscribes him to nothing, not to everything.
    assert not _leaks(await say("overview", DEV), "", tuple(CUSTOMERS.values()))
    assert "GDAP grants you no customer yet, so this chat wasn't subscribed to any." in await say(
        "subscribe all", DEV
    )
    assert "follows no customers yet" in await say("subscriptions", DEV)


@pytest.mark.parametrize(
    ("locale", "refusal"),
    [
        ("en-US", "GDAP grants you no customer yet, so this channel wasn't subscribed to any."),
        ("ko-KR", "GDAP가 아직 허용한 고객이 없어서 이 채널은(는) 어떤 고객도 구독하지 않았습니다."),
    ],
)
async def test_setting_up_all_customers_with_none_granted_says_so_rather_than_done(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    locale: str,
    refusal: str,
) -> None:
    """Dev, in no group, picks 'All customers' in setup: it subscribed him to nothing and said 'This
    channel now hears about what you chose', where 'subscribe all' says GDAP grants him none."""
    bot = await start_scoped()
    say = _talk(bot, connector)
    for answer in ("setup", "all", "all", "incidents", "none"):
        await say(answer, DEV, channel=True, thread="dev-setup", locale=locale)
    (submit,) = [
        b for b in buttons(connector.messages[-1]) if b.action.get("data", {}).get("action") == "submit"
    ]
    press = channel_message(connector.service_url, value=submit.action["data"], thread="dev-setup")
    press["from"], press["locale"] = DEV, locale
    before = len(connector.messages)
    assert (await bot.post("/api/messages", json=press)).status == 201
    await connector.wait_for_messages(before + 1)
    answer = "\n".join(visible_text(m) for m in connector.messages[before:])
    assert refusal in answer, answer
    assert "now hears about what you chose" not in answer and "고른 알림을 받습니다" not in answer
    assert "follows no customers yet" in await say("subscriptions", DEV, channel=True, thread="dev-setup")


async def test_a_set_up_whose_customers_were_taken_away_before_submit_subscribes_to_none_in_their_place(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    """Ana chose Contoso, then her GDAP access to it ended before she pressed Submit: with none of the
    chosen left, the set-up took it as 'all' and subscribed the channel to each customer she still sees."""
    people = _people()
    bot = await start_scoped(people)
    say = _talk(bot, connector)
    for answer in ("setup", "contoso", "all", "incidents", "none", "skip"):
        await say(answer, ANA, channel=True, thread="ana-setup")
    (submit,) = [
        b for b in buttons(connector.messages[-1]) if b.action.get("data", {}).get("action") == "submit"
    ]
    people._people[ANA["aadObjectId"]] = person(ANA["aadObjectId"], {FABRIKAM.tenant_id: [SSA]})
    press = channel_message(connector.service_url, value=submit.action["data"], thread="ana-setup")
    press["from"] = ANA
    before = len(connector.messages)
    assert (await bot.post("/api/messages", json=press)).status == 201
    await connector.wait_for_messages(before + 1)
    answer = "\n".join(visible_text(m) for m in connector.messages[before:])
    assert "None of the customers chosen is among those you can see now, so nothing was changed." in answer
    assert "follows no customers yet" in await say("subscriptions", ANA, channel=True, thread="ana-setup")


@pytest.mark.parametrize(
    ("locale", "refusal"),
    [
        ("en-US", "You can no longer see Contoso Ltd (access may have ended), so nothing was imported."),
        (
            "ko-KR",
            "이제 Contoso Ltd을(를) 볼 수 없어(접근 권한이 끝났을 수 있습니다) 아무것도 가져오지 않았습니다.",
        ),
    ],
)
async def test_an_import_applied_after_access_to_one_of_its_customers_ended_imports_nothing(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]],
    connector: FakeConnector,
    locale: str,
    refusal: str,
) -> None:
    """Ana previews an import for Contoso and Northwind; her GDAP access to Contoso ends before she presses
    Apply: nothing is imported (not even Northwind's half), and the refusal names the customer gone."""
    people = _people()
    bot = await start_scoped(people)
    say = _talk(bot, connector)
    subscriptions = [
        {"customer": name, "customer_id": c.customer_id, "kinds": "incidents"}
        for name, c in (("Contoso Ltd", CONTOSO), ("Northwind Traders", NORTHWIND))
    ]
    document = json.dumps({"version": 1, "subscriptions": subscriptions})
    preview = await say(f"import {document}", ANA, channel=True, thread="ana-import", locale=locale)
    assert "Contoso Ltd" in preview and "Northwind Traders" in preview, preview
    (apply,) = [
        b for b in buttons(connector.messages[-1]) if b.action.get("data", {}).get("action") == "submit"
    ]
    people._people[ANA["aadObjectId"]] = person(ANA["aadObjectId"], {NORTHWIND.tenant_id: [SSA]})
    press = channel_message(connector.service_url, value=apply.action["data"], thread="ana-import")
    press["from"], press["locale"] = ANA, locale
    before = len(connector.messages)
    assert (await bot.post("/api/messages", json=press)).status == 201
    await connector.wait_for_messages(before + 1)
    answer = "\n".join(visible_text(m) for m in connector.messages[before:])
    assert refusal in answer, answer
    assert "Northwind" not in answer
    assert "follows no customers yet" in await say("subscriptions", ANA, channel=True, thread="ana-import")


async def test_an_import_whose_customers_are_all_still_seen_at_apply_is_applied(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    """The check at Apply refuses only what the person lost: with Contoso still hers, it is imported."""
    bot = await start_scoped(_people())
    say = _talk(bot, connector)
    document = json.dumps(
        {"version": 1, "subscriptions": [{"customer": "Contoso Ltd", "customer_id": CONTOSO.customer_id}]}
    )
    await say(f"import {document}", ANA, channel=True, thread="ana-import")
    (apply,) = [
        b for b in buttons(connector.messages[-1]) if b.action.get("data", {}).get("action") == "submit"
    ]
    press = channel_message(connector.service_url, value=apply.action["data"], thread="ana-import")
    press["from"] = ANA
    before = len(connector.messages)
    assert (await bot.post("/api/messages", json=press)).status == 201
    await connector.wait_for_messages(before + 1)
    assert "now has the imported settings" in visible_text(connector.messages[-1])
    assert "Contoso Ltd" in await say("subscriptions", ANA, channel=True, thread="ana-import")


# --- subscriptions -------------------------------------------------------------------------------------


async def test_subscribe_all_subscribes_each_customer_seen_now_and_lists_show_only_ones_own(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector, tmp_path: Path
) -> None:
    say = _talk(await start_scoped(), connector)
    subscribed = await say("subscribe all", ANA, channel=True)
    assert "will now hear about each of the 4 customers you can see" in subscribed
    assert not _leaks(subscribed, "", BEN_SEES)
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    try:
        rows = await SubscriptionStore(database).of_conversation(CHANNEL)
    finally:
        database.close()
    assert sorted(s.customer_id for s in rows) == sorted(c.customer_id for c in ANA_SEES)
    assert ALL_CUSTOMERS not in {s.customer_id for s in rows}
    # Ben can't subscribe the channel to what he can't see, and doesn't see Ana's in its list.
    refused = await say("subscribe Woodgrove Bank", BEN, channel=True)
    assert refused.startswith("I don't know a customer called 'Woodgrove'")
    listed = await say("subscriptions", BEN, channel=True, raw=True)
    assert not _leaks(listed, "", ANA_SEES)
    assert listed.startswith("Subscriptions\nThis channel follows no customers yet.")
    listed = await say("subscriptions", ANA, channel=True)
    assert all(c.name in listed for c in ANA_SEES)
    await say("subscribe all", BEN, channel=True)
    listed = await say("subscriptions", BEN, channel=True)
    assert all(c.name in listed for c in BEN_SEES) and not _leaks(listed, "", ANA_SEES)


async def test_at_a_free_text_question_a_hidden_customer_is_no_valid_argument(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector
) -> None:
    """'health <customer>' at the title is asked about only when the customer is one the person sees."""
    say = _talk(await start_scoped(), connector)
    for answer in ("escalate for northwind", "exchange", "mail flow", "minimal"):
        await say(answer, ANA)
    assert "reads like a command too" in await say("health Northwind Traders", ANA)
    await say("1", ANA)
    await say("back", ANA)
    taken = await say("health Contoso Pharmaceuticals", ANA)
    assert "reads like a command too" not in taken and "Describe the problem" in taken


async def test_setup_for_all_customers_subscribes_each_one_seen_now(
    start_scoped: Callable[..., Awaitable[TestClient[Any, Any]]], connector: FakeConnector, tmp_path: Path
) -> None:
    bot = await start_scoped()
    say = _talk(bot, connector)
    thread = "1732458000042"
    await say("setup", BEN, channel=True, thread=thread)
    refused = await say("woodgrove", BEN, channel=True, thread=thread)
    assert "'woodgrove' isn't a customer in your customer list." in refused
    assert not _leaks(refused, "woodgrove", ANA_SEES)
    for answer in ("all", "all", "both", "1"):
        summary = await say(answer, BEN, channel=True, thread=thread)
    assert "Check the set-up before it's saved" in summary
    (submit,) = [b for b in buttons(connector.messages[-1]) if b.title == "Submit"]
    press = channel_message(connector.service_url, value=submit.action["data"], thread=thread)
    press["from"] = BEN
    before = len(connector.messages)
    assert (await bot.post("/api/messages", json=press)).status == 201
    (done,) = (await connector.wait_for_messages(before + 1))[before:]
    assert "now hears about what you chose" in visible_text(done)
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    try:
        rows = await SubscriptionStore(database).of_conversation(CHANNEL)
    finally:
        database.close()
    assert sorted(s.customer_id for s in rows) == sorted(c.customer_id for c in BEN_SEES)
