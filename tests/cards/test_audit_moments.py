"""Moments in audit details are the reader's: their zone and format, never a raw ISO 8601 string."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cards.audit import ACTIONS, audit_card
from cards.parts import card_payload
from chatclient.card_text import render_card
from locales.translator import Translator
from services.domain.models import AuditEntry
from tests.support.harness import DEMO_NOW, BotHarness
from tests.support.visible import visible_text

ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
MOMENT = datetime(2026, 12, 6, 21, 33, 22, 101414, tzinfo=UTC)
READERS = [
    Translator("en"),
    Translator("en", ZoneInfo("America/New_York")),
    Translator("ko", ZoneInfo("Asia/Seoul")),
    Translator("ko"),
]
DETAILS = [
    "2026-12-06T21:33:22.101414+00:00",
    "until 2026-12-06T21:33:22.101414+00:00",
    "until 2026-12-06T21:33:22Z",
    "2026-12-07T06:33:22+09:00 for contoso",
    "from 2026-12-06 21:33 to 2026-12-06T21:33:22.1+0000",
]


@pytest.mark.parametrize("t", READERS, ids=lambda t: f"{t.language}-{t.zone}")
@pytest.mark.parametrize("action", [*ACTIONS, "something.new"])
def test_no_audit_line_shows_a_raw_iso_moment(action: str, t: Translator) -> None:
    entries = [
        AuditEntry(DEMO_NOW - timedelta(minutes=n), "a1", "Ana Bowman", action, detail, "3f2a9c1b7d4e")
        for n, detail in enumerate(DETAILS)
    ]
    text = render_card(card_payload(audit_card(entries, DEMO_NOW, t))).text
    assert not ISO.findall(text), text
    assert t.timestamp(MOMENT) in text


async def test_quiet_in_the_audit_log_is_in_the_korean_readers_zone() -> None:
    bot = BotHarness(locale="ko-KR", time_zone="Asia/Seoul")
    await bot.one("조용히 2")
    text = visible_text(await bot.one("감사"))
    assert "님이 이 대화의 알림을 2026. 11. 24. 20:00 KST까지 보류함" in text, text
    assert not ISO.findall(text)
