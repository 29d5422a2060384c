"""The message center in conversation over HTTP, on the demo backend and on the live one against the Graph
double (pages of 4): a customer's open messages, one message in full, what is due across customers, and
the answers to what people get wrong."""

from __future__ import annotations

import re

import pytest

from tests.doubles.connector import FakeConnector
from tests.doubles.entra import SERVICE_HEALTH_ROLE
from tests.doubles.live_world import LiveWorld
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.support.visible import button, buttons, visible_text

pytestmark = pytest.mark.usefixtures("each_backend")

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"
CONTOSO_ID = "517a65b5-e99c-5660-9e76-c6c678d90247"


async def _ask(
    bot: object, connector: FakeConnector, service_url: str, text: str, locale: str = "en-US"
) -> str:
    before = len(connector.messages)
    activity = channel_message(service_url, text)
    activity["locale"] = locale
    assert (await bot.post("/api/messages", json=activity)).status == 201  # type: ignore[attr-defined]
    await connector.wait_for_messages(before + 1)
    return visible_text(connector.messages[-1])


def _ids(text: str) -> list[str]:
    return re.findall(r"^(MC\d+)", text, re.MULTILINE)


async def test_a_customers_open_messages_put_overdue_and_nearest_act_by_first(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, "changes woodgrove")
    assert shown.startswith("Message center · Woodgrove Bank\n5 open messages")
    assert _ids(shown) == ["MC906002", "MC902455", "MC905123", "MC901900", "MC904870"]
    assert "Overdue: Act by 20 Nov 2026 01:00 CET (4 days ago)" in shown, shown
    assert "MC897310" not in shown, "a message past its end date has left the message center"


