"""Whole conversations with the real bot on botbuilder's TestAdapter, asserted as the user sees them."""

from __future__ import annotations

import pytest
from botbuilder.core import MemoryStorage
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from services.backends.demo.backend import DemoBackend
from services.backends.demo.world import DemoWorld
from services.domain.models import Customer
from tests.support.harness import BOT, DEMO_NOW, BotHarness, demo_backend
from tests.support.visible import button, buttons, visible_text

# Every conversation here runs on the demo backend and on the live one against the https doubles.
pytestmark = pytest.mark.usefixtures("each_backend")


async def test_help_lists_every_command_with_a_button_that_runs_it() -> None:
    bot = BotHarness()
    reply = await bot.one("help")
    text = visible_text(reply)
    for usage in (
        "health <customer>",
        "incidents <customer> [service] [all]",
        "incident <id>",
        "customers [search]",
    ):
        assert usage in text
    tried = await bot.press(button(reply, "Try: health contoso"))
    assert "Service health · Contoso Ltd" in visible_text(tried[0])


async def test_health_shows_trouble_first_and_collapses_operational_services() -> None:
    text = visible_text(await BotHarness().one("health contoso"))
    lines = text.splitlines()
    assert lines[0] == "Service health · Contoso Ltd"
    troubled = [line for line in lines if "active incident" in line and "|" in line]
    assert troubled == [
        "Exchange Online | Interrupted | 1 active incident",
        "Microsoft Defender XDR | Interrupted | 1 active incident",
        "SharePoint Online | Restoring service | 1 active incident",
    ]
    assert "✓ 7 services operational" in lines


async def test_mention_is_stripped_in_channels() -> None:
    reply = await BotHarness().one("health contoso", mention=True)
    assert visible_text(reply).startswith("Service health · Contoso Ltd")


async def test_natural_phrasing_works() -> None:
    bot = BotHarness()
    assert visible_text(await bot.one("how is contoso doing?")).startswith("Service health · Contoso Ltd")
    assert visible_text(await bot.one("show incidents for woodgrove")).startswith(
        "Active incidents · Woodgrove Bank"
    )


async def test_incidents_are_newest_first_and_each_opens_its_detail() -> None:
    bot = BotHarness()
    reply = await bot.one("incidents contoso")
    text = visible_text(reply)
    ids = [word for word in text.split() if word[:2] in ("SP", "DZ", "EX") and word[2:].isdigit()]
    assert ids == ["SP1100007", "DZ1100034", "EX1100014"]
    assert "started 1 day ago · updated 11 hours ago" in text
    detail = await bot.press(button(reply, "Open EX1100014"))
    detail_text = visible_text(detail[0])
    assert detail_text.startswith("Users may be unable to access their mailbox using Outlook on the web")
    assert "Ended: Ongoing" in detail_text


async def test_incidents_all_adds_resolved_ones_and_service_filters() -> None:
    bot = BotHarness()
    everything = visible_text(await bot.one("incidents contoso all"))
    assert "TM1100150" in everything and "Incidents · Contoso Ltd" in everything
    exchange_only = visible_text(await bot.one("incidents contoso exchange"))
    assert "EX1100014" in exchange_only and "SP1100007" not in exchange_only
    assert "Active incidents · Contoso Ltd · exchange" in exchange_only


async def test_unknown_service_names_the_real_ones() -> None:
    text = visible_text(await BotHarness().one("incidents contoso frobnitz"))
    assert "Contoso Ltd has no service matching 'frobnitz'" in text
    assert "Exchange Online" in text


async def test_incident_detail_any_case_without_customer() -> None:
    text = visible_text(await BotHarness().one("incident ex1100014"))
    assert "EX1100014 · Exchange Online · Contoso Ltd" in text
    assert "Current status: We're reviewing service monitoring telemetry to isolate the cause." in text
    assert "<br>" not in text


async def test_unknown_incident_is_explained() -> None:
    text = visible_text(await BotHarness().one("incident EX9999999"))
    assert "I couldn't find incident EX9999999 in any customer's tenant" in text


async def test_typo_offers_did_you_mean_buttons_that_finish_the_request() -> None:
    bot = BotHarness()
    reply = await bot.one("incidents contsoo")
    assert "I don't know a customer called 'contsoo'." in visible_text(reply)
    choices = [b for b in buttons(reply) if b.title == "Yes, this one"]
    assert len(choices) == 2
    finished = await bot.press(choices[0])
    assert visible_text(finished[0]).startswith("Active incidents · Contoso Ltd")


async def test_ambiguous_name_asks_and_the_pick_finishes_the_original_request() -> None:
    bot = BotHarness()
    reply = await bot.one("incidents fabrikam exchange")
    text = visible_text(reply)
    assert "Which customer did you mean by 'fabrikam'?" in text
    assert "Fabrikam, Inc." in text and "Fabrikam Residences" in text
    picked = await bot.press(buttons(reply)[0])
    assert visible_text(picked[0]).startswith("Active incidents · Fabrikam, Inc. · exchange")


