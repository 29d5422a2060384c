"""The commands that manage notices, as a support engineer types them (TestAdapter, real dialogs)."""

from __future__ import annotations

import pytest
from botbuilder.schema import Activity, ActivityTypes

from services.backends.demo.backend import DemoBackend
from services.domain.errors import UpstreamUnavailable
from services.domain.models import Customer, TenantHealth
from tests.support.harness import DEMO_NOW, BotHarness
from tests.support.visible import button, buttons, visible_text


async def subscriptions_of(bot: BotHarness) -> list[str]:
    return [line for line in visible_text(await bot.one("subscriptions")).splitlines() if "·" in line]


async def test_subscribe_names_what_the_conversation_will_hear_about() -> None:
    bot = BotHarness()
    text = visible_text(await bot.one("subscribe contoso exchange"))
    assert "This channel will now hear about: Contoso Ltd · Exchange Online · incidents." in text
    assert await subscriptions_of(bot) == ["Contoso Ltd · Exchange Online · incidents | [1: Unsubscribe]"]


@pytest.mark.parametrize("word", ["azure", "Azure", "애저"])
async def test_subscribing_to_a_customers_azure_events_names_azure_as_the_service(word: str) -> None:
    """Azure events are noticed as 'Azure <service>' (services/domain/azure_events.as_incident)."""
    bot = BotHarness()
    text = visible_text(await bot.one(f"subscribe contoso {word}"))
    assert "This channel will now hear about: Contoso Ltd · Azure · incidents." in text
    assert await subscriptions_of(bot) == ["Contoso Ltd · Azure · incidents | [1: Unsubscribe]"]


async def test_several_services_and_what_kind_of_notice() -> None:
    bot = BotHarness()
    text = visible_text(await bot.one("subscribe woodgrove exchange teams all"))
    assert "Woodgrove Bank · Exchange Online, Microsoft Teams · incidents and advisories" in text
    text = visible_text(await bot.one("subscribe all advisories"))
    assert "Every customer · every service · advisories" in text


async def test_a_typo_and_an_ambiguous_name_are_asked_about_and_the_button_subscribes() -> None:
    bot = BotHarness()
    typo = await bot.one("subscribe contsoo")
    assert "I don't know a customer called 'contsoo'." in visible_text(typo)
    done = await bot.press(buttons(typo)[0])
    assert "will now hear about: Contoso Ltd" in visible_text(done[0])
    choice = await bot.one("subscribe fabrikam advisories")
    assert "Which customer did you mean by 'fabrikam'?" in visible_text(choice)
    done = await bot.press(buttons(choice)[1])
    assert "Fabrikam Residences · every service · advisories" in visible_text(done[0])


async def test_an_unknown_service_is_named_and_nothing_is_subscribed() -> None:
    bot = BotHarness()
    text = visible_text(await bot.one("subscribe contoso exchnage"))
    assert "Contoso Ltd has no service matching 'exchnage'" in text
    assert await subscriptions_of(bot) == []


async def test_subscribing_without_a_customer_explains_how() -> None:
    text = visible_text(await BotHarness().one("subscribe"))
    assert text.startswith("Which customer?\nTell me whose incidents this channel should hear about")


async def test_a_customer_without_delegated_access_cant_be_watched() -> None:
    bot = BotHarness()
    assert "No delegated access" in visible_text(await bot.one("subscribe tailspin exchange"))


async def test_unsubscribe_by_button_by_name_and_everything() -> None:
    bot = BotHarness()
    await bot.one("subscribe contoso exchange")
    await bot.one("subscribe contoso teams")
    await bot.one("subscribe all")
    listing = await bot.one("subscriptions")
    rows = [line for line in visible_text(listing).splitlines() if "Unsubscribe" in line]
    exchange = next(i for i, row in enumerate(rows) if "Exchange Online" in row)
    gone = await bot.press(buttons(listing)[exchange])
    assert (
        "no longer hears about Contoso Ltd (Exchange Online). It still follows 2 subscriptions"
        in visible_text(gone[0])
    )
    assert "no longer hears about Contoso Ltd." in visible_text(await bot.one("unsubscribe contoso"))
    assert "doesn't follow Contoso Ltd" in visible_text(await bot.one("unsubscribe contoso"))
    assert "It follows nothing now." in visible_text(await bot.one("unsubscribe"))
    assert await subscriptions_of(bot) == []


@pytest.mark.parametrize(
    ("locale", "typed", "shown"),
    [
        (None, "subscribe contoso changes", "Contoso Ltd · every service · message center changes"),
        (
            None,
            "subscribe Contoso Ltd exchange change",
            "Contoso Ltd · Exchange Online · message center changes",
        ),
        ("ko-KR", "subscribe contoso 변경사항", "Contoso Ltd · 모든 서비스 · 메시지 센터 변경"),
    ],
)
async def test_changes_is_a_kind_beside_incidents_listed_and_removed_on_its_own(
    locale: str | None, typed: str, shown: str
) -> None:
    """A subscription to changes sits beside the same customer's incidents (subscribing to one doesn't
    replace the other); its Unsubscribe button and 'unsubscribe <customer> changes' remove it alone."""
    bot = BotHarness(locale=locale)
    await bot.one("subscribe contoso exchange" if "exchange" in typed else "subscribe contoso")
    assert shown in visible_text(await bot.one(typed))
    rows = await subscriptions_of(bot)
    assert len(rows) == 2 and any(shown in row for row in rows), rows
    listing = await bot.one("subscriptions")
    lines = [line for line in visible_text(listing).splitlines() if "·" in line]
    gone = await bot.press(buttons(listing)[next(i for i, line in enumerate(lines) if shown in line)])
    assert "1" in visible_text(gone[0])
    assert not any(shown in row for row in await subscriptions_of(bot)), "the button removes changes alone"
    assert len(await subscriptions_of(bot)) == 1
    await bot.one(typed)
    await bot.one("unsubscribe contoso changes")
    assert len(await subscriptions_of(bot)) == 1 and not any(shown in r for r in await subscriptions_of(bot))
    await bot.one("unsubscribe contoso changes")
    assert len(await subscriptions_of(bot)) == 1, "asked again, the health subscription stays"


