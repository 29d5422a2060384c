"""One rule at every question of every guided flow (dialogs/root.py): a message interrupts only when it is
a complete command with valid arguments.

At every question of the escalation and of `setup`, in English and in Korean, messages that begin with
every word a command or the help answers to (pasted paragraphs, commands with arguments that name nothing)
are taken as an attempt at the answer: at a question of choices they are matched against the choices and,
matching none, the question is asked again saying why; at a free-text question the validator answers. The
flow carries on from there and nothing is filed. A complete command with valid arguments (`health contoso`,
`requests`) still runs at a question of choices, with the offer to pick up where the flow was; at a
free-text question it is asked about once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from bot.turn.commands import COMMANDS, parse
from cards.parts import echo
from locales.translator import Translator
from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.harness import BotHarness

# Every conversation runs on the demo backend, then on the live one against the doubles.
pytestmark = pytest.mark.usefixtures("each_backend")

CHANNEL = "19:support@thread.tacv2"

# A pasted paragraph for every word a command or the help answers to, as a support engineer types one at
# a question ('How severe is it?', 'Incidents, advisories, or both?') while the customer is on the phone.
PARAGRAPHS = {
    "en": (
        "health is bad for everyone since this morning, users can't log in to Outlook or Teams",
        "status of the mail flow is unclear, half the office gets NDRs since 08:00",
        "check with Microsoft please, mail has been stuck in the queue for two hours",
        "incidents everywhere!!",
        "signout keeps failing on the shared laptops, Outlook asks for the password again every hour",
        "logout happens every ten minutes for people on the VPN since yesterday's update",
        "issues with calendar sharing started after yesterday's change, nobody sees free/busy",
        "outages like this one cost us a full morning last month as well",
        "incident from last week is back: mailboxes won't open in Outlook on the web",
        "changes to the mail flow rules last night broke delivery to the sales team",
        "change of the MX record went through an hour ago and mail still bounces",
        "messages stuck in the outbox since 08:00 for everyone on the third floor",
        "roadmap item about the new Outlook rolled out early and users can't find their folders",
        "customers are calling nonstop, their mail is delayed by an hour",
        "customer says it's urgent, the CEO can't send mail",
        "clients in the Vienna office get error 0x8004010F on shared mailboxes",
        "escalate this fast please, 300 users are affected",
        "escalation needed, it's been down for two hours and the CEO is asking",
        "ticket should be high priority, nobody can work",
        "requests from users pile up, I'd say it's pretty bad",
        "srs we filed last time took days to get an answer",
        "tickets for this are coming in from every site",
        "request came from the CEO's assistant, she can't open the boardroom calendar",
        "sr number from last time was 2611240010000001 but this is a new problem",
        "note that the problem started right after the tenant migration",
        "comment from the customer: 'nothing works since 9am'",
        "link to the incident in the admin center is in the email I sent",
        "overview of the impact: 120 users, 3 sites, no workaround",
        "dashboard in the admin center shows everything green, but it isn't",
        "summary: mail is down for the whole company",
        "subscribe me to updates on this one, it's bad",
        "follow up with Microsoft as soon as you can, the whole sales team is blocked",
        "watch out, this affects our largest customer",
        "setup of the new mailboxes failed, users see a blank inbox",
        "set-up wizard for the hybrid connector crashed halfway",
        "export of the mailbox to PST stops at 40 percent",
        "import of the contacts CSV fails with an encoding error",
        "subscriptions for the E5 licences expired this morning and users lost mail",
        "subscribed users in the finance group can't get mail",
        "following the update last night nothing syncs anymore",
        "unsubscribe links in our newsletter bounce back with 550",
        "unfollow did nothing, people still see the site in their feed",
        "unwatch requests in Defender fail with an error",
        "quiet period is over, users are back and nothing works",
        "mute buttons in Teams meetings don't respond for guests",
        "snooze in Outlook lost every snoozed mail since yesterday",
        "notices from Microsoft said it was fixed but it isn't",
        "notifications on phones stopped completely for the whole company",
        "alerts from Defender flagged every inbound message as phishing",
        "audit logs show nothing for the last 6 hours",
        "language settings switched to German for everyone overnight",
        "lang packs don't install, the Korean office sees English menus",
        "help, the whole company is down and I don't know which one to pick",
        "? not sure which one fits, mail is just very slow for everyone",
        "commands in Teams don't show up for anyone in the channel",
        "hi, it's really bad, nobody can work",
        "hello, I'm not sure, maybe critical? people can still use their phones",
        "hey can you just file it as the worst one",
        "start of the outage was 08:12, still going",
        "owner of the shared mailbox left the company and nobody can manage it now",
        "owners of the sales team can't add guests anymore",
        "assign licences fails with an error for every new user",
        "mine crashed too, my Outlook won't start either",
    ),
    "ko": (
        "로그아웃 문제가 계속 발생합니다, 사용자들이 한 시간마다 다시 로그인해야 해요",
        "사인아웃 후에 Teams가 다시 열리지 않는다는 문의가 오전 내내 들어왔습니다",
        "상태 페이지는 정상인데 오늘 아침부터 모든 사용자가 Outlook에 로그인하지 못합니다",
        "장애 또 났어요!! 본사 전체가 메일을 못 받습니다",
        "인시던트 번호는 모르겠고 영업팀 전체가 일을 못 하고 있습니다",
        "장애상세 페이지에는 해결됨으로 나오는데 여전히 안 됩니다",
        "변경 작업 이후로 메일이 한 통도 들어오지 않습니다",
        "변경사항 적용 후 사용자들이 공유 사서함을 열지 못합니다",
        "메시지센터 공지는 못 봤는데 지금 다들 로그인이 안 됩니다",
        "변경상세 내용은 모르겠지만 어제부터 Outlook 폴더가 사라졌어요",
        "고객 세 곳에서 계속 전화가 옵니다. 메일이 한 시간씩 늦게 옵니다",
        "에스컬레이션 빨리 부탁드립니다, 300명이 영향을 받습니다",
        "요청목록 보니 지난번 건이 아직 열려 있는데 이번 건은 새 문제입니다",
        "요청 드린 대로 다시 확인했는데 여전히 로그인이 안 됩니다",
        "메모: 테넌트 마이그레이션 직후부터 문제가 시작됐습니다",
        "연결 계속 끊겨서 Teams 회의를 할 수 없습니다",
        "개요: 사용자 120명, 사업장 3곳, 우회 방법 없음",
        "구독 갱신 후에 사용자들이 메일을 받지 못합니다",
        "설정 바꾼 적이 없는데 갑자기 전부 안 됩니다",
        "내보내기 하면 메일함 PST 파일이 비어 있습니다",
        "가져오기 중에 연락처 CSV 인코딩 오류가 납니다",
        "구독목록 화면도 열리지 않습니다",
        "구독취소 링크가 550으로 반송됩니다",
        "조용히 넘어갈 문제가 아닙니다, 회사 전체가 멈췄어요",
        "알림 휴대폰에서 완전히 멈췄습니다",
        "감사 로그에 지난 6시간 동안 아무것도 없습니다",
        "언어 설정이 밤사이 모두 독일어로 바뀌었습니다",
        "도움말 봐도 어느 것을 골라야 할지 모르겠습니다",
        "안녕, 정말 심각합니다. 아무도 일을 못 해요",
        "담당지정 된 관리자도 로그인이 안 됩니다",
        "담당자 연락이 안 됩니다, 급합니다",
        "내고객 포털에서도 같은 오류가 납니다",
        "내 고객 포털에서도 로그인이 반복됩니다",
    ),
}

# Commands whose arguments name nothing, and natural phrasings that only start like a command.
INCOMPLETE = {
    "en": (
        "health nosuchcustomer blah blah",
        "incidents for nobody we know",
        "customers zzzz",
        "escalate for nosuch",
        "request 12345",
        "note 999 the customer called again",
        "link E123 456",
        "subscribe nosuch advisories",
        "quiet 0.5",
        "quiet 100 hours",
        "audit everything",
        "language klingon",
        "owner nosuch none",
        "owners nobody we know",
        "file a ticket for this please",
        "is anyone else seeing this?",
    ),
    "ko": (
        "상태 없는고객 확인",
        "장애 아무도없음",
        "고객 없는회사",
        "요청 123",
        "구독 없는고객 권고",
        "조용히 100",
        "언어 클링온",
        "담당지정 없는고객 없음",
    ),
}

# Complete commands with valid arguments, and what running each shows.
COMPLETE = {
    "en": (
        ("health contoso", "Service health · Contoso Ltd"),
        ("requests", "Service requests"),
        ("customers contoso", "Customers matching 'contoso'"),
        ("incidents fabrikam inc", "Fabrikam, Inc."),
        ("overview", "Overview"),
        ("how is northwind doing?", "Service health · Northwind Traders"),
    ),
    "ko": (
        ("상태 한빛", "한빛 물류 (Hanbit Logistics)"),
        ("요청목록", "서비스 요청"),
        ("고객 contoso", "Contoso Ltd"),
        ("개요", "진행 중인 장애 · 심각한 순"),
    ),
}

# The word that starts each flow, in the reader's language.
STARTS = {
    "en": {"escalate": "escalate", "setup": "setup"},
    "ko": {"escalate": "에스컬레이션", "setup": "설정"},
}
TO_THE_TITLE = ("escalate for northwind", "exchange", "1", "3")
TO_THE_SUMMARY = (*TO_THE_TITLE, "Mail is slow", "Mail takes an hour.", "ana@northwind.example", "skip")
SETUP_TO_THE_SUMMARY = ("setup", "contoso", "exchange", "3", "none", "skip")


@dataclass(frozen=True)
class Question:
    """How to reach a question (typed), the catalogue ids of what shows it is asked and what says an
    answer was refused (any one of them), a real answer and the id of what follows it."""

    path: tuple[str, ...]
    asked: str
    refusals: tuple[str, ...]
    answer: str
    then: str
    free_text: bool = False
    # The customer question answers a miss with the customers it could mean, not with itself.
    asked_again: bool = True


QUESTIONS = {
    "escalation customer": Question(
        ("escalate",),
        "escalation.ask_customer",
        ("did_you_mean.unknown", "did_you_mean.question", "escalation.too_long"),
        "northwind",
        "escalation.ask_product",
        asked_again=False,
    ),
    "escalation product": Question(
        TO_THE_TITLE[:1],
        "escalation.ask_product",
        ("escalation.unknown_choice",),
        "exchange",
        "escalation.ask_topic",
    ),
    "escalation guard": Question(
        ("escalate for contoso", "exchange"),
        "escalation.guard_question",
        ("escalation.unknown_choice",),
        "1",
        "escalation.ask_topic",
    ),
    "escalation topic": Question(
        TO_THE_TITLE[:2],
        "escalation.ask_topic",
        ("escalation.unknown_topic",),
        "1",
        "escalation.ask_severity",
    ),
    "escalation severity": Question(
        TO_THE_TITLE[:3],
        "escalation.ask_severity",
        ("escalation.unknown_choice",),
        "3",
        "escalation.ask_title",
    ),
    "escalation contact": Question(
        TO_THE_SUMMARY[:6],
        "escalation.ask_contact",
        ("escalation.bad_email",),
        "ana@northwind.example",
        "escalation.ask_phone",
        free_text=True,
    ),
    "escalation phone": Question(
        TO_THE_SUMMARY[:7],
        "escalation.ask_phone",
        ("escalation.bad_phone",),
        "skip",
        "escalation_card.summary_title",
        free_text=True,
    ),
    "escalation summary": Question(
        TO_THE_SUMMARY,
        "escalation_card.summary_title",
        ("escalation.unknown_choice",),
        "back",
        "escalation.ask_phone",
    ),
    "setup customers": Question(
        SETUP_TO_THE_SUMMARY[:1],
        "setup.ask_customers",
        ("setup.unknown_customer",),
        "contoso",
        "setup.ask_services",
        free_text=True,
    ),
    "setup services": Question(
        SETUP_TO_THE_SUMMARY[:2],
        "setup.ask_services",
        ("setup.unknown_service",),
        "exchange",
        "setup.ask_kinds",
        free_text=True,
    ),
    "setup kinds": Question(
        SETUP_TO_THE_SUMMARY[:3], "setup.ask_kinds", ("escalation.unknown_choice",), "3", "setup.ask_quiet"
    ),
    "setup quiet": Question(
        SETUP_TO_THE_SUMMARY[:4],
        "setup.ask_quiet",
        ("quiet.hours",),
        "2",
        "setup.ask_owners",
        free_text=True,
    ),
    "setup owners": Question(
        SETUP_TO_THE_SUMMARY[:5],
        "setup.ask_owners",
        ("setup.no_mention",),
        "skip",
        "setup.summary_title",
        free_text=True,
    ),
    "setup summary": Question(
        SETUP_TO_THE_SUMMARY,
        "setup.summary_title",
        ("escalation.unknown_choice",),
        "back",
        "setup.ask_owners",
    ),
}
CHOICE_QUESTIONS = [name for name, q in QUESTIONS.items() if not q.free_text]
FREE_TEXT_QUESTIONS = [name for name, q in QUESTIONS.items() if q.free_text]
# What a command's run, the offer to switch, the 'answer or command?' question and a flow's explanation
# show: none of them may answer a message that isn't a complete command.
INTERRUPTIONS = (
    "escalation.resume_offer",
    "setup.resume_offer",
    "switch.text",
    "meaning.text",
    "escalation.help_footer",
)


def _literal(t: Translator, message_id: str) -> str:
    """The longest part of a message without placeholders, as it shows whatever fills them."""
    return max((part.strip() for part in re.split(r"\{[^}]*\}", t(message_id))), key=len)


def _first_word(text: str) -> str:
    return text.split()[0].rstrip(":,!").casefold()


def _words(language: str) -> set[str]:
    """The words a command or the help answers to, in one language's catalogue (English: and its name)."""
    t = Translator(language)
    words = {w.strip().casefold() for c in COMMANDS for w in t(f"command.{c.name}.words").split(",")}
    return words | ({c.name for c in COMMANDS} if language == "en" else set())


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_paragraphs_start_with_every_word_a_command_or_the_help_answers_to(language: str) -> None:
    # A word of two ('내 고객') is the start of a paragraph, not its first word.
    missing = {
        w
        for w in _words(language)
        if not any(_first_word(p) == w or p.casefold().startswith(f"{w} ") for p in PARAGRAPHS[language])
    }
    assert not missing, f"add a realistic {language} paragraph starting with each of {sorted(missing)}"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_every_row_reads_as_a_command_a_flow_could_be_interrupted_by(language: str) -> None:
    # A row that isn't recognised as a command proves nothing about interruptions ('?' is cleaned away,
    # so its paragraph is a plain answer either way).
    for text in PARAGRAPHS[language] + INCOMPLETE[language]:
        assert parse(text) is not None or text.startswith("?"), text


