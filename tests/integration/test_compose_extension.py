"""The message extension over HTTP, as Teams sends its invokes: search, the chosen result, link previews."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from locales.translator import Translator
from services.backends.demo.backend import DATA_DIR
from services.backends.demo.service_requests import DemoServiceRequests
from services.domain.models import Contact, Customer, RequestDraft, Severity, TenantHealth
from services.storage.sqlite_database import SqliteDatabase
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import compose_invoke
from tests.support.harness import DEMO_NOW, demo_backend

QUERY, SELECT, LINK = "composeExtension/query", "composeExtension/selectItem", "composeExtension/queryLink"
MAX_CARD_BYTES = 28 * 1024


def _query(command: str | None = "customers", text: str | None = None, skip: int = 0, count: int = 25) -> Any:
    value: dict[str, Any] = {"queryOptions": {"skip": skip, "count": count}}
    if command is not None:
        value["commandId"] = command
    value["parameters"] = (
        [{"name": "initialRun", "value": "true"}] if text is None else [{"name": "query", "value": text}]
    )
    return value


async def _ask(bot: Any, service_url: str, name: str, value: object, locale: str = "en-US") -> dict[str, Any]:
    response = await bot.post("/api/messages", json=compose_invoke(service_url, name, value, locale))
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body["composeExtension"]


def _titles(result: dict[str, Any]) -> list[str]:
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    return [a["preview"]["content"]["title"] for a in result["attachments"]]


def _tap(result: dict[str, Any], index: int = 0) -> Any:
    return result["attachments"][index]["preview"]["content"]["tap"]["value"]


def _card(result: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = result["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: dict[str, Any] = attachment["content"]
    assert len(json.dumps(card, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES
    return card


def _actions(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["type"]] if str(node.get("type", "")).startswith("Action.") else []
        return own + [a for v in node.values() for a in _actions(v)]
    if isinstance(node, list):
        return [a for v in node for a in _actions(v)]
    return []


@pytest.fixture
async def requests_filed(tmp_path: Path) -> list[str]:
    """Two requests on the demo desk the bot will open (its SQLite file), one of them Ana's; their numbers."""
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW)
    customers = {c.name: c for c in await demo_backend().list_customers()}
    topic = (await desk.support_catalogue()).topics_of("Exchange Online")[0]
    numbers = []
    for key, customer, contact in (
        ("a" * 32, customers["Woodgrove Bank"], Contact("Bob Kelly", "bob@woodgrove.example")),
        ("b" * 32, customers["Contoso Ltd"], Contact("Ana Bowman", "ana@contoso.example")),
    ):
        draft = RequestDraft(
            customer, topic, Severity.MODERATE, f"Mail is slow at {customer.name}", "Slow.", contact
        )
        numbers.append((await desk.file_request(draft, key, contact.name)).request.number)
    database.close()
    return numbers


async def test_an_empty_search_shows_customers_with_active_incidents_first(
    start_bot: StartBot, service_url: str
) -> None:
    bot = await start_bot()
    result = await _ask(bot, service_url, QUERY, _query("customers"))
    previews = [a["preview"]["content"] for a in result["attachments"]]
    troubled = [p for p in previews if not p["subtitle"].endswith(" 0 active incidents")]
    assert troubled and previews[: len(troubled)] == troubled, [p["subtitle"] for p in previews]
    assert previews[0]["title"] == "Contoso Ltd" and previews[0]["text"].startswith("🔴 ")
    assert previews[-1]["text"].startswith(("🟢 ", "⚪ "))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("contoso", {"Contoso Ltd", "Contoso Pharmaceuticals"}),
        ("contoso.onmicrosoft.com", {"Contoso Ltd"}),
        ("CONTOSO   ltd", {"Contoso Ltd"}),
        ("woodg", {"Woodgrove Bank"}),
        ("한빛", {"한빛 물류 (Hanbit Logistics)"}),
        ("서울 디자인", {"서울 디자인 스튜디오 (Seoul Design Studio)"}),
        ("ＨＡＮＢＩＴ", {"한빛 물류 (Hanbit Logistics)"}),
        ("nothing-like-this", set()),
    ],
)
async def test_a_search_finds_customers_as_the_customers_command_does(
    start_bot: StartBot, service_url: str, text: str, expected: set[str]
) -> None:
    bot = await start_bot()
    assert set(_titles(await _ask(bot, service_url, QUERY, _query("customers", text)))) == expected


