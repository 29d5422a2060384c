"""The turn path under trouble: pasted paragraphs, a throttled, failing, slow or hanging Bot Connector,
shutdowns mid-turn, redelivered activities, colleagues' mentions. Real app, real HTTP, fake connector."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.edge.log_redaction import configure_logging
from bot.turn.access import AccessRules
from locales.translator import ENGLISH
from services.domain.models import Answer, Customer, TenantHealth
from services.instances.turn_journal import TurnJournal
from services.storage.sqlite_database import SqliteDatabase
from tests.doubles.backends import GatedBackend
from tests.doubles.connector import Failure, FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import BOT_ID, BOT_NAME, TENANT, channel_message
from tests.support.harness import DEMO_NOW, demo_backend
from tests.support.visible import button, visible_text

PASTED_EMAIL = (
    "Hi team, since this morning our users at the Vienna office can't open Outlook; it keeps asking for "
    "their password. We restarted the clients and cleared the credential manager, nothing helped. "
)


def replies_to(connector: FakeConnector, activity: dict[str, Any]) -> list[dict[str, Any]]:
    conversation = activity["conversation"]["id"]
    return [
        s.activity
        for s in connector.sent
        if s.conversation_id == conversation and s.activity.get("type") == "message"
    ]


def turn_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "bot.turn" and r.getMessage().startswith("turn ")
    ]


def shutdown_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the operator reads about the drain at SIGTERM (aiohttp's shutdown runs the app's cleanup)."""
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("shutdown turns")]


# 1. A pasted paragraph is answered at once and holds no one else up.


@pytest.mark.parametrize(
    ("pasted", "answer"),
    [
        ("incidents contoso " + PASTED_EMAIL * 50, "That's too long to be a customer name, id or search"),
        (PASTED_EMAIL * 50, "I didn't understand 'Hi team, since this morning"),
        ("health contoso" + ", " * 15_000 + "x", "That's too long"),
        ("health " + "please " * 4_000 + "x", "That's too long"),
        ("health " + "<at x" * 6_000, "That's too long"),
        ("<x" * 15_000, "I didn't understand"),
    ],
)
async def test_a_pasted_paragraph_is_answered_at_once_while_another_conversation_is_served(
    start_bot: StartBot, connector: FakeConnector, service_url: str, pasted: str, answer: str
) -> None:
    bot = await start_bot()
    paste = channel_message(service_url, pasted)
    assert len(json.dumps(paste)) > 10_000
    other = channel_message(service_url, "help")
    statuses = await asyncio.wait_for(
        asyncio.gather(bot.post("/api/messages", json=paste), bot.post("/api/messages", json=other)), 5
    )
    assert [r.status for r in statuses] == [201, 201]
    (reply,) = replies_to(connector, paste)
    assert visible_text(reply).startswith(answer)
    assert "Support Bot commands" in visible_text(replies_to(connector, other)[0])


# 2. A throttled or failing connector still gets every answer, once.


@pytest.mark.parametrize("status", [429, 412, 502, 503, 504])
async def test_a_throttled_or_failing_connector_still_gets_the_card_exactly_once(
    start_bot: StartBot, connector: FakeConnector, service_url: str, status: int
) -> None:
    connector.failures = [Failure(status, "0.3"), Failure(status, "0.05")]
    bot = await start_bot()
    assert (
        await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    ).status == 201
    (card,) = connector.messages
    assert visible_text(card).startswith("Service health · Contoso Ltd")
    tries = [at for at, kind in connector.attempts if kind == "message"]
    assert len(tries) == 3
    assert tries[1] - tries[0] >= 0.29, "Retry-After was not honoured"


