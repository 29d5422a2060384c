"""Conversations with someone whose Teams runs in Korean, in Seoul; and the `language` command."""

from __future__ import annotations

import re

import pytest

from tests.dialogs.test_escalation_dialog import FILED, Conversation
from tests.doubles.backends import BrokenBackend
from tests.support.harness import BotHarness, demo_backend
from tests.support.visible import button, visible_text

pytestmark = pytest.mark.usefixtures("each_backend")


def seoul() -> BotHarness:
    return BotHarness(locale="ko-KR", time_zone="Asia/Seoul")


async def test_help_in_korean_lists_the_korean_commands() -> None:
    bot = seoul()
    reply = await bot.one("도움말")
    text = visible_text(reply)
    assert text.startswith("Support Bot 명령어")
    for usage in (
        "상태 <고객>",
        "장애 <고객> [서비스] [전체]",
        "장애상세 <ID>",
        "고객 [검색]",
        "에스컬레이션 [고객]",
        "구독 <고객",
    ):
        assert usage in text
    tried = await bot.press(button(reply, "해 보기: 상태 contoso"))
    assert visible_text(tried[0]).startswith("서비스 상태 · Contoso Ltd")


async def test_health_in_korean_shows_kst_times_and_korean_words() -> None:
    text = visible_text(await seoul().one("상태 contoso"))
    lines = text.splitlines()
    assert lines[0] == "서비스 상태 · Contoso Ltd"
    assert lines[1] == "contoso.onmicrosoft.com · 진행 중인 장애 3건 · 2026. 11. 24. 18:00 KST 기준"
    assert "Exchange Online | 중단 | 진행 중인 장애 1건" in lines
    assert "✓ 서비스 7개 정상" in lines


@pytest.mark.parametrize(
    "typed", ["contoso 상태 어때?", "contoso의 상태는 어때요?", "상태 CONTOSO", "@Support Bot 상태 contoso"]
)
async def test_korean_phrasings_ask_for_health(typed: str) -> None:
    mention = typed.startswith("@")
    reply = await seoul().one(typed.removeprefix("@Support Bot "), mention=mention)
    assert visible_text(reply).startswith("서비스 상태 · Contoso Ltd")


async def test_a_korean_customer_named_in_korean() -> None:
    text = visible_text(await seoul().one("한빛 물류 상태 어때?"))
    assert text.startswith("서비스 상태 · 한빛")


async def test_not_understood_is_said_in_korean_with_the_help_card() -> None:
    text = visible_text(await seoul().one("프로브니케이트"))
    assert text.startswith("'프로브니케이트'(을)를 이해하지 못했습니다.")
    assert "Support Bot 명령어" in text


async def test_which_customer_is_asked_in_korean() -> None:
    text = visible_text(await seoul().one("상태"))
    assert "어느 고객인가요?" in text and "상태 Contoso Ltd" in text


async def test_language_command_switches_and_is_remembered() -> None:
    bot = BotHarness(locale="en-US")
    assert "이제부터 한국어로" in visible_text(await bot.one("언어 한국어"))
    assert visible_text(await bot.one("health contoso")).startswith("서비스 상태 · Contoso Ltd")
    assert "English" in visible_text(await bot.one("language en"))
    assert visible_text(await bot.one("상태 contoso")).startswith("Service health · Contoso Ltd")


async def test_language_without_a_known_language_asks_which() -> None:
    assert "언어 한국어" in visible_text(await BotHarness().one("language klingon"))


async def test_without_a_time_zone_times_are_utc() -> None:
    text = visible_text(await BotHarness(locale="ko-KR").one("상태 contoso"))
    assert "2026. 11. 24. 09:00 UTC 기준" in text
    assert "시간은 UTC 기준입니다: Teams가 시간대를 알려 주지 않았습니다." in text


async def test_english_teams_still_gets_english() -> None:
    bot = BotHarness(locale="en-US", time_zone="Asia/Seoul")
    text = visible_text(await bot.one("health contoso"))
    assert "as of 24 Nov 2026 18:00 KST" in text and "Times are in UTC" not in text


async def test_an_error_is_explained_in_korean() -> None:
    text = visible_text(await seoul().one("장애 EX9999999"))
    assert "장애를 찾을 수 없음" in text
    assert "어느 고객 테넌트에서도 장애 EX9999999을(를) 찾지 못했습니다." in text


