"""The Bot Connector client's retry policy, Retry-After parsing, URLs and per-conversation order."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.schema import Activity, ConversationAccount
from tenacity import RetryCallState

from bot.outbound.connector import Connector, ConnectorError, RetryPolicy, _activities_url
from bot.outbound.pacing import SlidingWindow, Slot
from services.backends.retry_after import retry_after_seconds
from tests.doubles.connector import Failure, FakeConnector


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("Wed, 25 Nov 2026 00:00:10 GMT", 10.0),
        ("soon", None),
        (None, None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header, now=datetime(2026, 11, 25, tzinfo=UTC)) == seconds


def _state(attempt: int, error: Exception) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return state


def test_retry_after_is_honoured_but_never_beyond_the_total_time() -> None:
    policy = RetryPolicy(total_seconds=5)
    assert policy.wait(_state(1, ConnectorError(429, retry_after=2))) == 2
    assert policy.wait(_state(1, ConnectorError(429, retry_after=600))) == 5


def test_a_retry_after_of_zero_still_waits_and_the_wait_grows() -> None:
    policy = RetryPolicy(first_wait_seconds=0.5)
    waits = [policy.wait(_state(n, ConnectorError(429, retry_after=0))) for n in (1, 2, 6)]
    assert waits == [0.25, 0.5, 1.5]


def test_without_retry_after_the_backoff_grows_with_jitter_up_to_its_cap() -> None:
    policy = RetryPolicy(first_wait_seconds=0.5, max_wait_seconds=8)
    first = [policy.wait(_state(1, ConnectorError(503))) for _ in range(50)]
    fourth = [policy.wait(_state(4, ConnectorError(503))) for _ in range(50)]
    late = [policy.wait(_state(12, ConnectorError(503))) for _ in range(50)]
    assert all(0.5 <= w <= 1.0 for w in first) and len(set(first)) > 1
    assert all(4.0 <= w <= 4.5 for w in fourth)
    assert max(late) <= 8


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ConnectorError(429), True),
        (ConnectorError(412), True),
        (ConnectorError(502), True),
        (ConnectorError(503), True),
        (ConnectorError(504), True),
        (ConnectorError(None, cause="ClientConnectorError"), True),
        (ConnectorError(None, cause="ServerTimeoutError", maybe_delivered=True), False),
        (ConnectorError(400), False),
        (ConnectorError(403), False),
        (ConnectorError(404), False),
        (ConnectorError(500), False),
    ],
)
def test_only_what_teams_asks_to_retry_is_retried(error: ConnectorError, retryable: bool) -> None:
    assert error.retryable is retryable


def test_conversation_and_activity_ids_are_encoded_into_the_url() -> None:
    url = _activities_url("https://smba.trafficmanager.net/amer/", "19:abc@thread.tacv2;messageid=17", "17")
    assert url == (
        "https://smba.trafficmanager.net/amer/v3/conversations/19%3Aabc%40thread.tacv2%3Bmessageid%3D17"
        "/activities/17"
    )


def _activity(service_url: str, kind: str = "message", text: str = "") -> Activity:
    return Activity(
        type=kind,
        text=text,
        service_url=service_url,
        conversation=ConversationAccount(id="19:c@thread.tacv2"),
    )


async def _no_token(_: str) -> str | None:
    return None


async def test_sends_to_one_conversation_leave_in_order_and_typing_never_queues(aiohttp_server: Any) -> None:
    fake = FakeConnector()
    server = await aiohttp_server(fake.app())
    service_url = str(server.make_url("/amer/"))
    connector = Connector(_no_token)
    fake.open.clear()
    first = asyncio.ensure_future(connector.send(_activity(service_url, text="first")))
    await fake.wait_until(lambda: len(fake.attempts) == 1)
    second = asyncio.ensure_future(connector.send(_activity(service_url, text="second")))
    await connector.send_now_or_never(_activity(service_url, kind="typing"))
    fake.open.set()
    await asyncio.gather(first, second)
    await connector.close()
    assert [s.activity.get("text") or s.activity["type"] for s in fake.sent] == ["first", "second"]


async def test_the_id_teams_gives_a_sent_activity_is_returned(aiohttp_server: Any) -> None:
    fake = FakeConnector()
    server = await aiohttp_server(fake.app())
    connector = Connector(_no_token)
    response = await connector.send(_activity(str(server.make_url("/amer/")), text="hi"))
    await connector.close()
    assert response.id == "bot-activity-1"


def test_the_environments_proxy_is_used_and_looked_up_once_per_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://user:secret@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    connector = Connector(_no_authorization)
    proxy, auth = connector._proxy("https://smba.trafficmanager.net/emea/v3/conversations/a/activities")
    assert proxy == "http://proxy.example:3128" and auth is not None and auth.login == "user"
    assert connector._proxy("http://127.0.0.1:3978/v3/conversations") == (None, None)
    monkeypatch.delenv("HTTPS_PROXY")
    assert connector._proxy("https://smba.trafficmanager.net/amer/v3/x")[0] == "http://proxy.example:3128"


async def _no_authorization(_: str) -> None:
    return None


async def test_the_roster_is_asked_on_the_pooled_session(aiohttp_server: Any) -> None:
    fake = FakeConnector()
    fake.members["29:ana"] = {"id": "29:ana", "name": "Ana Bowman", "email": "ana@contoso.example"}
    server = await aiohttp_server(fake.app())
    connector = Connector(_no_token)
    service_url = str(server.make_url("/amer/"))
    member = await connector.member(service_url, "19:c@thread.tacv2;messageid=1", "29:ana")
    session = connector._session
    with pytest.raises(ConnectorError) as missing:
        await connector.member(service_url, "19:c@thread.tacv2", "29:nobody")
    assert connector._session is session, "one session for sends and roster reads"
    await connector.close()
    assert member["email"] == "ana@contoso.example" and missing.value.status == 404


async def test_every_attempt_is_paced_and_a_429_gives_its_slot_back(aiohttp_server: Any) -> None:
    fake = FakeConnector(failures=[Failure(429, "0"), Failure(503)])
    server = await aiohttp_server(fake.app())
    connector = Connector(_no_token, RetryPolicy(first_wait_seconds=0.01, max_wait_seconds=0.01))
    window = SlidingWindow(10, 60.0)
    slots: list[Slot] = []

    async def pace() -> Slot:
        window.take()
        slots.append(Slot((window,), time.monotonic, lambda: None))
        return slots[-1]

    await connector.send(_activity(str(server.make_url("/amer/")), text="hi"), pace)
    await connector.close()
    assert len(slots) == 3, "the first try and both retries waited for a slot"
    assert len(window) == 2 and window.in_flight == 0, "the 429 gave its slot back; Teams counted the 503"


async def test_a_conversations_members_are_read_page_by_page_and_kept_a_while(aiohttp_server: Any) -> None:
    """`pagedmembers` as Teams documents it: each page's continuationToken asks for the next, until a
    page comes without one; the roster is then kept MEMBERS_CACHE_SECONDS per conversation."""
    fake = FakeConnector()
    for n in range(250):
        fake.members[f"29:p{n}"] = {"id": f"29:p{n}", "name": f"Person {n}", "objectId": f"aad-{n}"}
    fake.conversation_members = {"19:small@thread.tacv2": ["29:p1", "29:p2"]}
    server = await aiohttp_server(fake.app())
    connector = Connector(_no_token)
    now = [1000.0]
    connector._clock = lambda: now[0]
    service_url = str(server.make_url("/amer/"))
    everyone = await connector.members(service_url, "19:big@thread.tacv2")
    assert [m["objectId"] for m in everyone] == [f"aad-{n}" for n in range(250)]
    pages = list(fake.member_pages)
    assert [(size, bool(token)) for _, size, token in pages] == [("100", False), ("100", True), ("100", True)]
    assert len({token for _, _, token in pages}) == 3, "each page asked for with the token the last gave"
    small = await connector.members(service_url, "19:small@thread.tacv2")
    assert [m["name"] for m in small] == ["Person 1", "Person 2"]
    asked = len(fake.member_pages)
    assert await connector.members(service_url, "19:big@thread.tacv2") == everyone
    assert len(fake.member_pages) == asked, "kept: not asked again within the cache time"
    now[0] += 301
    await connector.members(service_url, "19:small@thread.tacv2")
    await connector.close()
    assert len(fake.member_pages) == asked + 1, "asked again once the cache time is over"
    assert list(connector._members) == [(service_url.rstrip("/"), "19:small@thread.tacv2")], "stale ones go"


async def test_a_roster_that_cannot_be_read_raises_and_is_not_kept(aiohttp_server: Any) -> None:
    fake = FakeConnector(members={"29:ana": {"id": "29:ana", "aadObjectId": "aad-ana"}})
    fake.members_fail_with = 403
    server = await aiohttp_server(fake.app())
    connector = Connector(_no_token)
    service_url = str(server.make_url("/amer/"))
    with pytest.raises(ConnectorError) as refused:
        await connector.members(service_url, "19:c@thread.tacv2")
    fake.members_fail_with = None
    found = await connector.members(service_url, "19:c@thread.tacv2")
    await connector.close()
    assert refused.value.status == 403 and [m["aadObjectId"] for m in found] == ["aad-ana"]


async def test_each_page_of_members_waits_for_its_pace(aiohttp_server: Any) -> None:
    """Notice delivery reads rosters beside its sends: each page takes a slot of the same budget."""
    fake = FakeConnector(members={f"29:p{n}": {"id": f"29:p{n}", "objectId": f"aad-{n}"} for n in range(150)})
    server = await aiohttp_server(fake.app())
    connector = Connector(_no_token)
    window = SlidingWindow(10, 60.0)

    async def pace() -> Slot:
        window.take()
        return Slot((window,), time.monotonic, lambda: None)

    await connector.members(str(server.make_url("/amer/")), "19:c@thread.tacv2", pace)
    await connector.close()
    assert len(fake.member_pages) == 2 and len(window) == 2