async def test_without_a_command_id_the_search_is_the_customers_one(
    start_bot: StartBot, service_url: str
) -> None:
    bot = await start_bot()
    assert _titles(await _ask(bot, service_url, QUERY, _query(None, "woodgrove"))) == ["Woodgrove Bank"]


async def test_pages_follow_skip_and_count_without_gaps_or_repeats(
    start_bot: StartBot, service_url: str
) -> None:
    bot = await start_bot()
    everything = _titles(await _ask(bot, service_url, QUERY, _query("customers")))
    assert len(everything) > 3
    pages = [
        _titles(await _ask(bot, service_url, QUERY, _query("customers", None, s, 2))) for s in range(0, 30, 2)
    ]
    assert [t for page in pages for t in page] == everything
    assert all(len(page) <= 2 for page in pages)


async def test_incidents_search_by_id_service_or_customer_and_empty_lists_the_active_worst_first(
    start_bot: StartBot, service_url: str
) -> None:
    bot = await start_bot()
    active = await _ask(bot, service_url, QUERY, _query("incidents"))
    marks = [a["preview"]["content"]["text"][0] for a in active["attachments"]]
    assert marks and marks == sorted(marks, key="🔴🟠🔵⚪🟢".index)
    by_id = await _ask(bot, service_url, QUERY, _query("incidents", "ex1100014"))
    assert [a["preview"]["content"]["subtitle"].split(" · ")[0] for a in by_id["attachments"]] == [
        "EX1100014"
    ]
    by_customer = await _ask(bot, service_url, QUERY, _query("incidents", "woodgrove"))
    assert by_customer["attachments"] and all(
        a["preview"]["content"]["subtitle"].endswith("Woodgrove Bank") for a in by_customer["attachments"]
    )


async def test_requests_empty_search_shows_open_ones_mine_first_and_a_search_finds_by_number_or_customer(
    start_bot: StartBot, service_url: str, requests_filed: list[str]
) -> None:
    bot = await start_bot()
    woodgrove, contoso = requests_filed
    mine_first = await _ask(bot, service_url, QUERY, _query("requests"))
    assert _titles(mine_first) == ["Mail is slow at Contoso Ltd", "Mail is slow at Woodgrove Bank"]
    assert _titles(await _ask(bot, service_url, QUERY, _query("requests", woodgrove))) == [
        "Mail is slow at Woodgrove Bank"
    ]
    assert _titles(await _ask(bot, service_url, QUERY, _query("requests", "contoso"))) == [
        "Mail is slow at Contoso Ltd"
    ]


@pytest.mark.parametrize("command", ["customers", "incidents", "requests"])
async def test_choosing_a_result_inserts_the_full_card_with_links_only(
    start_bot: StartBot, service_url: str, command: str, requests_filed: list[str]
) -> None:
    bot = await start_bot()
    found = await _ask(bot, service_url, QUERY, _query(command))
    card = _card(await _ask(bot, service_url, SELECT, _tap(found)))
    assert card["version"] == "1.3"
    assert set(_actions(card)) <= {"Action.OpenUrl"}
    assert found["attachments"][0]["preview"]["content"]["title"] in json.dumps(card, ensure_ascii=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://admin.microsoft.com/Adminportal/Home#/servicehealth/:/alerts/EX1100014",
        "https://admin.cloud.microsoft/?#/servicehealth/:/alerts/EX1100014",
    ],
)
async def test_an_admin_center_incident_link_previews_as_the_incident_card(
    start_bot: StartBot, service_url: str, url: str
) -> None:
    bot = await start_bot()
    result = await _ask(bot, service_url, LINK, {"url": url})
    card = _card(result)
    assert "Users may be unable to access their mailbox" in json.dumps(card)
    assert result["attachments"][0]["preview"]["content"]["subtitle"].startswith("EX1100014 · ")


async def test_partner_center_and_azure_request_links_preview_as_the_request_card(
    start_bot: StartBot, service_url: str, requests_filed: list[str]
) -> None:
    bot = await start_bot()
    number = requests_filed[1]
    partner = f"https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid={number}"
    arm = (
        "%2Fsubscriptions%2F049dec61-3ee7-4af6-af09-29e7047fb0b9"
        "%2Fproviders%2FMicrosoft.Support%2FsupportTickets%2F"
    )
    azure = "https://portal.azure.com/#view/Microsoft_Azure_Support/SupportRequestDetails.ReactView/id/"
    # The demo desk, like the live one, names a ticket it files after its idempotency key.
    for url in (partner, f"{azure}{arm}{number}/portalJourney~/true", f"{azure}{arm}{'b' * 32}"):
        card = _card(await _ask(bot, service_url, LINK, {"url": url}))
        assert number in json.dumps(card) and "Mail is slow at Contoso Ltd" in json.dumps(card)