async def test_customers_in_korean() -> None:
    text = visible_text(await seoul().one("고객 fabrikam"))
    assert text.startswith("'fabrikam'와(과) 일치하는 고객\n고객 2곳")


async def test_an_ambiguous_customer_is_asked_about_in_korean() -> None:
    text = visible_text(await seoul().one("상태 fabrikam"))
    assert text.startswith("'fabrikam'(은)는 어느 고객인가요?")
    assert "서비스 상태를 볼 고객을 하나 고르세요." in text


async def test_a_typo_is_answered_in_korean() -> None:
    text = visible_text(await seoul().one("장애 contsoo"))
    assert text.startswith("'contsoo'(이)라는 고객을 모릅니다.")


async def test_incidents_of_a_korean_customer_asked_in_korean() -> None:
    text = visible_text(await seoul().one("한빛 물류 장애 보여줘"))
    assert text.startswith("진행 중인 장애 · 한빛 물류")
    assert "21시간 전 시작 · 2시간 전 업데이트" in text


async def test_one_incident_in_korean_with_kst_times() -> None:
    bot = seoul()
    text = visible_text(await bot.one("장애 EX1100014"))
    assert "분류: 장애" in text and "시작: 2026. 11. 23. 13:00 KST (1일 전)" in text
    assert "타임라인" in text


# Words a Korean conversation may still show in Latin letters: names and ids Microsoft and the customer
# chose, the commands' own English aliases the cards quote, and the request's typed content.
LATIN_ALLOWED = {
    "contoso",  # the example address the contact question gives
    "com",
    "northwind",
    "traders",
    "exchange",
    "online",
    "mailbox",
    "access",
    "ana",
    "bowman",
    "example",
    "vm",
    "linux",
    "connectivity",
    "cannot",
    "connect",
    "sr",
    "kst",
    "microsoft",
    "partner",
    "center",
}


def english_words(text: str, names: set[str]) -> set[str]:
    """Latin-letter words in the bot's text that aren't names, ids or typed content."""
    allowed = LATIN_ALLOWED | {w.casefold() for n in names for w in re.findall(r"[A-Za-z]{2,}", n)}
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w.casefold() not in allowed}


async def test_the_whole_escalation_in_korean_files_once_and_speaks_only_korean(each_backend: str) -> None:
    product = FILED[each_backend]
    chat = Conversation(seoul())
    said = [await chat.say("에스컬레이션 northwind")]
    assert "어느 제품에 문제가 있나요?" in said[-1] and "질문 1" in said[-1]
    said.append(await chat.say(product.typed))
    assert f"{product.product}의 어느 주제가 가장 가깝나요?" in said[-1]
    said.append(await chat.say(product.topic_typed))
    assert "심각도는 어느 정도인가요?" in said[-1] and "Microsoft 첫 응답: 1시간 이내." in said[-1]
    said.append(await chat.say("급함"))
    assert "'급함'은(는) 선택지에 없습니다." in said[-1], "a wrong answer is explained in Korean"
    said.append(await chat.say("보통"))
    assert "요청의 짧은 제목을 입력하세요" in said[-1]
    said.append(await chat.say("뒤로"))
    assert "심각도는 어느 정도인가요?" in said[-1], "뒤로 goes one question back"
    said.append(await chat.say("2"))
    said.append(await chat.say("공유 사서함이 열리지 않음"))
    assert "문제를 설명해 주세요" in said[-1]
    said.append(await chat.say("오늘 아침부터 사용자 40명이 공유 사서함을 열 때 오류가 납니다."))
    assert "Microsoft가 누구에게 연락해야 하나요?" in said[-1]
    said.append(await chat.say("Ana Bowman ana.bowman@northwind.example"))
    assert "Microsoft가 전화할 번호를 입력하세요(선택)." in said[-1]
    summary = await chat.say("건너뛰기")
    said.append(summary)
    for line in (
        "접수하기 전에 요청을 확인하세요",
        "고객 Northwind Traders",
        "심각도 보통",
        ": 접수]",
        ": 취소]",
    ):
        assert line in summary, line
    receipt = await chat.press("접수")
    said.append(receipt)
    assert receipt.startswith("서비스 요청이 접수되었습니다") and "상태 접수됨" not in receipt
    assert len(await chat.filed()) == 1
    catalogue = await chat.bot.desk.support_catalogue()
    names = {*catalogue.products, *(topic.name for topic in catalogue.topics)}
    assert english_words("\n".join(said), names) == set(), "every word the bot wrote is Korean"