async def test_customers_are_paged_with_health_buttons() -> None:
    bot = BotHarness()
    first = await bot.one("customers")
    assert "24 customers · page 1 of 3" in visible_text(first)
    second = await bot.press(button(first, "Next page"))
    assert "page 2 of 3" in visible_text(second[0])
    health = await bot.press(buttons(second[0])[0])
    assert visible_text(health[0]).startswith("Service health · ")


async def test_korean_names_work_in_search_and_on_cards() -> None:
    bot = BotHarness()
    assert "한빛 물류 (Hanbit Logistics)" in visible_text(await bot.one("customers 한빛"))
    assert visible_text(await bot.one("health 한빛")).startswith(
        "Service health · 한빛 물류 (Hanbit Logistics)"
    )


async def test_advisor_customer_explains_missing_access() -> None:
    text = visible_text(await BotHarness().one("health tailspin"))
    assert "No delegated access" in text
    assert "Tailspin Toys is an advisor relationship without delegated admin access" in text


async def test_missing_customer_is_asked_for() -> None:
    text = visible_text(await BotHarness().one("health"))
    assert "Which customer?" in text and "'health Contoso Ltd'" in text, "one of the partner's customers"


async def test_unknown_command_gets_a_hint_and_the_help_card() -> None:
    text = visible_text(await BotHarness().one("frobnicate the widgets"))
    assert text.splitlines()[0] == "I didn't understand 'frobnicate the widgets'. Here's what I can do:"
    assert "health <customer>" in text


async def test_tampered_button_data_gets_a_friendly_answer() -> None:
    replies = await BotHarness().submit({"action": "customers.page", "page": "../../etc"})
    assert len(replies) == 1
    assert "The card may be out of date" in visible_text(replies[0])


async def test_install_greets_once_even_though_teams_announces_it_twice() -> None:
    bot = BotHarness()
    install = Activity(type=ActivityTypes.installation_update, action="add")
    greeted = await bot.receive(install)
    assert "Hi! I'm the support desk's bot." in visible_text(greeted[0])
    assert "health <customer>" in visible_text(greeted[0])
    added = Activity(type=ActivityTypes.conversation_update, members_added=[BOT])
    assert await bot.receive(added) == []


async def test_members_other_than_the_bot_joining_get_no_greeting() -> None:
    someone = ChannelAccount(id="29:newcomer", name="New Person")
    added = Activity(type=ActivityTypes.conversation_update, members_added=[someone])
    assert await BotHarness().receive(added) == []


async def test_conversation_state_is_kept_in_storage_between_bot_instances() -> None:
    storage = MemoryStorage()
    await BotHarness(storage).receive(Activity(type=ActivityTypes.installation_update, action="add"))
    again = await BotHarness(storage).receive(Activity(type=ActivityTypes.installation_update, action="add"))
    assert again == []


async def test_a_troubled_service_on_the_health_card_opens_its_incidents() -> None:
    bot = BotHarness()
    health = await bot.one("health woodgrove")
    opened = await bot.press(button(health, "Exchange Online incidents"))
    text = visible_text(opened[0])
    assert text.startswith("Active incidents · Woodgrove Bank · Exchange Online")
    assert "EX1100583" in text and "OF1100595" not in text


async def test_a_very_broad_name_shows_some_choices_and_says_how_many_match() -> None:
    branches = [
        Customer(f"c{n}", f"t{n}", f"Northwind Branch {n}", f"northwind{n}.onmicrosoft.com", "reseller", True)
        for n in range(1, 13)
    ]
    bot = BotHarness(backend=DemoBackend(branches, {}, DEMO_NOW))
    text = visible_text(await bot.one("health northwind"))
    assert "12 customers match. Pick one to see its service health." in text
    assert "Showing the first 8; type more of the name to narrow it down." in text
    assert text.count("Choose") == 8


async def test_a_message_that_is_only_a_customers_name_shows_its_health() -> None:
    bot = BotHarness()
    assert visible_text(await bot.one("contoso")).startswith("Service health · Contoso Ltd")
    assert visible_text(await bot.one("한빛 물류")).startswith(
        "Service health · 한빛 물류 (Hanbit Logistics)"
    )


async def test_a_name_that_is_ambiguous_or_unknown_is_still_not_understood() -> None:
    bot = BotHarness()
    assert visible_text(await bot.one("fabrikam")).startswith("I didn't understand 'fabrikam'.")
    assert visible_text(await bot.one("contsoo")).startswith("I didn't understand 'contsoo'.")


async def test_paging_buttons_keep_the_search() -> None:
    bot = BotHarness()
    first = await bot.one("customers in")
    assert "page 1 of 2" in visible_text(first)
    second = (await bot.press(button(first, "Next page")))[0]
    assert visible_text(second).startswith("Customers matching 'in'")
    assert "page 2 of 2" in visible_text(second)
    back = (await bot.press(button(second, "Previous page")))[0]
    assert visible_text(back).startswith("Customers matching 'in'") and "page 1 of 2" in visible_text(back)


async def test_an_incident_shared_by_several_tenants_names_the_others() -> None:
    backend = demo_backend()
    world = DemoWorld(backend, lambda: DEMO_NOW)
    await world.tick()
    await world.tick()
    text = visible_text(await BotHarness(backend=backend).one("incident MO1200002"))
    assert "Also reported for: Fabrikam, Inc., Woodgrove Bank" in text
