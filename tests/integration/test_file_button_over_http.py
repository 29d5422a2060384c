"""'File a service request' over HTTP, as the demo's GDAP directory grants it (BOT_ACCESS=gdap): Chloe,
a Global Reader, reads Contoso's and Hanbit's health but may not file for them, and is not offered it on
any card built for her; Ana and Ben, Service Support Administrators, are. Notices posted to channels
keep it (many read them): Chloe pressing it is told which role she lacks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from cards.notifications import incident_notice_card
from chatclient.card_text import Button
from chatclient.people import find_person
from dialogs.replies import card_reply
from locales.translator import ENGLISH, Translator
from services.access.people import AccessMode, GdapAccess
from services.backends.demo.gdap import DemoDirectory
from services.domain.access import Need
from services.domain.incidents import find_incident
from services.domain.models import ChangeKind, Notice
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import personal_message
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import buttons, visible_text

KOREAN = Translator("ko")
CUSTOMERS = {c.name: c for c in asyncio.run(demo_backend().list_customers())}
CONTOSO = CUSTOMERS["Contoso Ltd"].customer_id
HANBIT = CUSTOMERS["한빛 물류 (Hanbit Logistics)"].customer_id

# What each is typed as, in each language, and the escalation its card's button starts.
COMMANDS: list[tuple[str, str, str]] = [
    ("health contoso", "en-US", f"escalate for {CONTOSO}"),
    ("상태 contoso", "ko-KR", f"escalate for {CONTOSO}"),
    # A customer's name alone is its health card.
    ("contoso ltd", "en-US", f"escalate for {CONTOSO}"),
    ("한빛 물류", "ko-KR", f"escalate for {HANBIT}"),
    ("incidents contoso", "en-US", f"escalate for {CONTOSO}"),
    ("incidents contoso exchange all", "en-US", f"escalate for {CONTOSO} on exchange"),
    ("장애 contoso", "ko-KR", f"escalate for {CONTOSO}"),
    ("장애 한빛 물류 teams", "ko-KR", f"escalate for {HANBIT} on teams"),
    ("incident EX1100014", "en-US", f"escalate for {CONTOSO} about EX1100014"),
    ("장애상세 TM1101949", "ko-KR", f"escalate for {HANBIT} about TM1101949"),
    ("incident VNL2-8S8 contoso", "en-US", f"escalate for {CONTOSO} on Virtual Machines"),
    ("장애상세 KR3T-7HN", "ko-KR", f"escalate for {HANBIT} on Azure Kubernetes Service"),
]


def _translator(locale: str) -> Translator:
    return KOREAN if locale.startswith("ko") else ENGLISH


def _files(button: Button) -> bool:
    return str(button.action.get("data", {}).get("command", "")).startswith("escalate")


async def _ask(
    bot: TestClient[Any, Any], connector: FakeConnector, who: str, locale: str, **message: Any
) -> list[dict[str, Any]]:
    before = len(connector.messages)
    activity = personal_message(connector.service_url, **message)
    activity["from"] = find_person(who).user
    activity["locale"] = locale
    assert (await bot.post("/api/messages", json=activity)).status == 201
    return (await connector.wait_for_messages(before + 1))[before:]


async def test_the_demo_people_are_who_this_file_says() -> None:
    """Chloe reads the customers below but may not file; Ana and Ben may (the shipped demo GDAP data)."""
    people = GdapAccess(DemoDirectory.load(now=lambda: DEMO_NOW), lambda: DEMO_NOW, 300)
    for name in ("Contoso Ltd", "한빛 물류 (Hanbit Logistics)"):
        tenant = CUSTOMERS[name].tenant_id
        chloe = await people.person(find_person("chloe").user["aadObjectId"])
        assert chloe.may(tenant, Need.SEE, DEMO_NOW) and not chloe.may(tenant, Need.FILE, DEMO_NOW)
        ana = await people.person(find_person("ana").user["aadObjectId"])
        assert ana.may(tenant, Need.FILE, DEMO_NOW)
    ben = await people.person(find_person("ben").user["aadObjectId"])
    assert ben.may(CUSTOMERS["Contoso Ltd"].tenant_id, Need.FILE, DEMO_NOW)


@pytest.mark.parametrize(("text", "locale", "command"), COMMANDS)
async def test_only_a_person_who_may_file_is_offered_filing(
    start_bot: StartBot, connector: FakeConnector, text: str, locale: str, command: str
) -> None:
    bot = await start_bot(people_access=AccessMode.GDAP)
    t = _translator(locale)
    (ana,) = await _ask(bot, connector, "ana", locale, text=text)
    filing = [b for b in buttons(ana) if _files(b)]
    assert [(b.title, b.action["data"]["command"]) for b in filing] == [(t("action.file_request"), command)]

    (chloe,) = await _ask(bot, connector, "chloe", locale, text=text)
    assert not [b for b in buttons(chloe) if _files(b)], visible_text(chloe)
    assert t("action.file_request") not in visible_text(chloe)
    # The same card otherwise: her other buttons are Ana's (admin centers follow their own roles).
    assert [b.title for b in buttons(chloe) if b.action.get("type") != "Action.OpenUrl"] == [
        b.title for b in buttons(ana) if not _files(b) and b.action.get("type") != "Action.OpenUrl"
    ]


async def test_ben_is_offered_filing_for_the_customers_he_may_file_for(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot(people_access=AccessMode.GDAP)
    (ben,) = await _ask(bot, connector, "ben", "en-US", text="incident EX1100014")
    assert [b.title for b in buttons(ben) if _files(b)] == ["File a service request"]


@pytest.mark.parametrize(
    ("locale", "refusal"),
    [
        ("en-US", "You need the Service Support Administrator role for Contoso Ltd to do that."),
        ("ko-KR", "이 작업을 하려면 Contoso Ltd에 대한 서비스 지원 관리자 역할이 필요합니다."),
    ],
)
async def test_a_channel_notice_keeps_filing_and_a_reader_who_may_not_is_told_why(
    start_bot: StartBot, connector: FakeConnector, locale: str, refusal: str
) -> None:
    """A notice is one card for everyone in the channel: it can't leave out what only some may do."""
    bot = await start_bot(people_access=AccessMode.GDAP)
    contoso = CUSTOMERS["Contoso Ltd"]
    lookup = await find_incident(demo_backend(), "EX1100014", contoso)
    notice = Notice(lookup.incident, (CONTOSO,), 1, ChangeKind.NEW, DEMO_NOW, DEMO_NOW)
    card = incident_notice_card(notice, [contoso], DEMO_NOW, _translator(locale))
    (press,) = [b for b in buttons(card_reply(card)) if _files(b)]
    (reply,) = await _ask(bot, connector, "chloe", locale, value=press.action["data"])
    assert visible_text(reply).startswith(refusal)