async def test_quiet_takes_hours_and_says_until_when() -> None:
    bot = BotHarness()
    await bot.one("help")
    assert "quiet until 24 Nov 2026 11:00 UTC" in visible_text(await bot.one("quiet 2 hours"))
    assert "Quiet until 24 Nov 2026 11:00 UTC" in visible_text(await bot.one("subscriptions"))
    assert visible_text(await bot.one("quiet off")).startswith("Quiet ended")


@pytest.mark.parametrize(
    ("typed", "until"),
    [
        ("quiet 1", "24 Nov 2026 10:00 UTC"),
        ("quiet 2h", "24 Nov 2026 11:00 UTC"),
        ("quiet 3 hours", "24 Nov 2026 12:00 UTC"),
        ("quiet 72", "27 Nov 2026 09:00 UTC"),
        ("조용히 2", "2026. 11. 24. 11:00 UTC"),
        ("조용히 5시간", "2026. 11. 24. 14:00 UTC"),
        ("quiet 0.5", None),
        ("quiet 1e-9", None),
        ("quiet 1.5", None),
        ("quiet 2.5 hours", None),
        ("quiet -3", None),
        ("quiet 73", None),
        ("quiet 500", None),
        ("quiet 1e3", None),
        ("quiet inf", None),
        ("quiet nan", None),
        ("조용히 ２", "2026. 11. 24. 11:00 UTC"),
        ("quiet", None),
        ("quiet forever", None),
        ("조용히 0.5", None),
        ("조용히 1.5시간", None),
        ("조용히 -3", None),
        ("조용히 73", None),
    ],
)
async def test_quiet_takes_whole_hours_from_1_to_72_and_refuses_the_rest(
    typed: str, until: str | None
) -> None:
    """Whatever the language, a refusal says whole hours from 1 to 72 and nothing is held."""
    korean = not typed.isascii()
    bot = BotHarness(locale="ko-KR" if korean else "en-US")
    text = visible_text(await bot.one(typed))
    if until is not None:
        assert until in text, text
        return
    refusal = "1에서 72 사이의 정수(시간 단위)" if korean else "whole hours to hold notices, from 1 to 72"
    assert refusal in text, text
    held = visible_text(await bot.one("구독목록" if korean else "subscriptions"))
    assert "조용히:" not in held and "Quiet until" not in held


async def test_overview_lists_troubled_customers_worst_first_and_says_when_all_are_healthy() -> None:
    text = visible_text(await BotHarness().one("overview"))
    assert "5 of 22 customers have active incidents · worst first" in text
    nobody = DemoBackend([], {}, DEMO_NOW)
    empty = visible_text(await BotHarness(backend=nobody).one("overview"))
    assert "There are no customers whose health I can read." in empty and "All 0" not in empty, empty


class _NotAnswering(DemoBackend):
    """The demo world, where Microsoft doesn't answer for some customers' health just now."""

    silent: frozenset[str] = frozenset()

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        if customer.name in self.silent:
            raise UpstreamUnavailable("Microsoft Graph")
        return await super().tenant_health(customer)


@pytest.mark.parametrize(
    ("silent", "locale", "expected"),
    [
        ({"Contoso Ltd"}, "en-US", "1 customer didn't answer just now; ask again in a few minutes."),
        ({"Contoso Ltd", "Woodgrove Bank"}, "en-US", "2 customers didn't answer just now"),
        ({"Contoso Ltd", "Woodgrove Bank"}, "ko-KR", "고객 2곳이 지금 응답하지 않았습니다"),
    ],
)
async def test_overview_tells_customers_that_didnt_answer_from_those_without_delegated_access(
    silent: set[str], locale: str, expected: str
) -> None:
    backend = _NotAnswering.load(now=lambda: DEMO_NOW)
    assert isinstance(backend, _NotAnswering)
    backend.silent = frozenset(silent)
    text = visible_text(await BotHarness(backend=backend, locale=locale).one("overview"))
    assert expected in text, text
    # Those without delegated access are counted as before, and nobody who merely didn't answer is.
    no_access = (
        "2 customers couldn't be read (no delegated access)." if locale == "en-US" else "고객 2곳은 읽을"
    )
    assert no_access in text, text


async def test_notices_says_when_nothing_was_announced_yet_and_a_customer_can_be_named() -> None:
    bot = BotHarness()
    assert "No notices yet." in visible_text(await bot.one("notices"))
    assert visible_text(await bot.one("notices contoso")).startswith("Latest notices · Contoso Ltd")


async def test_removing_the_bot_forgets_the_conversations_subscriptions() -> None:
    bot = BotHarness()
    await bot.one("subscribe contoso")
    await bot.receive(Activity(type=ActivityTypes.installation_update, action="remove"))
    assert await subscriptions_of(bot) == []


async def test_the_subscribed_card_offers_to_list_and_to_undo() -> None:
    bot = BotHarness()
    reply = await bot.one("subscribe contoso")
    undone = await bot.press(button(reply, "Unsubscribe"))
    assert "no longer hears about Contoso Ltd" in visible_text(undone[0])
