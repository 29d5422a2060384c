"""`requests` over real HTTP, on the demo desk and on the live desk against the doubles: the list pages ten
at a time, and the chart above it counts every open request by status and severity (its fallback, which
the text rendering shows, says the same counts), in English and in Korean.

The requests are filed into the bot's own SQLite file before it starts; what the chart must say is every
request the desk lists, read one by one and counted (tests/services/test_open_request_counts.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cards.charts import OPEN_STATUSES
from locales.translator import ENGLISH, Translator
from services.backends.choice import backends_around
from services.domain.models import RequestStatus, Severity
from services.domain.ports import ServiceRequestDesk
from services.storage.sqlite_database import SqliteDatabase
from tests.cards.examples import KOREAN
from tests.doubles.connector import FakeConnector
from tests.doubles.live_world import LiveWorld
from tests.integration.conftest import StartBot
from tests.integration.teams import personal_message
from tests.services.test_open_request_counts import Clock, every_open, fill_demo_desk, fill_live_desk
from tests.support.visible import button, visible_text

pytestmark = pytest.mark.usefixtures("each_backend")


async def _filed(tmp_path: Path, world: LiveWorld | None) -> ServiceRequestDesk:
    """A desk on the bot's own file, filled with requests of several customers, many of them open."""
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    clock = Clock()
    if world is None:
        desk: ServiceRequestDesk = (await fill_demo_desk(database, clock))[0]
    else:
        desk = backends_around(world.backend, database, clock).desk
        await fill_live_desk(world, desk, clock)
    return desk


def _fallback_line(counts: Counter[tuple[RequestStatus, Severity]], t: Translator) -> str:
    """The chart's fallback as people read it: its title, then each open status with its severities."""
    rows = [
        f"{t(f'request_status.{status.value}')} ("
        + ", ".join(
            f"{t(f'severity.{s.value}')}: {t.number(counts[status, s])}"
            for s in Severity
            if counts[status, s]
        )
        + ")"
        for status in OPEN_STATUSES
        if any(counts[status, s] for s in Severity)
    ]
    return " · ".join([t("chart.requests"), *rows])


def _chart(message: dict[str, Any]) -> dict[str, Any]:
    (card,) = [a["content"] for a in message["attachments"]]
    (chart,) = [e for e in card["body"] if str(e["type"]).startswith("Chart.")]
    return chart


@pytest.mark.parametrize(("locale", "t"), [("en-US", ENGLISH), ("ko-KR", KOREAN)], ids=["en", "ko"])
async def test_the_requests_chart_counts_every_open_request_on_every_page(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    tmp_path: Path,
    each_live_world: LiveWorld | None,
    locale: str,
    t: Translator,
) -> None:
    desk = await _filed(tmp_path, each_live_world)
    bot = await start_bot()
    expected = await every_open(desk)
    total = await desk.count_requests()
    assert sum(expected.values()) > 10 and total > sum(expected.values()), "more than a page; closed ones too"

    async def say(activity: dict[str, Any]) -> dict[str, Any]:
        activity["locale"] = locale
        before = len(connector.messages)
        assert (await bot.post("/api/messages", json=activity)).status == 201
        await connector.wait_for_messages(before + 1)
        return connector.messages[-1]

    first = await say(personal_message(service_url, "requests" if locale == "en-US" else "요청목록"))
    second = await say(personal_message(service_url, value=button(first, t("requests.next")).action["data"]))
    line = _fallback_line(expected, t)
    for page, reply in enumerate((first, second), 1):
        text = visible_text(reply)
        assert t("requests.paged", summary="", page=t.number(page), pages=t.number(-(-total // 10))) in text
        assert line in text.splitlines(), f"page {page}: every open request, not the page's"
        chart = _chart(reply)
        assert chart["title"] == t("chart.requests")
        drawn = {(row["title"], p["legend"]): p["value"] for row in chart["data"] for p in row["data"]}
        assert drawn == {
            (t(f"request_status.{status.value}"), t(f"severity.{s.value}")): n
            for (status, s), n in expected.items()
        }
    assert "this page" not in visible_text(first) and "이 페이지" not in visible_text(first)
