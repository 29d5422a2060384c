"""Azure service health in conversations over HTTP, on the demo backend and on the live one against the
Azure double (the same dataset): the health card's Azure section, `incidents <customer> azure`,
`incident <tracking id>` and `overview`; and under GDAP, nothing of a customer the person can't see."""

from __future__ import annotations

from typing import Any

import pytest

from chatclient.people import find_person
from services.access.people import AccessMode
from tests.doubles.connector import FakeConnector
from tests.doubles.live_world import LiveWorld
from tests.integration.conftest import StartBot
from tests.integration.teams import personal_message
from tests.support.visible import buttons, visible_text


async def _ask(bot: Any, connector: FakeConnector, text: str, who: str = "", locale: str = "") -> str:
    before = len(connector.messages)
    activity = personal_message(connector.service_url, text)
    if who:
        activity["from"] = find_person(who).user
    if locale:
        activity["locale"] = locale
        activity["entities"] = [
            {**e, "locale": locale} if e["type"] == "clientInfo" else e for e in activity["entities"]
        ]
    assert (await bot.post("/api/messages", json=activity)).status == 201
    await connector.wait_for_messages(before + 1)
    return "\n".join(visible_text(m) for m in connector.messages[before:])


@pytest.mark.usefixtures("each_backend")
async def test_the_health_card_has_an_azure_section_only_for_customers_with_subscriptions(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    contoso = await _ask(bot, connector, "health contoso")
    assert contoso.startswith("Service health · Contoso Ltd")
    assert "3 active Azure events active · 2 subscriptions" not in contoso
    assert "2 Azure events active · 2 subscriptions" in contoso
    assert "VNL2-8S8" in contoso and "Virtual Machines (East US, East US 2)" in contoso
    assert "0T3M-5PL" in contoso and "KTQ8-RX0" not in contoso, "resolved events stay off the health card"
    assert "Azure events for Contoso Ltd" in [b.title for b in buttons(connector.messages[-1])]
    northwind = await _ask(bot, connector, "health northwind")
    assert "✓ No active Azure events in 1 subscription" in northwind
    fabrikam = await _ask(bot, connector, "health fabrikam inc")
    assert fabrikam.startswith("Service health · Fabrikam, Inc.") and "Azure" not in fabrikam


@pytest.mark.usefixtures("each_backend")
async def test_incidents_with_azure_lists_the_customers_azure_events_filtered_and_in_korean(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    active = await _ask(bot, connector, "incidents contoso azure")
    assert active.startswith("Active Azure events · Contoso Ltd")
    assert "VNL2-8S8" in active and "0T3M-5PL" in active and "KTQ8-RX0" not in active
    everything = await _ask(bot, connector, "incidents contoso azure all")
    assert "KTQ8-RX0" in everything and "Resolved" in everything
    sql = await _ask(bot, connector, "incidents contoso azure sql")
    assert "0T3M-5PL" in sql and "VNL2-8S8" not in sql and "Planned maintenance" in sql
    woodgrove = await _ask(bot, connector, "incidents woodgrove azure")
    # A type Microsoft added after the four is shown as other, under the name Azure gave it.
    assert "Other (EmergingIssues)" in woodgrove and "Security advisory" in woodgrove
    none = await _ask(bot, connector, "incidents fabrikam inc azure")
    assert "I can't see any Azure subscription of Fabrikam, Inc., so I can't show its Azure events." in none
    korean = await _ask(bot, connector, "incidents contoso 애저", locale="ko-KR")
    assert korean.startswith("진행 중인 Azure 이벤트 · Contoso Ltd") and "서비스 문제" in korean
    m365 = await _ask(bot, connector, "incidents contoso")
    assert "VNL2-8S8" not in m365, "Microsoft 365's list stays Microsoft 365's"


@pytest.mark.usefixtures("each_backend")
async def test_an_azure_tracking_id_opens_the_event_with_its_timeline_and_every_customer_it_affects(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, "incident vnl2-8s8")
    assert shown.startswith("Virtual Machines – Connection failures in East US")
    assert "VNL2-8S8 · Azure · Contoso Ltd" in shown and "Also reported for: Woodgrove Bank" in shown
    assert "Service issue" in shown and "East US, East US 2" in shown
    # Newest update first, each with its region; the five across both subscriptions, one each.
    assert shown.index("The rollback has completed") < shown.index("Impact Statement")
    assert shown.count("Impact Statement") == 2 and "· East US 2" in shown
    for_woodgrove = await _ask(bot, connector, "incident VNL2-8S8 woodgrove")
    assert "VNL2-8S8 · Azure · Woodgrove Bank" in for_woodgrove and "East US 2" not in for_woodgrove
    unknown = await _ask(bot, connector, "incident ZZZ9-9ZZ")
    assert "ZZZ9-9ZZ" in unknown and "Traceback" not in unknown


@pytest.mark.usefixtures("each_backend")
async def test_the_overview_lists_each_active_azure_event_once_with_the_customers_it_affects(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    overview = await _ask(bot, connector, "overview")
    assert overview.count("VNL2-8S8 · Service issue") == 1
    assert "Affects Contoso Ltd, Woodgrove Bank" in overview
    assert "KR3T-7HN" in overview and "PM5R-L8C" not in overview


async def test_under_gdap_a_hidden_customers_azure_events_never_show(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    """Woodgrove's relationship ended: Ana sees Contoso, not Woodgrove, though both share VNL2-8S8."""
    bot = await start_bot(people_access=AccessMode.GDAP)
    shown = await _ask(bot, connector, "incident VNL2-8S8", who="ana")
    assert "VNL2-8S8 · Azure · Contoso Ltd" in shown and "Woodgrove" not in shown
    overview = await _ask(bot, connector, "overview", who="ana")
    assert "VNL2-8S8" in overview and "Woodgrove" not in overview and "HA7K-Q2M" not in overview
    woodgrove_only = await _ask(bot, connector, "incident EI4N-2QZ", who="ana")
    assert "Emerging issue" not in woodgrove_only and "Woodgrove" not in woodgrove_only
    named = await _ask(bot, connector, "incidents woodgrove azure", who="ana")
    assert "EI4N-2QZ" not in named and "Active Azure events" not in named


async def test_the_health_card_says_when_azure_didnt_answer_and_still_shows_microsoft_365(
    start_bot: StartBot, connector: FakeConnector, live_world: LiveWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support import harness

    monkeypatch.setattr(harness, "default_backend", lambda: live_world.backend)
    live_world.azure_support.fail(503, "ServiceUnavailable", times=20, path_contains="ResourceHealth")
    bot = await start_bot()
    shown = await _ask(bot, connector, "health contoso")
    assert shown.startswith("Service health · Contoso Ltd") and "Exchange Online" in shown
    assert "Azure service health" in shown and "VNL2-8S8" not in shown


@pytest.mark.usefixtures("each_backend")
@pytest.mark.parametrize(
    ("typed", "locale", "says"),
    [
        # Cosmos DB is a real service, but no event of Contoso's is about it: no all-clear, the services
        # Contoso's events are about (resolved ones too) are named. ('vm' is an alias of Virtual Machines.)
        (
            "incidents contoso azure cosmos",
            "",
            "No Azure event of Contoso Ltd is about a service matching 'cosmos'. "
            "Its Azure events are about: SQL Database, Storage, Virtual Machines.",
        ),
        ("incidents contoso azure banana all", "", "matching 'banana'. Its Azure events are about: SQL"),
        ("incidents contoso azure vm", "", "VNL2-8S8 | Service issue · Active"),
        (
            "장애 contoso 애저 cosmos",
            "ko-KR",
            "Contoso Ltd의 Azure 이벤트 중 'cosmos'와(과) 일치하는 서비스에 관한 것은 없습니다. "
            "이벤트가 있는 서비스: SQL Database, Storage, Virtual Machines.",
        ),
    ],
)
async def test_an_azure_service_word_no_event_has_names_the_services_its_events_are_about(
    start_bot: StartBot, connector: FakeConnector, typed: str, locale: str, says: str
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, typed, locale=locale)
    assert says in shown, shown
    # No count of events a word that names none of them could never have counted.
    assert "0 Azure events" not in shown and "Azure 이벤트 0건" not in shown, shown


@pytest.mark.usefixtures("each_backend")
@pytest.mark.parametrize(
    ("typed", "locale", "says"),
    [
        (
            "incidents tailspin azure",
            "",
            "I can't see any Azure subscription of Tailspin Toys, so I can't show its Azure events.",
        ),
        ("incidents tailspin azure all", "", "I can't see any Azure subscription of Tailspin Toys"),
        ("incidents fabrikam inc azure exchange", "", "I can't see any Azure subscription of Fabrikam, Inc."),
        (
            "장애 tailspin 애저",
            "ko-KR",
            "Tailspin Toys의 Azure 구독을 볼 수 없어 Azure 이벤트를 보여 드릴 수 없습니다.",
        ),
    ],
)
async def test_a_customer_without_azure_subscriptions_is_said_so_plainly_without_a_count(
    start_bot: StartBot, connector: FakeConnector, typed: str, locale: str, says: str
) -> None:
    """The setting that names subscriptions is the operator's word (`make doctor`), not the person's."""
    bot = await start_bot()
    shown = await _ask(bot, connector, typed, locale=locale)
    assert says in shown, shown
    assert "AZURE_SUBSCRIPTIONS" not in shown and "Include resolved" not in shown
    assert "0 Azure events" not in shown and "Azure 이벤트 0건" not in shown, shown


@pytest.mark.usefixtures("each_backend")
async def test_an_azure_service_with_only_resolved_events_is_simply_quiet(
    start_bot: StartBot, connector: FakeConnector
) -> None:
    bot = await start_bot()
    shown = await _ask(bot, connector, "incidents contoso azure storage")
    assert "No active Azure events." in shown and "matching" not in shown, shown


@pytest.mark.usefixtures("each_backend")
@pytest.mark.parametrize(
    ("typed", "locale", "says"),
    [
        (
            "incident VNL2-8S8 northwind",
            "",
            "Azure event not found\nI couldn't find Azure event VNL2-8S8 in the subscriptions of "
            "Northwind Traders. "
            "Check the tracking id, or run 'incidents <customer> azure all' to list its recent ones.",
        ),
        ("incident ZZZZ-999", "", "run 'incidents <customer> azure all'"),
        ("장애상세 zzzz-999", "ko-KR", "'장애 <고객> 애저 전체'"),
        # A Microsoft 365 id keeps the Microsoft 365 hint.
        ("incident EX9999999", "", "run 'incidents <customer> all' to list recent ones."),
    ],
)
async def test_an_unknown_tracking_id_points_to_the_azure_list(
    start_bot: StartBot, connector: FakeConnector, typed: str, locale: str, says: str
) -> None:
    """'incidents <customer> all' lists Microsoft 365's incidents, where no Azure event is."""
    bot = await start_bot()
    shown = await _ask(bot, connector, typed, locale=locale)
    assert says in shown, shown
