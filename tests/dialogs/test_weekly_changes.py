"""`changes weekly <day> <hour>` as a support lead types it (TestAdapter, real dialogs): the time is kept in
the setter's Teams time zone, `off` stops it, and anything else is answered with how to say it and
changes nothing."""

from __future__ import annotations

import pytest

from tests.support.harness import BotHarness
from tests.support.visible import visible_text

CHANNEL = "19:support@thread.tacv2"


async def schedule_of(bot: BotHarness) -> tuple[int, int, str] | None:
    found = await bot.notifications.weekly_changes.of_conversation(CHANNEL)
    return (found.weekday, found.hour, found.zone) if found else None


@pytest.mark.parametrize(
    ("locale", "zone", "typed", "kept", "said"),
    [
        (None, None, "changes weekly mon 9", (0, 9, "UTC"), "every week: Mondays at 09:00 (UTC)."),
        (None, "Europe/London", "changes weekly Friday 17:00", (4, 17, "Europe/London"), "Fridays at 17:00"),
        (None, "Not/AZone", "changes weekly sun 0", (6, 0, "UTC"), "Sundays at 00:00 (UTC)"),
        ("ko-KR", "Asia/Seoul", "변경 매주 월 9", (0, 9, "Asia/Seoul"), "매주 월요일 09:00(Asia/Seoul)"),
        ("ko-KR", "Asia/Seoul", "변경 매주 수요일 18시", (2, 18, "Asia/Seoul"), "수요일 18:00"),
    ],
)
async def test_a_day_and_an_hour_set_the_weekly_digest_in_the_setters_time_zone(
    locale: str | None, zone: str | None, typed: str, kept: tuple[int, int, str], said: str
) -> None:
    bot = BotHarness(locale=locale, time_zone=zone)
    await bot.one("subscribe contoso changes")
    text = visible_text(await bot.one(typed))
    assert said in text, text
    assert await schedule_of(bot) == kept
    off = visible_text(await bot.one("변경 매주 해제" if locale else "changes weekly off"))
    assert await schedule_of(bot) is None
    assert ("더 이상" if locale else "no longer gets the weekly") in off
    again = visible_text(await bot.one("changes weekly off"))
    assert "doesn't get a weekly message center digest" in again or "받고 있지 않습니다" in again


async def test_setting_it_without_a_changes_subscription_says_what_to_subscribe() -> None:
    bot = BotHarness()
    text = visible_text(await bot.one("changes weekly tue 8"))
    assert "It subscribes to no changes yet: 'subscribe <customer> changes'" in text
    assert await schedule_of(bot) == (1, 8, "UTC")


@pytest.mark.parametrize(
    "typed",
    [
        "changes weekly",
        "changes weekly mon",
        "changes weekly 9",
        "changes weekly mon 24",
        "changes weekly mon -1",
        "changes weekly mon 9.5",
        "changes weekly mon 9:30",
        "changes weekly mon 1e1",
        "changes weekly funday 9",
        "changes weekly mon 9 tue 10",
        "changes weekly mon 99999999999999999999",
        "changes weekly {day} {hour}",
        "changes weekly mon 9'; DROP TABLE records; --",
        "changes weekly <b>mon 9</b>0",
        "변경 매주 월",
        "변경 매주 월 25시",
    ],
)
async def test_anything_else_says_how_and_changes_nothing(typed: str) -> None:
    bot = BotHarness()
    await bot.one("changes weekly thu 7")
    text = visible_text(await bot.one(typed))
    assert "Name a day and an hour from 0 to 23" in text or "요일과 0에서 23 사이의 시각" in text, text
    assert await schedule_of(bot) == (3, 7, "UTC")


async def test_a_pasted_wall_of_text_is_refused_as_too_long_and_changes_nothing() -> None:
    bot = BotHarness()
    await bot.one("changes weekly thu 7")
    text = visible_text(await bot.one("changes weekly " + "mon " * 500 + "9"))
    assert "That's too long" in text
    assert await schedule_of(bot) == (3, 7, "UTC")