async def test_cancelling_in_korean_files_nothing() -> None:
    chat = Conversation(seoul())
    await chat.say("에스컬레이션")
    assert await chat.say("취소") == "취소했습니다. 아무것도 접수되지 않았습니다."
    assert await chat.filed() == []


async def test_overview_in_korean() -> None:
    text = visible_text(await seoul().one("개요"))
    assert text.startswith("개요\n고객 22곳 중 5곳에 진행 중인 장애 · 심각한 순")
    assert "2026. 11. 24. 18:00 KST 기준" in text


async def test_subscribing_and_unsubscribing_in_korean() -> None:
    bot = seoul()
    subscribed = visible_text(await bot.one("구독 contoso"))
    assert subscribed.startswith(
        "구독함\n이 채널에서 이제 다음 알림을 받습니다: Contoso Ltd · 모든 서비스 · 장애."
    )
    listed = visible_text(await bot.one("구독목록"))
    assert listed.startswith("구독목록\n이 채널에서 받는 알림: 구독 1개")
    gone = visible_text(await bot.one("구독취소 contoso"))
    assert gone.startswith(
        "구독 취소됨\n이 채널에서 더 이상 Contoso Ltd 알림을 받지 않습니다. 이제 구독 중인 것이 없습니다."
    )
    assert visible_text(await bot.one("구독취소 contoso")).startswith("구독하지 않음")


async def test_quiet_in_korean_says_until_when_in_kst() -> None:
    text = visible_text(await seoul().one("조용히 1"))
    assert text == (
        "조용히\n이 채널은(는) 2026. 11. 24. 19:00 KST까지 조용히 합니다. "
        "그때까지 알림을 보류했다가 요약 하나로 보냅니다."
    )


async def test_service_requests_in_korean() -> None:
    text = visible_text(await seoul().one("요청목록"))
    assert text.startswith("서비스 요청\n요청 0건 · 최근 업데이트순")


async def test_an_unexpected_error_is_apologised_for_in_korean() -> None:
    bot = BotHarness(backend=BrokenBackend(demo_backend()), locale="ko-KR")
    text = visible_text(await bot.one("상태 contoso"))
    assert text.startswith("제 쪽에서 문제가 생겼습니다\n다시 시도해 주세요.")
    assert "참조: " in text and "Traceback" not in text


async def test_an_incident_without_its_id_is_asked_for_in_korean() -> None:
    text = visible_text(await seoul().one("incident"))
    assert text.splitlines() == [
        "어느 장애인가요?",
        "'장애 EX1100014'처럼 장애 ID를 알려 주세요. "
        "'장애 <고객>'을 입력하면 고객의 장애가 ID와 함께 나옵니다.",
        "[1: 고객 목록]",
    ]


async def test_a_tampered_button_is_refused_in_korean() -> None:
    replies = await seoul().submit({"action": "no-such-action", "x": 1})
    assert visible_text(replies[0]).endswith(
        "이 버튼이 보낸 내용을 이해하지 못했습니다. 오래된 카드일 수 있습니다. '도움말'을 입력하세요."
    )


async def test_the_request_commands_explain_themselves_with_their_korean_names() -> None:
    bot = seoul()
    assert visible_text(await bot.one("메모")) == "메모는 이렇게 추가합니다: 메모 <SR 번호> <내용>."
    linked = visible_text(await bot.one("연결"))
    assert linked.startswith("어느 요청인가요?\n넘겨준 요청은 이렇게 연결합니다: 연결 <참조 번호> <SR 번호>.")
    assert visible_text(await bot.one("알림")).startswith("최근 알림\n아직 알림이 없습니다.")


async def test_an_escalation_for_a_customer_not_found_suggests_in_korean() -> None:
    text = visible_text((await seoul().say("에스컬레이션 contsoo"))[0])
    assert "'contsoo'(이)라는 고객을 모릅니다." in text
    without_domains = re.sub(r"\S+\.\S+", "", text)
    assert english_words(without_domains, {"Contoso Ltd", "Contoso Pharmaceuticals", "contsoo"}) == set(), (
        text
    )
