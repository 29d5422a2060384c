"""The sign-in records on either store: two bot instances answering the same token exchange (the person's
laptop reached one, their phone the other) resume the kept command once, and retention forgets the
records after an hour."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bot.outbound.user_tokens import SignInResource
from bot.turn.sign_in import TeamsSignIn, _person_key
from tests.services.conftest import OpenPlace, open_place  # noqa: F401 - the fixture, on both stores

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class ExchangingTokens:
    """The token service as far as an exchange needs it: every device's exchange succeeds."""

    def __init__(self) -> None:
        self.exchanged = 0

    async def exchange(self, user_id: str, connection: str, channel_id: str, sso_token: str) -> str:
        self.exchanged += 1
        await asyncio.sleep(0)
        return "user-token"

    async def sign_in_resource(self, *args: Any) -> SignInResource:
        return SignInResource("https://token.example/signin", "exchange-1", "api://botid-bot", "provider")


def activity(name: str, value: Any) -> Activity:
    return Activity(
        type=ActivityTypes.invoke,
        name=name,
        value=value,
        channel_id="msteams",
        from_property=ChannelAccount(id="29:ana", name="Ana", aad_object_id="oid-ana"),
        conversation=ConversationAccount(id="19:thread"),
        recipient=ChannelAccount(id="28:bot"),
        service_url="https://smba.example/",
    )


def instance(place: Any, tokens: ExchangingTokens, clock: Any = lambda: NOW) -> TeamsSignIn:
    return TeamsSignIn(tokens, "sso", "bot", place, clock, lambda object_id: None)  # type: ignore[arg-type]


async def test_two_instances_answer_one_exchange_once(open_place: OpenPlace) -> None:  # noqa: F811
    tokens = ExchangingTokens()
    first, second = instance(await open_place(), tokens), instance(await open_place(), tokens)
    # The command kept when the sign-in card was sent.
    value = {"id": "exchange-1", "connectionName": "sso", "token": "sso-token"}
    kept = {"text": "note 1 hello", "value": None, "at": NOW.isoformat()}
    await first._pending.put(kept, *_person_key(activity("signin/tokenExchange", value)))
    resumed: list[str] = []

    async def resume(context: TurnContext) -> None:
        resumed.append(context.activity.text or "")

    adapter = TestAdapter()
    answers = await asyncio.gather(
        *(
            one.on_invoke(TurnContext(adapter, activity("signin/tokenExchange", value)), resume)
            for one in (first, second)
        )
    )
    assert tokens.exchanged == 2, "each device exchanged"
    assert sorted(a.body is None for a in answers) == [False, True], "answered once, the other empty"
    assert all(a.status == 200 for a in answers)
    assert resumed == ["note 1 hello"], "the kept command ran once"


async def test_retention_forgets_sign_in_records_after_an_hour(open_place: OpenPlace) -> None:  # noqa: F811
    place = await open_place()
    sign_in = instance(place, ExchangingTokens())
    await sign_in._exchanges.create({"at": (NOW - timedelta(minutes=61)).isoformat()}, "29:ana", "old")
    await sign_in._exchanges.create({"at": (NOW - timedelta(minutes=59)).isoformat()}, "29:ana", "new")
    await sign_in._pending.put({"text": "x", "at": (NOW - timedelta(hours=2)).isoformat()}, "k", "29:ana")
    assert await sign_in.forget_expired(NOW) == 2
    assert list(await sign_in._exchanges.keys()) == [("29:ana", "new")]
    assert await sign_in._pending.keys() == []
