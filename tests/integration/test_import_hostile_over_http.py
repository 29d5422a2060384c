"""`import` with documents built to break a JSON reader, sent as Teams sends them: each is answered with
what is wrong, at its place, in the person's language, and the channel's settings stay as they were."""

from __future__ import annotations

import sys

import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.integration.test_escalation_over_http import Thread
from tests.integration.test_notifications import QUIET_BOT

DIGITS = sys.get_int_max_str_digits()
CONTOSO = '{"customer": "contoso", "kinds": "incidents"}'

# (document, what the English answer says, what the Korean one says)
HOSTILE: dict[str, tuple[str, str, str]] = {
    "a version with more digits than Python reads": (
        '{"version": ' + "9" * (DIGITS + 1) + ', "subscriptions": []}',
        f"a number at line 1, column 13 has more than {DIGITS} digits.",
        f"1행 13열의 숫자가 {DIGITS}자리보다 깁니다.",
    ),
    "a huge negative number further on": (
        '{"version": 1, "subscriptions": [], "quiet_until": -' + "1" * (DIGITS + 5) + "}",
        f"a number at line 1, column 53 has more than {DIGITS} digits.",
        f"1행 53열의 숫자가 {DIGITS}자리보다 깁니다.",
    ),
    "subscriptions written twice, the last empty": (
        '{"version": 1, "subscriptions": [' + CONTOSO + '], "subscriptions": []}',
        "subscriptions: is written more than once: keep one.",
        "subscriptions: 두 번 이상 쓰였습니다. 하나만 남기세요.",
    ),
    "a subscription's kinds written twice": (
        '{"version": 1, "subscriptions": [{"customer": "northwind", "kinds": "all", "kinds": "incidents"}]}',
        "subscriptions[0].kinds: is written more than once: keep one.",
        "subscriptions[0].kinds: 두 번 이상 쓰였습니다. 하나만 남기세요.",
    ),
    "an owner's object id written twice": (
        '{"version": 1, "owners": [{"customer": "contoso", "people": '
        '[{"object_id": "a1b2c3d4-0000-4000-8000-000000000001", "object_id": "x"}]}]}',
        "owners[0].people[0].object_id: is written more than once: keep one.",
        "owners[0].people[0].object_id: 두 번 이상 쓰였습니다. 하나만 남기세요.",
    ),
}


class KoreanThread(Thread):
    async def say(self, text: str) -> str:
        activity = channel_message(self.service_url, text, thread=self.thread)
        activity["locale"] = "ko-KR"
        return await self.post(activity)


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("language", ["en", "ko"])
async def test_a_hostile_document_is_answered_at_its_place_and_changes_nothing(
    start_bot: StartBot, connector: FakeConnector, service_url: str, case: str, language: str
) -> None:
    document, english, korean = HOSTILE[case]
    thread: Thread = (KoreanThread if language == "ko" else Thread)(
        await start_bot(**QUIET_BOT), connector, service_url
    )
    await thread.say("subscribe contoso")
    before = await thread.say("subscriptions")
    answer = await thread.say(f"import {document}")
    assert (english if language == "en" else korean) in answer, answer
    assert "Apply" not in answer and "Reference" not in answer and "참조" not in answer
    assert await thread.say("subscriptions") == before


# A document pasted over several lines with a comma missing at the end of line 3 (so JSON stops at line 4,
# column 3), as Teams sends a paste: plain newlines, paragraphs, or <br> with &nbsp; indents.
MISSING_COMMA = ["{", '  "version": 1,', '  "subscriptions": []', '  "quiet_until": null', "}"]
PASTES = {
    "newlines": "import " + "\n".join(MISSING_COMMA),
    "paragraphs": "<p>import "
    + "</p><p>".join(line.replace("  ", "&nbsp; ") for line in MISSING_COMMA)
    + "</p>",
    "line breaks": "<div>import "
    + "<br>".join(line.replace("  ", "&nbsp;&nbsp;") for line in MISSING_COMMA)
    + "</div>",
    "crlf": "import\r\n" + "\r\n".join(MISSING_COMMA),
}


@pytest.mark.parametrize("paste", sorted(PASTES))
@pytest.mark.parametrize("language", ["en", "ko"])
async def test_a_document_pasted_over_lines_is_faulted_at_the_line_and_column_pasted(
    start_bot: StartBot, connector: FakeConnector, service_url: str, paste: str, language: str
) -> None:
    thread: Thread = (KoreanThread if language == "ko" else Thread)(
        await start_bot(**QUIET_BOT), connector, service_url
    )
    answer = await thread.say(PASTES[paste])
    expected = "line 4, column 3" if language == "en" else "4행 3열"
    assert expected in answer, answer
    # Sent again while its Apply waits, a corrected paste is read the same way.
    waiting = await thread.say("import {\n" + f'  "version": 1,\n  "subscriptions": [{CONTOSO}]\n' + "}")
    assert ("Apply" if language == "en" else "적용") in waiting, waiting
    assert expected in await thread.say(PASTES[paste])
