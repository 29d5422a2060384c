"""An Azure event card's "File a service request" on the demo backend, over real HTTP: the demo desk
offers Azure Support's products (its dataset's `azure-support/`, in Microsoft.Support's shape), so the
escalation is an Azure one: the product Resource Health's service name means is chosen when there is one,
otherwise the question offers Azure's products only; an active Azure service issue on it is shown first;
and Submit files one request for that Azure product, however often it is pressed. English and Korean."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import demo_catalogue
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.support.visible import button, buttons, visible_text

CATALOGUE = demo_catalogue(DATA_DIR)
AZURE_PRODUCTS = CATALOGUE.azure_products
ANA = {
    "id": "29:1Ana-Bowman-Teams-Id",
    "name": "Ana Bowman",
    "email": "ana.bowman@contoso-partner.example",
    "userPrincipalName": "ana.bowman@contoso-partner.example",
    "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000001",
}


class Thread:
    """One channel thread with the bot, every activity in the client's `locale`."""

    def __init__(self, bot: TestClient[Any, Any], connector: FakeConnector, locale: str) -> None:
        self.bot, self.connector, self.locale = bot, connector, locale
        self.thread = ""

    @property
    def last(self) -> dict[str, Any]:
        return self.connector.messages[-1]

    def activity(self, text: str = "", value: dict[str, Any] | None = None) -> dict[str, Any]:
        activity = channel_message(self.connector.service_url, text, value=value, thread=self.thread)
        activity["locale"] = self.locale
        activity["entities"] = [
            {**e, "locale": self.locale} if e["type"] == "clientInfo" else e for e in activity["entities"]
        ]
        return activity

    async def post(self, activity: dict[str, Any]) -> str:
        before = len(self.connector.messages)
        self.thread = self.thread or activity["id"]
        response = await self.bot.post("/api/messages", json=activity)
        assert response.status in (200, 201), response.status
        return "\n".join(visible_text(m) for m in self.connector.messages[before:])

    async def say(self, text: str) -> str:
        return await self.post(self.activity(text))

    def click(self, title: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.activity(value=button(message or self.last, title).action["data"])

    async def press(self, title: str, message: dict[str, Any] | None = None) -> str:
        return await self.post(self.click(title, message))


def filed(tmp_path: Path) -> list[tuple[str, str]]:
    """The number and topic of every request the demo desk stored (rows in the app's own SQLite file)."""
    with sqlite3.connect(tmp_path / "bot-state.sqlite3") as db:
        return db.execute(
            "SELECT json_extract(value, '$.row[0]'), json_extract(value, '$.row[4]') FROM records "
            "WHERE collection = 'requests'"
        ).fetchall()


# What a person sees and presses, in each language; products and topics are Azure's own names.
WORDS = {
    "en-US": {
        "file": "File a service request",
        "ask_azure": "Which Azure product is affected (Virtual Machines)?",
        "guard": "Microsoft is already working on this",
        "file_anyway": "File anyway",
        "topic": "Which Virtual Machine running Linux topic fits best?",
        "moderate": "moderate",
        "keep": "1. Keep Ana Bowman (ana.bowman@contoso-partner.example)",
        "skip": "skip",
        "summary_product": "Product Virtual Machine running Linux",
        "submit": "Submit",
        "filed": "Service request filed",
        "already": "Already filed as {number}.",
    },
    "ko-KR": {
        "file": "서비스 요청 접수",
        "ask_azure": "어느 Azure 제품에 문제가 있나요? (Virtual Machines)",
        "guard": "Microsoft가 이미 처리하고 있습니다",
        "file_anyway": "그래도 접수",
        "topic": "Virtual Machine running Linux의 어느 주제가 가장 가깝나요?",
        "moderate": "보통",
        "keep": "1. Ana Bowman(ana.bowman@contoso-partner.example) 그대로 사용",
        "skip": "건너뛰기",
        "summary_product": "Virtual Machine running Linux",
        "submit": "접수",
        "filed": "서비스 요청이 접수되었습니다",
        "already": "이미 {number}(으)로 접수되었습니다.",
    },
}


def choice_titles(message: dict[str, Any]) -> list[str]:
    """The numbered choices a question card offers, without their numbers."""
    return [b.title.split(". ", 1)[1] for b in buttons(message) if b.title[:1].isdigit() and ". " in b.title]


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
async def test_an_azure_events_button_files_one_request_for_its_azure_product_after_the_guard(
    start_bot: StartBot, connector: FakeConnector, tmp_path: Path, locale: str
) -> None:
    words = WORDS[locale]
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, locale)
    event = await thread.say("incident VNL2-8S8 contoso")
    assert "VNL2-8S8" in event and "Virtual Machines" in event
    asked = await thread.press(words["file"])
    # Resource Health's 'Virtual Machines' means two of Azure Support's products: which one is asked,
    # and nothing of Microsoft 365 is offered.
    assert words["ask_azure"] in asked
    assert choice_titles(thread.last) == ["Virtual Machine running Windows", "Virtual Machine running Linux"]
    guard = await thread.say("linux")
    assert guard.startswith(words["guard"]) and "VNL2-8S8 · Virtual Machines · East US, East US 2" in guard
    assert words["topic"] in await thread.press(words["file_anyway"])
    assert choice_titles(thread.last) == [
        t.name for t in CATALOGUE.topics_of("Virtual Machine running Linux")
    ], "Azure Support's problem classifications of that product"
    # The topic's button carries the problem classification's resource id; pressed in one language,
    # typed by its number in the other.
    first = CATALOGUE.topics_of("Virtual Machine running Linux")[0].name
    await (thread.press(f"1. {first}") if locale == "en-US" else thread.say("1"))
    for answer in (words["moderate"], "VMs in East US don't start", "Every VM start fails since 08:00."):
        await thread.say(answer)
    await thread.press(words["keep"])
    summary = await thread.say(words["skip"])
    assert words["summary_product"] in summary
    card = thread.last
    click = thread.click(words["submit"], card)
    receipt = await thread.post(click)
    assert receipt.startswith(words["filed"])
    ((number, topic),) = filed(tmp_path)
    assert number in receipt
    assert CATALOGUE.topic(topic) == CATALOGUE.topics_of("Virtual Machine running Linux")[0]
    assert topic.startswith("/providers/Microsoft.Support/services/") and "/problemClassifications/" in topic
    again = await thread.press(words["submit"], card)  # a double click on the same summary
    assert again.startswith(words["already"].format(number=number)), again
    redelivered = await thread.post(click)  # Teams delivers the same activity again
    assert redelivered in ("", words["already"].format(number=number)) or redelivered.startswith(
        words["already"].format(number=number)
    )
    assert filed(tmp_path) == [(number, topic)]