async def _at(question: Question, language: str) -> tuple[Conversation, Translator]:
    chat = Conversation(BotHarness(locale="ko-KR" if language == "ko" else None))
    first, *rest = question.path
    word, _, argument = first.partition(" ")
    await chat.say(" ".join([STARTS[language][word], argument]).strip())
    for text in rest:
        await chat.say(text)
    t = Translator(language)
    assert _literal(t, question.asked) in chat.text, f"reached {question.asked}"
    return chat, t


async def _nothing_happened(chat: Conversation) -> None:
    assert await chat.filed() == [], "nothing filed"
    assert await chat.bot.notifications.subscriptions.of_conversation(CHANNEL) == [], "nothing subscribed"


async def _carries_on(chat: Conversation, question: Question, t: Translator) -> None:
    """The question is still open: its real answer is taken and the next question follows."""
    assert _literal(t, question.then) in await chat.say(question.answer), "the flow carries on"
    await _nothing_happened(chat)


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("name", list(QUESTIONS))
async def test_a_message_that_is_not_a_complete_command_is_an_answer_attempt(
    name: str, language: str
) -> None:
    question = QUESTIONS[name]
    chat, t = await _at(question, language)
    for text in PARAGRAPHS[language] + INCOMPLETE[language]:
        reply = await chat.say(text)
        assert any(_literal(t, refusal) in reply for refusal in question.refusals), f"{text!r}: {reply}"
        if question.refusals == ("escalation.unknown_choice",):
            assert t("escalation.unknown_choice", value=echo(text)) in reply, f"{text!r}: {reply}"
        if question.asked_again:
            assert _literal(t, question.asked) in reply, f"{text!r}: the question again"
        for interruption in INTERRUPTIONS:
            assert _literal(t, interruption) not in reply, f"{text!r} interrupted: {reply}"
        await _nothing_happened(chat)
    await _carries_on(chat, question, t)


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("name", CHOICE_QUESTIONS)
async def test_a_complete_command_at_a_choice_question_runs_and_the_flow_picks_up(
    name: str, language: str
) -> None:
    question = QUESTIONS[name]
    chat, t = await _at(question, language)
    offer = "setup.resume_offer" if name.startswith("setup") else "escalation.resume_offer"
    for text, shows in COMPLETE[language]:
        ran = await chat.say(text)
        assert shows in ran and _literal(t, offer) in ran, f"{text!r}: {ran}"
        assert _literal(t, question.asked) in await chat.say(t("escalation.resume")), "the same question"
    assert _literal(t, question.asked) in await chat.say("help"), "a bare 'help' explains the question"
    await _carries_on(chat, question, t)


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("name", FREE_TEXT_QUESTIONS)
async def test_a_complete_command_at_a_free_text_question_is_asked_about(name: str, language: str) -> None:
    question = QUESTIONS[name]
    chat, t = await _at(question, language)
    for text, shows in COMPLETE[language]:
        asked = await chat.say(text)
        assert t("meaning.text", text=echo(text)) in asked and shows not in asked, f"{text!r}: {asked}"
        assert _literal(t, question.asked) in await chat.say(t("escalation.resume")), "the same question"
    await _carries_on(chat, question, t)


@pytest.mark.parametrize("flow", ["escalate", "setup"])
async def test_the_same_flow_named_completely_offers_to_switch_at_a_choice_question(flow: str) -> None:
    question = QUESTIONS["escalation severity" if flow == "escalate" else "setup kinds"]
    chat, t = await _at(question, "en")
    command = "escalate woodgrove" if flow == "escalate" else "setup"
    assert t("switch.text", in_progress="", command=command).strip() in await chat.say(command)
    assert _literal(t, question.asked) in await chat.say("1"), "carry on: the same question"
    await _carries_on(chat, question, t)