async def test_a_service_filter_and_a_misspelt_service(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    exchange = await _ask(bot, connector, service_url, "changes for contoso exchange")
    assert exchange.startswith("Message center · Contoso Ltd · exchange")
    assert _ids(exchange) == ["MC905123", "MC901900"]
    typo = await _ask(bot, connector, service_url, "changes contoso exchnage")
    assert typo == (
        "No such service\nContoso Ltd's message center has no messages about a service matching 'exchnage'. "
        "Its messages are about: Exchange Online, Microsoft 365 apps, Microsoft Entra, Microsoft Teams, "
        "OneDrive for Business, SharePoint Online."
    )


async def test_a_misspelt_customer_is_offered_and_the_button_finishes_the_request(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    offer = await _ask(bot, connector, service_url, "changes contsoo teams")
    assert "Did you mean" in offer and "Contoso Ltd" in offer
    (choice,) = [b for b in buttons(connector.messages[-1]) if CONTOSO_ID in str(b.action.get("data"))]
    assert choice.action["data"]["command"] == f"changes {CONTOSO_ID} teams"
    click = channel_message(service_url, value=choice.action["data"])
    assert (await bot.post("/api/messages", json=click)).status == 201
    shown = visible_text((await connector.wait_for_messages(2))[-1])
    assert shown.startswith("Message center · Contoso Ltd · teams")
    assert _ids(shown) == ["MC904870"]


@pytest.mark.parametrize(
    "typed",
    [
        "change MC905123",
        "mc905123",
        "changes MC905123",
        "messages mc905123",
        "tell me about MC905123",
        # An MC id where an incident id goes, in either language, and an id followed by a customer.
        "incidents MC905123",
        "장애상세 mc905123",
        "incident MC905123 contoso",
        "change MC905123 for contoso",
    ],
)
async def test_one_message_in_full_with_the_customers_it_applies_to(
    start_bot: StartBot, connector: FakeConnector, service_url: str, typed: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, typed)
    assert shown.startswith(
        "Exchange Online: Exchange Web Services (EWS) access for apps is retiring\n"
        "MC905123 · Exchange Online\nAct by 10 Dec 2026 01:00 CET (in 2 weeks)"
    )
    assert (
        "For: Contoso Ltd, Contoso Pharmaceuticals, Fabrikam, Inc., Lamna Healthcare Company, Northwind "
        "Traders, Woodgrove Bank and 1 more"
    ) in shown
    assert "• Find apps that use EWS in the Entra sign-in logs." in shown
    assert [b.title for b in buttons(connector.messages[-1])] == [
        "Messages for Contoso Ltd",
        "Due across customers",
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("change MC000001", "Message not found\nI couldn't find message MC000001 in the message center"),
        ("change", "Which message?\nGive a message center id, such as 'change MC905123'."),
        ("change MC12", "Which message?"),
        # Its message center, not its service health, is what couldn't be read.
        ("changes tailspin", "without delegated admin access, so its message center can't be read."),
        ("health tailspin", "without delegated admin access, so its service health can't be read."),
        ("changes nosuchcustomer", "nosuchcustomer"),
    ],
)
async def test_bad_input_gets_a_helpful_answer(
    start_bot: StartBot, connector: FakeConnector, service_url: str, typed: str, expected: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, typed)
    assert shown.startswith(expected) or expected in shown, shown
    assert "Something went wrong" not in shown


async def test_a_customer_without_delegated_access_says_its_message_center_cant_be_read_in_korean(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, "변경 tailspin", locale="ko-KR")
    assert "관계라서 메시지 센터을(를) 읽을 수 없습니다." in shown, shown


@pytest.mark.parametrize(
    ("typed", "heading", "ids"),
    [
        # 'all' after a customer, as 'incidents contoso all' says it: every open message, not a service.
        (
            "changes contoso all",
            "Message center · Contoso Ltd\n",
            ["MC905123", "MC903311", "MC901900", "MC904870"],
        ),
        ("changes contoso exchange all", "Message center · Contoso Ltd · exchange", ["MC905123", "MC901900"]),
        (
            "변경 contoso 전체",
            "Message center · Contoso Ltd\n",
            ["MC905123", "MC903311", "MC901900", "MC904870"],
        ),
    ],
)
async def test_all_after_a_customer_lists_its_open_messages(
    start_bot: StartBot, connector: FakeConnector, service_url: str, typed: str, heading: str, ids: list[str]
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, typed)
    assert shown.startswith(heading), shown
    assert _ids(shown) == ids


@pytest.mark.parametrize("typed", ["changes", "changes all", "what's due"])
async def test_changes_alone_lists_what_is_due_across_customers_by_date(
    start_bot: StartBot, connector: FakeConnector, service_url: str, typed: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, typed)
    assert shown.startswith("Changes to act on in the next 30 days\n4 messages to act on")
    assert _ids(shown) == ["MC906002", "MC902455", "MC905123", "MC903311"]
    assert "For: Contoso Pharmaceuticals, Northwind Traders, Woodgrove Bank" in shown
    assert "MC901900" not in shown, "due in 83 days"
    opened = channel_message(
        service_url, value=button(connector.messages[-1], "Open MC903311").action["data"]
    )
    assert (await bot.post("/api/messages", json=opened)).status == 201
    assert visible_text((await connector.wait_for_messages(2))[-1]).startswith("SharePoint Online: Azure ACS")


async def test_in_korean(start_bot: StartBot, connector: FakeConnector, service_url: str) -> None:
    bot = await start_bot()
    listed = await _ask(bot, connector, service_url, "변경 woodgrove", locale="ko-KR")
    assert listed.startswith("메시지 센터 · Woodgrove Bank\n열린 메시지 5건")
    one = await _ask(bot, connector, service_url, "변경상세 MC902455", locale="ko-KR")
    assert "범주: 문제 예방 또는 해결" in one and "심각도: 긴급 심각도" in one
    due = await _ask(bot, connector, service_url, "변경", locale="ko-KR")
    assert due.startswith("30일 안에 조치할 변경\n조치할 메시지 4건")


async def test_a_tenant_that_refuses_its_message_center_is_named_and_the_others_still_answer(
    start_bot: StartBot, connector: FakeConnector, service_url: str, each_live_world: LiveWorld | None
) -> None:
    if each_live_world is None:
        pytest.skip("Graph's refusal is the live backend's")
    each_live_world.entra.app_roles[CONTOSO_TENANT] = [SERVICE_HEALTH_ROLE]
    bot = await start_bot()
    refused = await _ask(bot, connector, service_url, "changes contoso")
    assert refused == (
        "Can't read the message center\nThe bot has no permission to read Contoso Ltd's message center "
        "(ServiceMessage.Read.All). Ask their admin to grant admin consent to the app for it."
    )
    assert (await _ask(bot, connector, service_url, "health contoso")).startswith(
        "Service health · Contoso Ltd"
    )
    due = await _ask(bot, connector, service_url, "changes")
    assert "For: Contoso Pharmaceuticals, Northwind Traders, Woodgrove Bank" in due
    assert "Contoso Ltd," not in due, "Contoso's messages couldn't be read"


@pytest.mark.parametrize(
    ("typed", "locale", "says"),
    [
        ("changes weekly " + "mon 9 " * 80, "en-US", "That's too long for this command: 486 characters"),
        ("변경 매주 " + "월 9 " * 120, "ko-KR", "이 명령어에 쓰기에는 너무 깁니다: 482자인데"),
        ("quiet " + "2" * 400, "en-US", "That's too long for this command: 400 characters"),
        # A customer's name, id or search is still called that.
        ("changes " + "contoso " * 80, "en-US", "That's too long to be a customer name, id or search"),
    ],
)
async def test_a_too_long_schedule_isnt_called_a_customer_name(
    start_bot: StartBot, connector: FakeConnector, service_url: str, typed: str, locale: str, says: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, service_url, typed, locale)
    assert says in shown, shown
