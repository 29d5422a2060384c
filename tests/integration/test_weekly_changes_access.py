"""Who may set or clear the weekly message center digest (`changes weekly mon 9`, `changes weekly off`),
over HTTP: the operators, as for every other change to what a conversation hears (`subscribe`, `quiet`,
`owner`), typed or pressed, in English or Korean, with the same refusal; reading `changes` stays open to
everyone. A refusal changes nothing and is in the audit log, as each change is."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.turn.access import AccessRules
from cards.actions import ACTION_KEY, RUN_COMMAND
from services.backends.demo.operators import DEMO_OPERATORS_GROUP
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import personal_message
from tests.support.visible import visible_text

ANA = {"id": "29:1Ana-Teams-Id", "name": "Ana Bowman", "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000001"}
BOB = {"id": "29:1Bob-Teams-Id", "name": "Bob Kelly", "aadObjectId": "b0b00000-0000-4000-8000-00000000b0b0"}
PEOPLE = {"ana": ANA, "bob": BOB}
REFUSED = (
    "Only the support desk's operators can change what this conversation hears about. The bot's "
    "administrator can give you access by adding you to BOT_OPERATORS."
)
REFUSED_BY_GROUP = (
    "Only the support desk's operators can change what this conversation hears about. The bot's "
    f"administrator can give you access by adding you to the Entra group {DEMO_OPERATORS_GROUP} (or to "
    "BOT_OPERATORS)."
)
REFUSED_KO = "지원 데스크 운영자만 이 대화의 구독을 바꿀 수 있습니다."
SET = "gets what's new and what's due in the message center every week: Mondays at 09:00 (Europe/Vienna)."
SET_KO = "매주 월요일 09:00(Europe/Vienna)에"
OFF = "no longer gets the weekly message center digest."
ONLY_ANA = AccessRules(operators=frozenset({ANA["aadObjectId"]}))
BY_GROUP = AccessRules(operators_group=DEMO_OPERATORS_GROUP)  # Ana is in it, Bob isn't


async def _send(
    bot: TestClient[Any, Any], connector: FakeConnector, who: str, text: str = "", **how: Any
) -> str:
    before = len(connector.messages)
    if how.get("pressed"):
        activity = personal_message(connector.service_url, value={ACTION_KEY: RUN_COMMAND, "command": text})
    else:
        activity = personal_message(connector.service_url, text)
    activity["from"] = PEOPLE[who]
    if how.get("locale"):
        activity["locale"] = how["locale"]
        activity["entities"] = [
            {**e, "locale": how["locale"]} if e["type"] == "clientInfo" else e for e in activity["entities"]
        ]
    assert (await bot.post("/api/messages", json=activity)).status == 201
    messages = await connector.wait_for_messages(before + 1)
    return "\n".join(visible_text(m) for m in messages[before:])


def schedules(tmp_path: Path) -> list[tuple[int, int, str]]:
    """The weekly digest times kept (their records in the app's own SQLite file)."""
    with sqlite3.connect(tmp_path / "bot-state.sqlite3") as db:
        rows = db.execute("SELECT value FROM records WHERE collection = 'weekly_changes'").fetchall()
    kept = [json.loads(r[0]) for r in rows]
    return [(k["weekday"], k["hour"], k["zone"]) for k in kept]


# (who, the access rules, what they send and how, whether it is done, what they read)
CASES: list[tuple[str, AccessRules, str, dict[str, Any], bool, str]] = [
    # Nobody named: everyone operates (the demo default).
    ("bob", AccessRules(), "changes weekly mon 9", {}, True, SET),
    # An operator by id; someone who isn't, typed and pressed, setting and clearing, en and ko.
    ("ana", ONLY_ANA, "changes weekly mon 9", {}, True, SET),
    ("bob", ONLY_ANA, "changes weekly mon 9", {}, False, REFUSED),
    ("bob", ONLY_ANA, "changes weekly mon 9", {"pressed": True}, False, REFUSED),
    ("bob", ONLY_ANA, "changes weekly off", {"set_before": True}, False, REFUSED),
    ("bob", ONLY_ANA, "변경 매주 월 9시", {"locale": "ko-KR"}, False, REFUSED_KO),
    ("ana", ONLY_ANA, "변경 매주 월 9시", {"locale": "ko-KR"}, True, SET_KO),
    # Asking to change it without a valid time is refused before the usage is taught.
    ("bob", ONLY_ANA, "changes weekly someday", {}, False, REFUSED),
    ("ana", ONLY_ANA, "changes weekly off", {"set_before": True}, True, OFF),
    # Operators by group: the refusal names the group.
    ("ana", BY_GROUP, "changes weekly mon 9", {}, True, SET),
    ("bob", BY_GROUP, "changes weekly mon 9", {}, False, REFUSED_BY_GROUP),
]


def _case_id(who: str, rules: AccessRules, text: str, how: dict[str, Any], *_: object) -> str:
    operators = "only-ana" if rules == ONLY_ANA else "group" if rules == BY_GROUP else "everyone"
    return f"{who}-{operators}-{text}{'-pressed' if how.get('pressed') else ''}"


@pytest.mark.parametrize(
    ("who", "rules", "text", "how", "done", "said"),
    CASES,
    ids=[_case_id(*c) for c in CASES],
)
async def test_who_may_set_or_clear_the_weekly_digest(
    start_bot: StartBot,
    connector: FakeConnector,
    tmp_path: Path,
    who: str,
    rules: AccessRules,
    text: str,
    how: dict[str, Any],
    done: bool,
    said: str,
) -> None:
    bot = await start_bot(access=rules)
    if how.get("set_before"):
        assert SET in await _send(bot, connector, "ana", "changes weekly mon 9")
    before = schedules(tmp_path)
    answer = await _send(bot, connector, who, text, **how)
    assert said in answer, answer
    if done:
        assert schedules(tmp_path) != before
    else:
        assert answer.startswith(said) and schedules(tmp_path) == before, "a refusal changes nothing"
    log = await _send(bot, connector, "ana", "audit 3")
    name = PEOPLE[who]["name"]
    if not done:
        assert f"{name} was refused access to change what this conversation hears about" in log
    elif "off" in text:
        assert f"{name} turned off this conversation's weekly message center digest" in log
    else:
        # Recorded in English (the log is a record), whatever language it was set in.
        when = "Mondays 09:00 (Europe/Vienna)"
        assert f"{name} set this conversation's weekly message center digest to {when}" in log


@pytest.mark.parametrize("text", ["changes", "changes contoso", "changes all"])
async def test_reading_the_message_center_stays_open_to_everyone(
    start_bot: StartBot, connector: FakeConnector, text: str
) -> None:
    bot = await start_bot(access=ONLY_ANA)
    answer = await _send(bot, connector, "bob", text)
    assert not answer.startswith("Only the support desk's operators"), answer
