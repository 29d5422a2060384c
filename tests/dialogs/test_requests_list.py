"""`requests` with more requests than one card lists: it says how many there are and pages like
`customers` does, every request on exactly one page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from services.domain.errors import Phrase, UpstreamUnavailable
from services.domain.models import Contact, Customer, OpenRequestCounts, RequestDraft, Severity
from services.domain.ports import ServiceRequestDesk
from tests.doubles.live_world import LiveWorld
from tests.support import harness
from tests.support.harness import DEMO_NOW, BotHarness
from tests.support.visible import button, buttons, visible_text

pytestmark = pytest.mark.usefixtures("each_backend")
NUMBER = re.compile(r"^(E?\d{10,20}) ", re.MULTILINE)


class Clock:
    def __init__(self) -> None:
        self.now = DEMO_NOW

    def __call__(self) -> datetime:
        return self.now


async def _bot_with_requests(how_many: int, locale: str = "en-US") -> tuple[BotHarness, Customer]:
    """`how_many` requests, every third one for Contoso (the others for Woodgrove)."""
    clock, backend = Clock(), harness.default_backend()
    bot = BotHarness(backend=backend, clock=clock, locale=locale)
    by_name = {c.name: c for c in await backend.list_customers()}
    contoso, woodgrove = by_name["Contoso Ltd"], by_name["Woodgrove Bank"]
    catalogue = await bot.desk.support_catalogue()
    for n in range(how_many):
        clock.now = DEMO_NOW + timedelta(minutes=n)
        draft = RequestDraft(
            customer=contoso if n % 3 == 0 else woodgrove,
            topic=catalogue.topics[0],
            severity=Severity.MINIMAL,
            title=f"Request {n:02d}",
            description="Filed to fill the list.",
            contact=Contact("Ana Bowman", "ana@contoso.example"),
        )
        await bot.desk.file_request(draft, f"{n:032x}", "Ana Bowman")
    return bot, contoso


async def test_requests_says_how_many_of_all_and_pages_through_every_one() -> None:
    bot, _ = await _bot_with_requests(26)
    first = await bot.one("requests")
    text = visible_text(first)
    assert "10 of 26 requests · latest update first · page 1 of 3" in text
    assert [b.title for b in buttons(first) if "page" in b.title] == ["Next page"]
    seen = [NUMBER.findall(text)]
    second = (await bot.press(button(first, "Next page")))[0]
    assert "10 of 26 requests · latest update first · page 2 of 3" in visible_text(second)
    seen.append(NUMBER.findall(visible_text(second)))
    third = (await bot.press(button(second, "Next page")))[0]
    assert "6 of 26 requests · latest update first · page 3 of 3" in visible_text(third)
    assert "Next page" not in [b.title for b in buttons(third)]
    seen.append(NUMBER.findall(visible_text(third)))
    assert [len(page) for page in seen] == [10, 10, 6]
    every = [n for page in seen for n in page]
    assert len(set(every)) == 26, "each request on exactly one page"
    assert sorted(every) == sorted(r.number for r in await bot.desk.recent_requests(limit=100))
    back = (await bot.press(button(third, "Previous page")))[0]
    assert NUMBER.findall(visible_text(back)) == seen[1]


async def test_one_customers_requests_page_within_that_customer() -> None:
    bot, contoso = await _bot_with_requests(34)
    first = await bot.one("requests contoso")
    assert "10 of 12 requests · latest update first · page 1 of 2" in visible_text(first)
    second = (await bot.press(button(first, "Next page")))[0]
    text = visible_text(second)
    assert text.startswith("Service requests · Contoso Ltd")
    assert "2 of 12 requests" in text and "Woodgrove" not in text


async def test_a_page_that_fits_says_just_how_many_and_offers_no_paging() -> None:
    bot, _ = await _bot_with_requests(10)
    reply = await bot.one("requests")
    assert "10 requests · latest update first" in visible_text(reply)
    assert not [b for b in buttons(reply) if "page" in b.title]


async def test_korean_pages_say_how_many_of_all() -> None:
    bot, _ = await _bot_with_requests(26, locale="ko-KR")
    first = await bot.one("요청목록")
    assert "요청 26건 중 10건 · 최근 업데이트순 · 3페이지 중 1페이지" in visible_text(first)
    second = (await bot.press(button(first, "다음 페이지")))[0]
    assert "3페이지 중 2페이지" in visible_text(second)


class _Uncountable:
    """The bot's desk, except that counting its open requests fails as a busy upstream does."""

    def __init__(self, inner: ServiceRequestDesk) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def open_request_counts(self, customers: object = None) -> OpenRequestCounts:
        raise UpstreamUnavailable("Azure Support", Phrase("doing.read_requests", (("customer", "x"),)))


async def test_open_requests_that_cant_be_counted_leave_the_list_without_its_chart_saying_why(
    each_live_world: LiveWorld | None,
) -> None:
    """On the live desk Azure Support refuses the list of Northwind's tickets (each ticket can still be
    read); on the demo desk counting fails as a busy upstream would. The list is there either way."""
    backend = harness.default_backend()
    first = BotHarness(backend=backend)
    northwind = next(c for c in await backend.list_customers() if c.name == "Northwind Traders")
    catalogue = await first.desk.support_catalogue()
    topic = catalogue.topics[-1] if each_live_world else catalogue.topics[0]
    numbers = []
    for n in range(3):
        draft = RequestDraft(
            northwind, topic, Severity.CRITICAL, f"VMs down {n}", "No answer.", Contact("Ana", "a@b.example")
        )
        numbers.append((await first.desk.file_request(draft, f"{n:032x}", "Ana")).request.number)
    if each_live_world:
        each_live_world.azure_support.fail(
            403, "AuthorizationFailed", times=10, path_contains="supportTickets?"
        )
        bot = first
        reason = "Azure Support refused"
    else:
        desk = _Uncountable(first.desk)
        bot = BotHarness(backend=backend, desk=desk, database=first.database)  # type: ignore[arg-type]
        reason = "Microsoft isn't answering"
    text = visible_text(await bot.one("requests"))
    assert "3 requests · latest update first" in text
    assert all(number in text for number in numbers), "the list, whatever the chart"
    assert f"Open requests by status and severity: not counted just now ({reason}" in text