# Every active Azure event of the demo with a "File a service request" button, as its card offers it:
# (command, the product chosen, or the products asked among, and whether the guard shows first).
EVENT_CASES = [
    # Service issue on Virtual Machines: Windows or Linux is asked; the guard follows the answer.
    ("incident VNL2-8S8 contoso", "", ("Virtual Machine running Windows", "Virtual Machine running Linux")),
    # Planned maintenance on SQL Database: the product is Azure Support's 'SQL Database', no guard.
    ("incident 0T3M-5PL contoso", "SQL Database", ()),
    # A service issue on AKS in Korea Central: its product is chosen and the issue shown first.
    ("incident KR3T-7HN hanbit", "Azure Kubernetes Service (AKS)", ()),
    # A security advisory on Key Vault: chosen, and advisories don't stop a ticket.
    ("incident SA2P-9XD woodgrove", "Key Vault", ()),
    # No Azure Support product is named for App Service or Azure Monitor: every Azure product is asked.
    ("incident HA7K-Q2M woodgrove", "", AZURE_PRODUCTS),
    ("incident EI4N-2QZ woodgrove", "", AZURE_PRODUCTS),
]


@pytest.mark.parametrize(("command", "product", "asked"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
async def test_every_azure_events_button_opens_an_azure_escalation(
    start_bot: StartBot, connector: FakeConnector, command: str, product: str, asked: tuple[str, ...]
) -> None:
    thread = Thread(await start_bot(), connector, "en-US")
    await thread.say(command)
    text = await thread.press("File a service request")
    guarded = command.startswith("incident KR3T-7HN")
    if asked:
        assert "Which Azure product is affected" in text
        assert tuple(choice_titles(thread.last)) == asked
        assert not set(asked) - set(AZURE_PRODUCTS)
    elif guarded:
        assert text.startswith("Microsoft is already working on this") and "KR3T-7HN" in text
        assert f"Which {product} topic fits best?" in await thread.press("File anyway")
    else:
        assert f"Which {product} topic fits best?" in text, text[:300]
    assert "Exchange Online" not in text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Typed services mean the same products the cards' do.
        ("escalate for contoso on storage", "Which Storage Account Management topic fits best?"),
        ("escalate for contoso on sql", "Which SQL Database topic fits best?"),
        # Microsoft 365's services keep their own products.
        ("escalate for northwind on exchange", "Which Exchange Online topic fits best?"),
        ("escalate for northwind on teams", "Which Microsoft Teams topic fits best?"),
    ],
)
async def test_a_typed_service_means_the_same_product(
    start_bot: StartBot, connector: FakeConnector, typed: str, expected: str
) -> None:
    thread = Thread(await start_bot(), connector, "en-US")
    text = await thread.say(typed)
    assert expected in text, text[:300]