async def test_a_refused_send_is_not_retried(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    connector.failures = [Failure(400)]
    bot = await start_bot()
    await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    assert len(connector.attempts) == 2, "the card once, then the error card; the 400 was not repeated"
    assert "Something went wrong on my side" in visible_text(connector.messages[0])


async def test_retries_stop_within_their_total_time_and_the_turn_says_so_in_its_log_line(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    connector.fail_with = 503
    bot = await start_bot(send_retry_seconds=0.3)
    with caplog.at_level(logging.INFO):
        await asyncio.wait_for(
            bot.post("/api/messages", json=channel_message(service_url, "health contoso")), 10
        )
    await asyncio.sleep(0.5)
    assert 2 <= len(connector.attempts) <= 8
    (line,) = turn_lines(caplog)
    assert "outcome=error reference=" in line


# 3. Hanging serviceUrls don't stall anyone else.


async def test_conversations_whose_service_url_hangs_do_not_hold_up_the_others(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(reply_budget_seconds=0.3, drain_seconds=0)
    hanging = service_url.replace("/amer/", "/hang/")
    stuck = [bot.post("/api/messages", json=channel_message(hanging, "help")) for _ in range(10)]
    stuck_responses = asyncio.ensure_future(asyncio.gather(*stuck))
    await connector.wait_until(lambda: len(connector.attempts) >= 10)
    other = channel_message(service_url, "health contoso")
    assert (await asyncio.wait_for(bot.post("/api/messages", json=other), 5)).status == 201
    assert visible_text(replies_to(connector, other)[0]).startswith("Service health · Contoso Ltd")
    assert [r.status for r in await asyncio.wait_for(stuck_responses, 5)] == [201] * 10


# 4. An accepted activity is never lost: shutdowns drain, and the next start answers what they cut off.


async def test_a_turn_cut_off_by_shutdown_is_logged_and_answered_after_the_restart(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = await start_bot(
        backend=GatedBackend(demo_backend()), reply_budget_seconds=0.05, drain_seconds=0.1
    )
    asked = channel_message(service_url, "health contoso")
    assert (await first.post("/api/messages", json=asked)).status == 201
    await connector.wait_for_messages(1)
    with caplog.at_level(logging.INFO):
        await first.close()
    (line,) = turn_lines(caplog)
    assert "deferred=yes outcome=dropped" in line
    assert shutdown_lines(caplog) == ["shutdown turns drained=0 cut_off=1 drain_seconds=0.1"]

    second = await start_bot()
    apology = (await connector.wait_for_messages(2))[1]
    assert connector.sent[-1].conversation_id == asked["conversation"]["id"]
    assert connector.sent[-1].reply_to_id == asked["id"]
    text = visible_text(apology)
    assert "I restarted before I could answer" in text
    assert "You asked 'health contoso' just before I restarted" in text
    again = channel_message(service_url, value=button(apology, "Ask again").action["data"])
    await second.post("/api/messages", json=again)
    assert visible_text(connector.messages[-1]).startswith("Service health · Contoso Ltd")


async def test_the_restart_apology_speaks_the_language_the_person_chose(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """Their Teams runs in English, but they chose Korean with `language ko`: the apology, sent with no
    turn of theirs loaded, is Korean too."""
    first = await start_bot(
        backend=GatedBackend(demo_backend()), reply_budget_seconds=0.05, drain_seconds=0.1
    )
    assert (await first.post("/api/messages", json=channel_message(service_url, "language ko"))).status == 201
    asked = channel_message(service_url, "health contoso")
    assert (await first.post("/api/messages", json=asked)).status == 201
    await connector.wait_for_messages(2)
    await first.close()
    await start_bot()
    apology = (await connector.wait_for_messages(3))[2]
    text = visible_text(apology)
    assert text.startswith("답하기 전에 봇이 다시 시작되었습니다")
    assert "'health contoso'(이)라고 물어보셔서" in text and "[1: 다시 묻기]" in text


OTHER_TENANT = "0b7e1d2c-0000-4000-8000-00000000abcd"


async def test_no_restart_apology_goes_to_a_tenant_outside_allowed_tenants(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = await start_bot(
        backend=GatedBackend(demo_backend()), reply_budget_seconds=0.05, drain_seconds=0.1
    )
    assert (
        await first.post("/api/messages", json=channel_message(service_url, "health contoso"))
    ).status == 201
    await connector.wait_for_messages(1)
    await first.close()
    sent = len(connector.sent)

    with caplog.at_level(logging.WARNING, logger="bot.turn"):
        await start_bot(
            access=AccessRules(allowed_tenants=frozenset({"0b7e1d2c-0000-4000-8000-00000000abcd"}))
        )
        await asyncio.sleep(0.3)
    assert len(connector.sent) == sent, "the apology would have gone to a tenant that isn't allowed"
    assert "outcome=tenant-not-allowed" in caplog.text
    await start_bot()  # the unanswered turn was set aside, not left for a later start to apologise for
    await asyncio.sleep(0.3)
    assert len(connector.sent) == sent


async def test_shutdown_lets_turns_finishing_in_the_background_deliver_their_answer(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    backend = GatedBackend(demo_backend())
    first = await start_bot(backend=backend, reply_budget_seconds=0.05, drain_seconds=10)
    await first.post("/api/messages", json=channel_message(service_url, "health contoso"))
    asyncio.get_running_loop().call_later(0.2, backend.gate.set)
    with caplog.at_level(logging.INFO):
        await first.close()
    assert visible_text(connector.messages[-1]).startswith("Service health · Contoso Ltd")
    assert shutdown_lines(caplog) == ["shutdown turns drained=1 cut_off=0 drain_seconds=10"]
    await start_bot()
    await asyncio.sleep(0.2)
    assert len(connector.messages) == 2, "nothing left to apologise for after the restart"


async def test_an_activity_is_on_disk_before_it_is_handled_so_even_a_kill_cannot_lose_it(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    backend = GatedBackend(demo_backend())
    bot = await start_bot(backend=backend, reply_budget_seconds=0.05)
    asked = channel_message(service_url, "health contoso")
    await bot.post("/api/messages", json=asked)
    # What a process killed at this moment leaves behind, read by another connection.
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    (unfinished,) = await TurnJournal(database).unfinished()
    assert (unfinished.activity_id, unfinished.asked) == (asked["id"], "health contoso")
    backend.gate.set()
    await connector.wait_for_messages(2)
    await asyncio.sleep(0.1)
    assert await TurnJournal(database).unfinished() == []
    database.close()


async def test_after_a_crash_typed_messages_and_clicks_get_a_true_apology_and_events_none(
    start_bot: StartBot, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    """Rows as a process killed mid-turn leaves them: typed, a mention alone, a click, an install."""
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    journal = TurnJournal(database)
    rows = {"typed": "incidents contoso", "mention-alone": "help", "click": "", "install": None}
    for n, asked in enumerate(rows.values()):
        activity = channel_message(service_url, f"message {n}")
        reference = {
            "activityId": activity["id"],
            "conversation": activity["conversation"],
            "serviceUrl": service_url,
        }
        reference |= {"channelId": "msteams", "bot": activity["recipient"], "user": activity["from"]}
        await journal.accept(activity["conversation"]["id"], activity["id"], reference, asked, DEMO_NOW)
    database.close()
    await start_bot()
    await connector.wait_for_messages(3)
    await asyncio.sleep(0.2)
    texts = [visible_text(m) for m in connector.messages]
    assert len(texts) == 3, "nobody waits for an answer to an install event"
    assert "You asked 'incidents contoso' just before I restarted" in texts[0]
    assert "You asked 'help' just before I restarted" in texts[1]
    assert "You pressed a button just before I restarted" in texts[2]
    await start_bot()
    await asyncio.sleep(0.2)
    assert len(connector.messages) == 3, "each apology is sent once, not again at the next start"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (None, ["You asked 'incidents contoso' just before I restarted, so it has no answer yet."]),
        (
            Answer.HANDED,
            ["You asked 'incidents contoso' just before I restarted, and my answer was on its way"],
        ),
        (Answer.DELIVERED, []),
    ],
    ids=["never handed over", "handed to the connector", "confirmed by the connector"],
)
async def test_after_a_crash_the_apology_says_what_is_true_of_how_far_the_answer_got(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    tmp_path: Path,
    answer: Answer | None,
    said: list[str],
) -> None:
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    journal = TurnJournal(database, "killed-run")
    for asked in ("incidents contoso", ""):
        activity = channel_message(service_url, asked)
        reference = {"activityId": activity["id"], "conversation": activity["conversation"]}
        reference |= {"serviceUrl": service_url, "channelId": "msteams", "user": activity["from"]}
        await journal.accept(activity["conversation"]["id"], activity["id"], reference, asked, DEMO_NOW)
        if answer is not None:
            await journal.answering(activity["conversation"]["id"], activity["id"], answer)
    database.close()
    await start_bot()
    await asyncio.sleep(0.5)
    texts = [visible_text(m) for m in connector.messages]
    assert len(texts) == 2 * len(said)
    for text, expected in zip(texts, said, strict=False):
        assert expected in text
    if answer is Answer.HANDED:
        assert texts[0].startswith("I restarted while answering")
        assert "You pressed a button just before I restarted, and my answer was on its way" in texts[1]
    reopened = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    assert await TurnJournal(reopened).unfinished() == [], "each is settled, told or not"
    reopened.close()


@pytest.mark.parametrize(
    ("failures", "recorded"),
    [([], "delivered"), ([Failure(403)] * 5, "handed")],
    ids=["the connector confirmed it", "the connector refused it"],
)
async def test_the_journal_records_how_far_each_answer_got(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    tmp_path: Path,
    failures: list[Failure],
    recorded: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a sweep after a crash would read: handed over when the request left, delivered once the
    Connector said so."""

    async def killed_before_finishing(*_: object) -> None:
        pass

    monkeypatch.setattr(TurnJournal, "finish", killed_before_finishing)
    connector.failures = list(failures)
    bot = await start_bot()
    asked = channel_message(service_url, "help")
    assert (await bot.post("/api/messages", json=asked)).status == 201
    await asyncio.sleep(0.2)
    database = SqliteDatabase(tmp_path / "bot-state.sqlite3")
    (unfinished,) = await TurnJournal(database).unfinished()
    database.close()
    assert (unfinished.activity_id, unfinished.answer) == (asked["id"], Answer(recorded))


# 5. The HTTP answer comes within the budget; typing and "Still working…" never follow the answer.


async def test_the_http_answer_does_not_wait_for_a_slow_connector(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    connector.open.clear()
    bot = await start_bot(reply_budget_seconds=0.2)
    response = await asyncio.wait_for(bot.post("/api/messages", json=channel_message(service_url, "help")), 5)
    assert response.status == 201 and not connector.open.is_set()
    connector.open.set()
    (card,) = await connector.wait_for_messages(1)
    await asyncio.sleep(0.2)
    assert "Support Bot commands" in visible_text(card)
    assert [s.activity["type"] for s in connector.sent] == ["message"], "no 'still working' once answered"


async def test_typing_and_still_working_arrive_before_the_answer_never_after(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    backend = GatedBackend(demo_backend())
    connector.open.clear()
    bot = await start_bot(backend=backend, typing_delay_seconds=0.01, reply_budget_seconds=0.1)
    response = await asyncio.wait_for(
        bot.post("/api/messages", json=channel_message(service_url, "health contoso")), 5
    )
    assert response.status == 201
    backend.gate.set()
    await asyncio.sleep(0.1)
    connector.open.set()
    await connector.wait_until(lambda: any(m.get("attachments") for m in connector.messages))
    await asyncio.sleep(0.3)
    kinds = [
        "card" if s.activity.get("attachments") else s.activity.get("text") or s.activity["type"]
        for s in connector.sent
    ]
    assert kinds[0] == "typing", (kinds, connector.attempts)
    assert kinds[-1] == "card", kinds
    assert kinds.count("card") == 1 and kinds.count(ENGLISH("edge.still_working")) <= 1


async def test_a_typing_indicator_stuck_at_the_connector_does_not_hold_up_the_answer(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    backend = GatedBackend(demo_backend())
    connector.hanging_types = {"typing"}
    bot = await start_bot(backend=backend, typing_delay_seconds=0.01, connector_timeout_seconds=30)
    posting = asyncio.ensure_future(
        bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    )
    await connector.wait_until(lambda: any(kind == "typing" for _, kind in connector.attempts))
    backend.gate.set()
    (card,) = await connector.wait_for_messages(1, seconds=8)
    assert visible_text(card).startswith("Service health · Contoso Ltd")
    assert (await posting).status == 201


class FailingAfterGate(GatedBackend):
    async def tenant_health(self, customer: Customer) -> TenantHealth:
        await self.gate.wait()
        raise RuntimeError("the backend broke after the turn was deferred")


async def test_a_deferred_turn_that_fails_tells_the_user_instead_of_still_working_forever(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    backend = FailingAfterGate(demo_backend())
    bot = await start_bot(backend=backend, reply_budget_seconds=0.05)
    await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
    assert [visible_text(m) for m in await connector.wait_for_messages(1)] == [ENGLISH("edge.still_working")]
    backend.gate.set()
    failure = (await connector.wait_for_messages(2))[1]
    assert "Something went wrong on my side" in visible_text(failure)


# 6. Redelivery of the same activity id answers once, across a restart too.


async def test_a_redelivered_activity_is_answered_once_even_after_a_restart(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = await start_bot()
    activity = channel_message(service_url, "health contoso")
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            assert (await first.post("/api/messages", json=activity)).status == 201
    await first.close()
    second = await start_bot()
    assert (await second.post("/api/messages", json=activity)).status == 201
    assert len(connector.messages) == 1
    assert "outcome=duplicate" in turn_lines(caplog)[1]


# 10 and 13. Mentions: colleagues are not part of the command; malformed entities are plain text.


def _mention(identifier: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "mentioned": {"id": identifier, "name": name}, "text": f"<at>{name}</at>"}


async def test_a_colleagues_mention_is_not_part_of_the_customer_name(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    activity = channel_message(service_url, "health contoso <at>Megan Bowen</at>")
    activity["entities"].append(_mention("29:megan", "Megan Bowen"))
    await bot.post("/api/messages", json=activity)
    assert visible_text(connector.messages[0]).startswith("Service health · Contoso Ltd")


async def test_a_message_that_mentions_only_a_colleague_is_not_for_the_bot(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    activity = channel_message(service_url, "health contoso")
    activity["text"] = "<at>Megan Bowen</at> can you check contoso?"
    activity["entities"] = [e for e in activity["entities"] if e["type"] != "mention"]
    activity["entities"].append(_mention("29:megan", "Megan Bowen"))
    assert (await bot.post("/api/messages", json=activity)).status == 201
    await asyncio.sleep(0.1)
    assert connector.sent == []


async def test_a_card_press_counts_even_when_the_message_mentions_only_a_colleague(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    press = channel_message(service_url, value={"action": "command.run", "command": "health contoso"})
    press["entities"] = [_mention("29:megan", "Megan Bowen")]
    await bot.post("/api/messages", json=press)
    assert visible_text(connector.messages[0]).startswith("Service health · Contoso Ltd")


async def test_a_mention_without_mentioned_is_plain_text(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    activity = channel_message(service_url, "health contoso")
    activity["entities"] = [{"type": "mention", "text": f"<at>{BOT_NAME}</at>"}]
    await bot.post("/api/messages", json=activity)
    assert visible_text(connector.messages[0]).startswith("Service health · Contoso Ltd")
    activity = channel_message(service_url, "help")
    activity["entities"] = [{"type": "mention"}, {"type": "mention", "mentioned": "nobody", "text": 5}]
    await bot.post("/api/messages", json=activity)
    assert "Support Bot commands" in visible_text(connector.messages[1])


async def test_the_bots_own_mention_is_recognised_by_id(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot()
    activity = channel_message(service_url, "health contoso")
    activity["entities"] = [_mention(BOT_ID, BOT_NAME), _mention("29:megan", "Megan Bowen")]
    activity["text"] = f"<at>{BOT_NAME}</at> <at>Megan Bowen</at> health contoso"
    await bot.post("/api/messages", json=activity)
    assert visible_text(connector.messages[0]).startswith("Service health · Contoso Ltd")


# 11. No input grows a card past Teams' limit.


@pytest.mark.parametrize(
    "command", ["health", "incidents", "incidents contoso", "incident EX1100014", "customers", "frobnicate"]
)
async def test_no_query_grows_a_reply_past_the_card_limit(
    start_bot: StartBot, connector: FakeConnector, service_url: str, command: str
) -> None:
    bot = await start_bot()
    await bot.post("/api/messages", json=channel_message(service_url, f"{command} {'x' * 14_000}"))
    (reply,) = connector.messages
    assert len(json.dumps(reply["attachments"], ensure_ascii=False).encode()) < 28 * 1024


# 12. One log line per turn with its final outcome; refused requests logged once each.


async def test_a_deferred_turn_logs_one_line_with_its_final_outcome(
    start_bot: StartBot, connector: FakeConnector, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    backend = GatedBackend(demo_backend())
    bot = await start_bot(backend=backend, reply_budget_seconds=0.05)
    with caplog.at_level(logging.INFO):
        await bot.post("/api/messages", json=channel_message(service_url, "health contoso"))
        assert turn_lines(caplog) == []
        backend.gate.set()
        await connector.wait_for_messages(2)
        await asyncio.sleep(0.1)
    (line,) = turn_lines(caplog)
    assert "command=health" in line and "deferred=yes outcome=ok" in line


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"{", 400),
        ({"Content-Type": "application/json"}, b"[]", 400),
        ({"Content-Type": "application/json"}, b'{"text": "' + b"x" * 300_000 + b'"}', 413),
    ],
)
async def test_each_refused_request_is_logged_once_without_its_body(
    start_bot: StartBot,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    body: bytes,
    status: int,
) -> None:
    bot = await start_bot()
    with caplog.at_level(logging.INFO, logger="bot.http"):
        assert (await bot.post("/api/messages", data=body, headers=headers)).status == status
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.http"]
    assert line.startswith(f"request refused method=POST path=/api/messages status={status} reason=")
    assert "xxx" not in line


async def test_an_unauthenticated_request_is_logged_once_as_refused(
    start_bot: StartBot, service_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await start_bot(app_id="5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33", app_password="secret")
    with caplog.at_level(logging.INFO, logger="bot.http"):
        response = await bot.post("/api/messages", json=channel_message(service_url, "help"))
    assert response.status == 401
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.http"]
    assert "status=401" in line


# 8. /healthz stays liveness; /readyz says when storage is broken.


def _corrupt(data_dir: Path) -> None:
    for path in data_dir.glob("bot-state.sqlite3*"):
        path.write_bytes(b"garbage!" * 4096)


async def test_readyz_reports_a_corrupted_database_while_healthz_stays_a_liveness_check(
    start_bot: StartBot, tmp_path: Path
) -> None:
    bot = await start_bot()
    ready = await bot.get("/readyz")
    assert (ready.status, await ready.json()) == (200, {"status": "ready", "checks": {"storage": "ok"}})
    await asyncio.to_thread(_corrupt, tmp_path)
    broken = await bot.get("/readyz")
    assert (broken.status, await broken.json()) == (
        503,
        {"status": "unavailable", "checks": {"storage": "file is not a database"}},
    )
    assert (await bot.get("/healthz")).status == 200


# 9. No line at INFO or WARNING carries raw ids, message text or tokens, whoever writes it.


async def test_no_log_line_carries_raw_ids_text_or_tokens_when_the_connector_fails(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("DEBUG", stream)
    try:
        connector.failures = [Failure(503, "0.01")] * 3 + [Failure(403)] * 10
        bot = await start_bot(send_retry_seconds=0.5)
        activity = channel_message(service_url, "health contoso")
        activity["serviceUrl"] = service_url
        await bot.post("/api/messages", json=activity, headers={"X-Trace": "Bearer eyJhbGciOi.eyJzdWIi.c2ln"})
        unreachable = channel_message("http://127.0.0.1:9/amer/", "incidents fabrikam")
        await bot.post("/api/messages", json=unreachable)
        await asyncio.sleep(0.3)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    lines = [line for line in stream.getvalue().splitlines() if " INFO " in line or " WARNING " in line]
    assert any("connector retry" in line for line in lines) and any(
        "aiohttp.access" in line for line in lines
    )
    for line in lines:
        for secret in (
            activity["conversation"]["id"].split(";")[0],
            activity["id"],
            unreachable["id"],
            "29:1Ana-Bowman",
            "health contoso",
            "incidents fabrikam",
            "eyJhbGciOi",
        ):
            assert secret not in line, line


@pytest.mark.parametrize("allowed", [TENANT, TENANT.upper(), TENANT.title()])
async def test_the_restart_apology_reaches_an_allowed_tenant_whatever_the_case_of_its_id(
    start_bot: StartBot, connector: FakeConnector, service_url: str, allowed: str
) -> None:
    first = await start_bot(
        backend=GatedBackend(demo_backend()), reply_budget_seconds=0.05, drain_seconds=0.1
    )
    assert (
        await first.post("/api/messages", json=channel_message(service_url, "health contoso"))
    ).status == 201
    await connector.wait_for_messages(1)
    await first.close()
    sent = len(connector.messages)
    await start_bot(access=AccessRules(allowed_tenants=frozenset({allowed})))
    await connector.wait_for_messages(sent + 1)
