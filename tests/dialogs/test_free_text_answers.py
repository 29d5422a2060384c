"""At a question that takes free text, the text is the answer (dialogs/root.py).

Titles and descriptions start with every word a command or the help answers to, in English and Korean:
each is taken as the answer. Only the steering words alone steer; a message that is also a complete
command with valid arguments is asked about once, and both answers to that question work, typed or
pressed, with the dialog kept either way.
"""

from __future__ import annotations

import pytest

from bot.turn.commands import COMMANDS
from dialogs.root import steering_words
from locales.translator import LANGUAGES, Translator
from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.harness import BotHarness

# Realistic titles (at most 100 characters), each starting with a word a command or the help answers to.
TITLES = (
    "Health check endpoint returns 503 for all users",
    "Setup of Microsoft Authenticator fails on new phones",
    "Set-up wizard in the admin center hangs at step 3",
    "설정 화면에서 보존 정책을 저장할 수 없습니다",
    "Export to PST stops at 40 percent for large mailboxes",
    "Import of the contacts CSV fails with an encoding error",
    "내보내기 후 PST 파일이 비어 있습니다",
    "가져오기 중 연락처 CSV 인코딩 오류",
    "장애상세 페이지가 관리 센터에서 비어 있습니다",
    "Changes to retention policies are not applied",
    "Change of primary SMTP address fails for shared mailboxes",
    "Messages to external recipients stay in the outbox",
    "Roadmap feature for meeting recaps missing for licensed users",
    "변경 후 공유 사서함이 열리지 않습니다",
    "변경사항 관리 센터에 저장되지 않음",
    "변경상세 기록이 감사 로그에 없습니다",
    "메시지센터 알림 메일이 오지 않습니다",
    "Status page shows green but mail is down",
    "Check printing from Outlook fails with error 0x80070005",
    "Incidents keep recurring in Exchange after every patch",
    "Issues with Teams calls since this morning",
    "Outages in Outlook on the web every afternoon",
    "Incident response mailbox stopped receiving mail",
    "Customers can't join meetings",
    "Customer portal sign-in loops back to the login page",
    "Clients get error 0x8004010F when opening shared mailboxes",
    "Escalate to Microsoft: mailbox migration stuck at 95%",
    "Escalation path for the Exchange hybrid outage is unclear",
    "Ticket attachments are rejected as too large",
    "Requests to the Graph API time out",
    "SRs opened last week show no updates",
    "Tickets from the helpdesk mailbox go missing",
    "Request to restore a deleted mailbox",
    "SR for the licence issue was never assigned",
    "Note: users in Korea see garbled subjects",
    "Comment field in Planner doesn't save",
    "Link sharing fails for external guests",
    "Overview dashboard in the admin center is blank",
    "Dashboard tiles don't load in Power BI",
    "Summary emails from Viva stopped arriving",
    "Subscribe button missing in Microsoft 365 Groups",
    "Follow button in Viva Engage does nothing",
    "Watch list in Defender shows no devices",
    "Subscriptions page in the admin center errors out",
    "Subscribed calendars don't sync to phones",
    "Following a site in SharePoint fails",
    "Unsubscribe links in newsletters return 404",
    "Unfollow doesn't remove the site from the list",
    "Unwatch option missing for shared channels",
    "Quiet hours in Teams don't silence notifications",
    "Mute button disabled in large meetings",
    "Snooze in Outlook moves mail to the wrong folder",
    "Notices from the service health dashboard are delayed",
    "Notifications stopped arriving on mobile",
    "Alerts from Defender are delayed by hours",
    "Audit log search returns no results",
    "Language of the Outlook UI switched to German",
    "Signout from Teams desktop loops back to the login page",
    "Logout of the SharePoint site signs users out of Outlook too",
    "Lang packs fail to install on new laptops",
    "Help desk can't reset passwords",
    "? marks replace Korean characters in subjects",
    "Commands in the Teams compose box don't show up",
    "Hi team, since 9am users cannot join meetings",
    "Hello, since 9am users cannot join meetings.",
    "Hey, Outlook keeps asking for the password",
    "Start menu search doesn't find the Office apps",
    "Owner of the shared mailbox left and nobody can manage it",
    "Owners of the sales team can't add guests",
    "Assign licences fails for new users",
    "Mine shows no data in the usage report",
    "담당지정 된 관리자도 로그인할 수 없습니다",
    "담당자 메일함에 메일이 도착하지 않습니다",
    "내고객 포털에서 같은 오류가 납니다",
    "내 고객 포털에서 로그인이 반복됩니다",
    "상태 표시줄에 연결 오류가 표시됩니다",
    "장애로 메일 수신이 지연됩니다",
    "장애상세 페이지에 나온 해결 방법을 적용했지만 여전히 로그인되지 않습니다",
    "인시던트 대응 사서함에 메일이 오지 않습니다",
    "고객이 회의에 참여할 수 없습니다",
    "고객 포털 로그인이 반복됩니다",
    "에스컬레이션 필요: 사서함 마이그레이션 중단",
    "요청목록 화면이 비어 있습니다",
    "요청 처리 후에도 사서함이 복원되지 않음",
    "메모 앱에서 동기화가 되지 않습니다",
    "연결 시간이 초과되어 Teams 통화가 끊깁니다",
    "개요 페이지에 데이터가 표시되지 않습니다",
    "구독 갱신 후 라이선스가 사라졌습니다",
    "구독목록 페이지에서 오류가 납니다",
    "구독취소 링크가 404를 반환합니다",
    "조용히 설정해도 알림이 계속 옵니다",
    "알림 배너가 표시되지 않습니다",
    "감사 로그 검색 결과가 비어 있습니다",
    "언어 설정이 영어로 바뀌었습니다",
    "로그아웃 후에도 Teams 세션이 유지됩니다",
    "사인아웃 버튼이 모바일 앱에서 보이지 않습니다",
    "도움말 페이지가 열리지 않습니다",
    "안녕, 오늘 아침부터 Teams 로그인이 안 됩니다",
    "안녕하세요, 9시부터 회의 참여가 안 됩니다",
)