@pytest.mark.parametrize(
    "value",
    [
        {"url": "https://www.example.com/anything"},
        {"url": "https://admin.microsoft.com/#/servicehealth/:/alerts/ZZ9999999"},  # no such incident
        {"url": "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=9999999999"},
        {"url": 5},
        {"url": None},
        {"url": ["https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014"]},
        {},
    ],
)
async def test_unknown_or_unreadable_links_get_no_preview(
    start_bot: StartBot, service_url: str, value: object
) -> None:
    bot = await start_bot()
    assert (await _ask(bot, service_url, LINK, value))["attachments"] == []


HOSTILE_TEXT = [
    "Hi team, Contoso's mail has been down since 9am.\n\nCan someone check the admin center? " * 20,
    "con\u200btoso\u202e",
    "\u2066\u2067\u2068\u2069\ufeff",
    "{{DATE(2026-01-01T00:00:00Z, SHORT)}} {{contoso}}",
    "x" * 100_000,
    "[x](https://evil.example) <at>Admin</at> **bold**",
    "콘토소 🙂",
]


@pytest.mark.parametrize("command", ["customers", "incidents", "requests"])
@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=range(len(HOSTILE_TEXT)))
async def test_hostile_search_text_gets_a_bounded_result(
    start_bot: StartBot, service_url: str, command: str, text: str
) -> None:
    bot = await start_bot()
    result = await _ask(bot, service_url, QUERY, _query(command, text))
    assert result["type"] == "result" and len(result["attachments"]) <= 25
    assert "evil.example" not in json.dumps(result)


NOT_OUR_COMMANDS: list[Any] = [
    {"commandId": 5, "parameters": [{"name": "query", "value": "contoso"}]},
    {"commandId": ["customers"]},
    {"commandId": "delete-everything"},
    {"commandId": "Customers"},
    {"commandId": ""},
]


@pytest.mark.parametrize("value", NOT_OUR_COMMANDS, ids=range(len(NOT_OUR_COMMANDS)))
async def test_a_command_the_manifest_does_not_declare_finds_nothing(
    start_bot: StartBot, service_url: str, value: Any, requests_filed: list[str]
) -> None:
    bot = await start_bot()
    assert (await _ask(bot, service_url, QUERY, value))["attachments"] == []


WRONG_TYPES: list[Any] = [
    {"commandId": "customers", "parameters": "contoso"},
    {"commandId": "customers", "parameters": [5, None, "x", {"name": 1, "value": "contoso"}]},
    {"commandId": "customers", "parameters": [{"name": "query", "value": {"$ne": ""}}]},
    {"commandId": "customers", "queryOptions": "all"},
    {"commandId": "customers", "queryOptions": {"skip": "0", "count": "1000"}},
    {"commandId": "customers", "queryOptions": {"skip": -5, "count": 10**12}},
    {"commandId": "customers", "queryOptions": {"skip": 10**9, "count": 0}},
    {"commandId": "customers", "queryOptions": {"skip": True, "count": 2.5}},
    {},
]


@pytest.mark.parametrize("value", WRONG_TYPES, ids=range(len(WRONG_TYPES)))
async def test_wrong_types_in_a_query_get_a_result_never_an_error(
    start_bot: StartBot, service_url: str, value: Any
) -> None:
    bot = await start_bot()
    result = await _ask(bot, service_url, QUERY, value)
    assert result["type"] == "result" and len(result["attachments"]) <= 25


CHOSEN_WRONG: list[Any] = [
    {"kind": "customer", "id": "no-such-customer"},
    {"kind": "incident", "id": "EX1100014", "customer": "no-such-customer"},
    {"kind": "incident", "id": "not an id"},
    {"kind": "request", "id": "9999999999"},
    {"kind": "request", "id": "../../etc/passwd"},
    {"kind": "tenant", "id": "x"},
    {"kind": "customer", "id": 5},
    {"kind": "customer", "id": "x" * 10_000},
    {"kind": "customer", "id": "x", "extra": "{{evil}}"},
    {"kind": ["customer"], "id": "x"},
    {},
]