# Longer descriptions that start the same way.
DESCRIPTIONS = (
    "Hello, since 9am users cannot join meetings. The client shows error 500 and the web app spins.",
    "Customers can't join meetings from the lobby link; internal users can. Started after the update.",
    "Help! Nobody in the Vienna office can send mail since 08:00, NDR 5.7.1 for every recipient.",
    "Start: 09:12. Outlook on the web shows 'Something went wrong' for 40 users in Sales.",
    "Requests to https://graph.microsoft.com/v1.0/users time out after 30 s for our sync job.",
    "Health check of the hybrid connector fails; the connector log shows certificate errors.",
    "안녕하세요. 오늘 오전 9시부터 서울 사무실 전체가 Teams 회의에 참여할 수 없습니다.",
    "장애 발생 이후 메일이 1시간씩 늦게 도착합니다. 외부 발신 메일만 해당됩니다.",
    "장애상세 페이지에 영향 받는 사용자 수가 0명으로 나오지만 실제로는 200명 이상이 접속하지 못합니다.",
    "요청 후 3일이 지났는데 사서함 복원이 진행되지 않습니다. 사용자 40명이 영향을 받습니다.",
    "감사 로그 내보내기가 0%에서 멈춥니다. 관리 센터에서 다시 시도해도 같습니다.",
)

TO_THE_TITLE = ("escalate for northwind", "exchange", "mail flow", "minimal")


def _first_word(text: str) -> str:
    return text.split()[0].rstrip(":,").casefold()


def test_the_table_starts_with_every_word_a_command_or_the_help_answers_to() -> None:
    words = {word.casefold() for c in COMMANDS for word in (c.name, *c.aliases)}
    # A word of two ('내 고객') is the start of a title, not its first word.
    missing = {
        w
        for w in words
        if not any(_first_word(t) == w or t.casefold().startswith(f"{w} ") for t in TITLES + DESCRIPTIONS)
    }
    assert not missing, f"add a realistic title starting with each of {sorted(missing)}"


async def _at(step: str, bot: BotHarness | None = None) -> Conversation:
    """A conversation at the title or description question."""
    chat = Conversation(bot)
    for answer in TO_THE_TITLE:
        await chat.say(answer)
    if step == "description":
        await chat.say("Mail is slow")
    assert ("Describe the problem" if step == "description" else "A short title") in chat.text
    return chat


@pytest.mark.parametrize("title", TITLES)
async def test_a_title_starting_with_a_command_word_is_the_title(title: str) -> None:
    chat = await _at("title")
    assert "Describe the problem" in await chat.say(title), "the next question, nothing else"
    await chat.say("Mail takes an hour to arrive.")
    await chat.say("ana@northwind.example")
    assert f"Title {title}" in await chat.say("skip")


@pytest.mark.parametrize("description", DESCRIPTIONS + TITLES[::7])
async def test_a_description_starting_with_a_command_word_is_the_description(description: str) -> None:
    chat = await _at("description")
    assert "Who should Microsoft contact?" in await chat.say(description), "the next question"
    await chat.say("ana@northwind.example")
    assert f"Description {description}" in await chat.say("skip")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("help", "One line that says what is broken"),
        ("Help.", "One line that says what is broken"),
        ("?", "One line that says what is broken"),
        ("도움말", "One line that says what is broken"),
        ("back", "How severe is it?"),
        ("뒤로", "How severe is it?"),
        ("cancel", "Cancelled. Nothing was filed."),
        ("취소", "Cancelled. Nothing was filed."),
        ("resume", "A short title"),
        ("이어서 진행", "A short title"),
    ],
)
async def test_the_steering_words_alone_steer_at_a_free_text_question(word: str, expected: str) -> None:
    chat = await _at("title")
    assert expected in await chat.say(word)


def test_every_steering_word_comes_from_the_catalogues_of_every_language() -> None:
    for kind in ("cancel", "back", "resume", "help"):
        for language in LANGUAGES:
            for word in Translator(language)(f"steer.{kind}").split(","):
                assert word.strip().casefold() in steering_words(kind)
    assert "취소" in steering_words("cancel") and "cancel" in steering_words("cancel")


# Messages that are both a plausible answer and a complete command with valid arguments.
BOTH = (
    ("customers contoso", "Customers matching 'contoso'"),
    ("health woodgrove", "Service health · Woodgrove Bank"),
    ("Incidents fabrikam inc", "Fabrikam, Inc."),
    ("overview", "Overview"),
    ("requests northwind", "Northwind Traders"),
    ("상태 한빛", "Service health · 한빛 물류 (Hanbit Logistics)"),
)
FREE_TEXT_QUESTIONS = {
    "title": ("A short title", ()),
    "description": ("Describe the problem", ("Mail is slow",)),
    "contact": ("Who should Microsoft contact?", ("Mail is slow", "Mail takes an hour.")),
    "phone": ("A phone number", ("Mail is slow", "Mail takes an hour.", "ana@northwind.example")),
}


async def _at_question(step: str) -> Conversation:
    chat = Conversation()
    for answer in TO_THE_TITLE + FREE_TEXT_QUESTIONS[step][1]:
        await chat.say(answer)
    assert FREE_TEXT_QUESTIONS[step][0] in chat.text
    return chat


@pytest.mark.parametrize(("text", "shows"), BOTH)
async def test_a_complete_command_at_the_title_is_asked_about_and_use_as_the_answer_takes_it(
    text: str, shows: str
) -> None:
    chat = await _at_question("title")
    asked = await chat.say(text)
    assert f"'{text}' reads like a command too." in asked
    assert "Describe the problem" in await chat.press("1. Use as the answer")
    await chat.say("Mail takes an hour.")
    await chat.say("ana@northwind.example")
    assert f"Title {text}" in await chat.say("skip")
    assert await chat.filed() == []


@pytest.mark.parametrize(("text", "shows"), BOTH)
async def test_a_complete_command_at_the_title_runs_when_asked_and_the_question_survives(
    text: str, shows: str
) -> None:
    chat = await _at_question("title")
    await chat.say(text)
    ran = await chat.press(f"2. Run {text}")
    assert shows in ran and "Pick up where you left off?" in ran
    assert "A short title" in await chat.press("Resume")
    assert "Describe the problem" in await chat.say("Mail is slow"), "the dialog carried on"


@pytest.mark.parametrize("step", list(FREE_TEXT_QUESTIONS))
@pytest.mark.parametrize(
    ("typed", "answer"),
    [("1", True), ("use", True), ("Use as the answer", True), ("2", False), ("run", False)],
)
async def test_the_choice_can_be_typed_at_every_free_text_question(
    step: str, typed: str, answer: bool
) -> None:
    chat = await _at_question(step)
    assert "reads like a command too" in await chat.say("health woodgrove")
    reply = await chat.say(typed)
    if answer:
        # 'health woodgrove' is a fine title or description; no email or phone number.
        assert FREE_TEXT_QUESTIONS[step][0] not in reply or "isn't" in reply
        assert "Service health" not in reply
    else:
        assert "Service health · Woodgrove Bank" in reply and "Pick up where you left off?" in reply
        assert FREE_TEXT_QUESTIONS[step][0] in await chat.say("resume")


async def test_the_question_is_asked_once_and_something_else_is_a_new_message() -> None:
    chat = await _at_question("title")
    await chat.say("health woodgrove")
    assert "Describe the problem" in await chat.say("Mail is slow"), "a new answer; the question is dropped"
    assert "Title Mail is slow" in "\n".join(
        [
            await chat.say("Mail takes an hour."),
            await chat.say("ana@northwind.example"),
            await chat.say("skip"),
        ]
    )


async def test_an_answered_questions_buttons_keep_the_dialog_where_it_is() -> None:
    chat = await _at_question("title")
    await chat.say("health woodgrove")
    question = chat.last
    await chat.press("1. Use as the answer")
    again = await chat.press("2. Run health woodgrove", question)
    assert "Describe the problem" in again and "Service health" not in again


async def test_a_korean_reader_gets_the_question_in_korean() -> None:
    chat = Conversation(BotHarness(locale="ko-KR"))
    for answer in TO_THE_TITLE:
        await chat.say(answer)
    asked = await chat.say("상태 한빛")
    assert "명령으로도 읽힙니다" in asked
    ran = await chat.say("실행")
    assert "한빛 물류" in ran
    assert await chat.say("이어서 진행")