@pytest.mark.parametrize("value", CHOSEN_WRONG, ids=range(len(CHOSEN_WRONG)))
async def test_a_chosen_item_that_is_not_ours_inserts_nothing(
    start_bot: StartBot, service_url: str, value: Any
) -> None:
    bot = await start_bot()
    assert (await _ask(bot, service_url, SELECT, value))["attachments"] == []


@pytest.mark.parametrize("name", [QUERY, SELECT, LINK])
@pytest.mark.parametrize(
    "value", [[], "https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014", None, 12]
)
async def test_a_value_that_is_not_an_object_is_400_as_for_every_invoke(
    start_bot: StartBot, service_url: str, connector: FakeConnector, name: str, value: object
) -> None:
    bot = await start_bot()
    response = await bot.post("/api/messages", json=compose_invoke(service_url, name, value))
    assert response.status == 400 and isinstance(await response.json(), dict)
    assert connector.messages == []


class WithoutWoodgrove:
    """The demo backend as a person who may not reach Woodgrove Bank would see it (the view GDAP scoping
    gives the dialogs): Woodgrove is not among the customers."""

    name = "demo"

    def __init__(self) -> None:
        self._demo = demo_backend()

    async def list_customers(self) -> Sequence[Customer]:
        return [c for c in await self._demo.list_customers() if c.name != "Woodgrove Bank"]

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        return await self._demo.tenant_health(customer)


async def test_what_the_backend_does_not_show_the_person_the_extension_does_not_show_either(
    start_bot: StartBot, service_url: str, requests_filed: list[str]
) -> None:
    bot = await start_bot(WithoutWoodgrove())
    woodgrove, contoso = requests_filed
    for command, text in (("customers", "woodgrove"), ("incidents", "woodgrove"), ("requests", woodgrove)):
        assert _titles(await _ask(bot, service_url, QUERY, _query(command, text))) == []
    assert _titles(await _ask(bot, service_url, QUERY, _query("requests"))) == ["Mail is slow at Contoso Ltd"]
    partner = "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid="
    assert (await _ask(bot, service_url, LINK, {"url": f"{partner}{woodgrove}"}))["attachments"] == []
    assert (await _ask(bot, service_url, SELECT, {"kind": "request", "id": woodgrove}))["attachments"] == []
    assert _card(await _ask(bot, service_url, SELECT, {"kind": "request", "id": contoso}))


async def test_korean_readers_get_korean_previews_and_cards(start_bot: StartBot, service_url: str) -> None:
    bot = await start_bot()
    ko = Translator("ko")
    found = await _ask(bot, service_url, QUERY, _query("customers", "contoso ltd"), locale="ko-KR")
    preview = found["attachments"][0]["preview"]["content"]
    assert ko.count("count.active_incidents", 3) in preview["subtitle"]
    card = _card(await _ask(bot, service_url, SELECT, _tap(found), locale="ko-KR"))
    assert ko("health.heading", customer="Contoso Ltd") in json.dumps(card, ensure_ascii=False)
    link = "https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014"
    linked = _card(await _ask(bot, service_url, LINK, {"url": link}, locale="ko-KR"))
    assert ko("incident.timeline") in json.dumps(linked, ensure_ascii=False)


async def test_nothing_is_written_into_the_conversation(
    start_bot: StartBot, service_url: str, connector: FakeConnector
) -> None:
    """Every answer is in the invoke's HTTP response; the chat sees nothing, even for garbage."""
    bot = await start_bot()
    for name, value in ((QUERY, _query("customers")), (SELECT, {"kind": 1}), (LINK, {"url": "x"})):
        await _ask(bot, service_url, name, value)
    assert connector.messages == []


@pytest.mark.usefixtures("each_backend")
async def test_search_choose_and_preview_on_each_backend(start_bot: StartBot, service_url: str) -> None:
    """The same answers from the live backend (Partner Center and Graph doubles, same dataset) as the demo."""
    bot = await start_bot()
    customers = await _ask(bot, service_url, QUERY, _query("customers"))
    assert _titles(customers)[0] == "Contoso Ltd"
    assert "Contoso Ltd" in json.dumps(_card(await _ask(bot, service_url, SELECT, _tap(customers))))
    incidents = await _ask(bot, service_url, QUERY, _query("incidents", "EX1100014"))
    assert "EX1100014" in json.dumps(_card(await _ask(bot, service_url, SELECT, _tap(incidents))))
    link = {"url": "https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014"}
    assert "EX1100014" in json.dumps(_card(await _ask(bot, service_url, LINK, link)))
