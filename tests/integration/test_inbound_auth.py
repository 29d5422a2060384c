"""Only the Bot Connector gets in: real token validation against a local OpenID metadata + JWKS double.

Every forged, expired or misdirected token is a 401 with nothing sent and no turn run; a token that can
never be valid is refused without fetching keys; keys are fetched once and shared; when they can't be
fetched the answer is 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient, unused_port
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity

from app import SIGNING_KEYS, create_app
from bot.edge.inbound_auth import InboundAuthentication, SigningKeys, Unauthenticated
from settings import Settings, SettingsError
from tests.doubles.channel_keys import (
    APP_ID,
    KEY_ID,
    OTHER_KEY,
    ChannelKeys,
    StaticCredentialsFactory,
    claims,
    token,
)
from tests.doubles.connector import FakeConnector
from tests.integration.teams import channel_message
from tests.support import harness
from tests.support.harness import DEMO_NOW
from tests.support.visible import visible_text

Start = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def channel_keys(aiohttp_server: Any) -> ChannelKeys:
    keys = ChannelKeys()
    server = await aiohttp_server(keys.app())
    keys.base_url = str(server.make_url("")).rstrip("/")
    return keys


@pytest.fixture
def start(aiohttp_client: Any, tmp_path: Path, channel_keys: ChannelKeys) -> Start:
    async def start_bot(**settings: Any) -> TestClient[Any, Any]:
        defaults: dict[str, Any] = {
            "app_id": APP_ID,
            "app_password": "app-password-never-logged",
            "openid_metadata_url": channel_keys.metadata_url,
        }
        app = create_app(
            Settings(data_dir=tmp_path, **{**defaults, **settings}),
            backend=harness.default_backend(),
            clock=lambda: DEMO_NOW,
            channel_credentials=StaticCredentialsFactory(),
        )
        return await aiohttp_client(app)

    return start_bot


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _tampered(service_url: str) -> str:
    header, _, signature = token(service_url).split(".")
    forged = _b64(claims(service_url, aud=APP_ID, serviceurl=service_url, name="mallory"))
    return f"{header}.{forged}.{signature}"


def _alg_none(service_url: str) -> str:
    return f"{_b64({'alg': 'none', 'kid': KEY_ID, 'typ': 'JWT'})}.{_b64(claims(service_url))}."


def _hs256(service_url: str) -> str:
    return jwt.encode(
        claims(service_url), "guessed-secret-32-bytes-long-xxxx", "HS256", headers={"kid": KEY_ID}
    )


# A token that can never be valid is refused before any key is fetched.
NEVER_VALID: dict[str, Callable[[str], str]] = {
    "garbage": lambda url: "not-a-jwt",
    "alg none": _alg_none,
    "HS256": _hs256,
    "expired": lambda url: token(url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
    "not yet valid": lambda url: token(url, nbf=int(time.time()) + 3600),
    "wrong audience": lambda url: token(url, aud="00000000-0000-4000-8000-00000000dead"),
    "wrong issuer": lambda url: token(url, iss="https://login.evil.example/"),
    "no key id": lambda url: jwt.encode(claims(url), OTHER_KEY, algorithm="RS256"),
}
# Plausible until the signature or the activity is checked.
FORGED: dict[str, Callable[[str], str]] = {
    "unknown key id": lambda url: token(url, kid="someone-elses-key"),
    "tampered payload": _tampered,
    "bad signature": lambda url: token(url, key=OTHER_KEY),
    "serviceurl mismatch": lambda url: token("https://smba.evil.example/amer/"),
}


def _nowhere() -> str:
    return f"http://127.0.0.1:{unused_port()}/v1/.well-known/openidconfiguration"


async def test_a_valid_token_gets_the_reply(
    start: Start, connector: FakeConnector, service_url: str, channel_keys: ChannelKeys
) -> None:
    bot = await start()
    response = await bot.post(
        "/api/messages",
        json=channel_message(service_url, "health contoso"),
        headers={"Authorization": f"Bearer {token(service_url)}"},
    )
    assert response.status == 201
    (reply,) = await connector.wait_for_messages(1)
    assert visible_text(reply).startswith("Service health · Contoso Ltd")


@pytest.mark.parametrize("case", [*NEVER_VALID, *FORGED, "missing header", "Basic scheme"])
async def test_anything_else_is_401_and_reaches_no_dialog(
    start: Start,
    connector: FakeConnector,
    service_url: str,
    channel_keys: ChannelKeys,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    bot = await start()
    mint = {**NEVER_VALID, **FORGED}.get(case)
    headers = {"Authorization": f"Bearer {mint(service_url)}"} if mint else {}
    if case == "Basic scheme":
        headers = {"Authorization": "Basic dXNlcjpwYXNz"}
    with caplog.at_level(logging.INFO):
        response = await bot.post(
            "/api/messages", json=channel_message(service_url, "subscribe contoso"), headers=headers
        )
        await asyncio.sleep(0.05)
    assert response.status == 401
    assert await response.json() == {"error": "Missing or invalid Authorization token"}
    assert connector.sent == []
    assert not [r for r in caplog.records if r.name == "bot.turn"], "a turn ran"
    (refusal,) = [r.getMessage() for r in caplog.records if r.name == "bot.http"]
    assert "status=401" in refusal


@pytest.mark.parametrize("case", NEVER_VALID)
async def test_a_token_that_can_never_be_valid_needs_no_keys(
    start: Start, connector: FakeConnector, service_url: str, case: str
) -> None:
    """With Microsoft's metadata unreachable these are still 401 (not 503): no key was asked for."""
    bot = await start(openid_metadata_url=_nowhere())
    headers = {"Authorization": f"Bearer {NEVER_VALID[case](service_url)}"}
    response = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    assert response.status == 401
    assert connector.sent == []


async def test_a_refused_token_changes_nothing(
    start: Start, connector: FakeConnector, service_url: str
) -> None:
    """A forged `subscribe` leaves no subscription behind: the real one that follows says it's new."""
    bot = await start()
    forged = channel_message(service_url, "subscribe contoso")
    forged_token = token(service_url, key=OTHER_KEY)
    response = await bot.post(
        "/api/messages", json=forged, headers={"Authorization": f"Bearer {forged_token}"}
    )
    assert response.status == 401
    response = await bot.post(
        "/api/messages",
        json=channel_message(service_url, "subscriptions", thread=forged["id"]),
        headers={"Authorization": f"Bearer {token(service_url)}"},
    )
    assert response.status == 201
    (reply,) = await connector.wait_for_messages(1)
    assert "Contoso" not in visible_text(reply)


async def test_keys_are_fetched_once_and_shared_by_concurrent_requests(
    start: Start, connector: FakeConnector, service_url: str, channel_keys: ChannelKeys
) -> None:
    bot = await start()
    headers = {"Authorization": f"Bearer {token(service_url)}"}
    answers = await asyncio.gather(
        *(
            bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
            for _ in range(5)
        )
    )
    assert [a.status for a in answers] == [201] * 5
    more = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    assert more.status == 201
    assert channel_keys.hits == ["metadata", "jwks"]


def _probe_until(url: str, stop: threading.Event, answered: threading.Event, latencies: list[float]) -> None:
    """GET `url` over and over from another thread: a blocked event loop shows as a slow answer."""
    while not stop.is_set():
        began = time.monotonic()
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 200
        latencies.append(time.monotonic() - began)
        answered.set()
        stop.wait(0.02)


async def test_fetching_the_keys_never_blocks_the_event_loop(
    start: Start, connector: FakeConnector, service_url: str, channel_keys: ChannelKeys
) -> None:
    """The SDK fetches them with a synchronous `requests.get`: with that, /healthz would wait too.
    /healthz is asked from another thread all through a 2-second fetch of the keys."""
    channel_keys.delay_seconds = 2.0
    bot = await start()
    stop, answered = threading.Event(), threading.Event()
    latencies: list[float] = []
    prober = asyncio.ensure_future(
        asyncio.to_thread(_probe_until, str(bot.make_url("/healthz")), stop, answered, latencies)
    )
    try:
        assert await asyncio.to_thread(answered.wait, 10), "the prober is answered before the fetch starts"
        headers = {"Authorization": f"Bearer {token(service_url)}"}
        signed = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    finally:
        stop.set()
        await prober
    assert max(latencies) < 1.0, f"/healthz waited {max(latencies):.1f} s: the event loop was blocked"
    assert len(latencies) >= 10, "the prober kept asking while the keys were fetched"
    assert signed.status == 201
    assert channel_keys.hits == ["metadata", "jwks"]


async def test_an_unknown_key_id_rereads_the_keys_at_most_once_in_a_while(
    start: Start, service_url: str, channel_keys: ChannelKeys
) -> None:
    bot = await start()
    for _ in range(3):
        forged = {"Authorization": f"Bearer {token(service_url, kid='rotated-or-forged')}"}
        response = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=forged)
        assert response.status == 401
    assert channel_keys.hits == ["metadata", "jwks"]


async def test_a_rotated_key_is_picked_up(
    start: Start, connector: FakeConnector, service_url: str, channel_keys: ChannelKeys
) -> None:
    bot = await start()
    headers = {"Authorization": f"Bearer {token(service_url)}"}
    assert (
        await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    ).status == 201
    channel_keys.keys["teams-signing-key-2"] = OTHER_KEY
    bot.app[SIGNING_KEYS]._tried_at = -1e9  # the cooldown has passed
    rotated = {"Authorization": f"Bearer {token(service_url, key=OTHER_KEY, kid='teams-signing-key-2')}"}
    assert (
        await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=rotated)
    ).status == 201


async def test_a_key_not_endorsed_for_teams_is_refused(
    start: Start, connector: FakeConnector, service_url: str, channel_keys: ChannelKeys
) -> None:
    channel_keys.endorsements = ["skype"]
    bot = await start()
    headers = {"Authorization": f"Bearer {token(service_url)}"}
    response = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    assert response.status == 401
    assert connector.sent == []


async def test_unreachable_keys_are_503_with_retry_after(
    start: Start, connector: FakeConnector, service_url: str
) -> None:
    bot = await start(
        openid_metadata_url=f"http://127.0.0.1:{unused_port()}/v1/.well-known/openidconfiguration"
    )
    headers = {"Authorization": f"Bearer {token(service_url)}"}
    response = await bot.post("/api/messages", json=channel_message(service_url, "help"), headers=headers)
    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    assert connector.sent == []


async def test_anonymous_mode_replies_only_to_loopback_service_urls(
    start: Start, connector: FakeConnector, service_url: str
) -> None:
    bot = await start(app_id="", app_password="")
    stranger = channel_message("https://attacker.example/collect/", "help")
    assert (await bot.post("/api/messages", json=stranger)).status == 401
    assert (await bot.post("/api/messages", json=channel_message(service_url, "help"))).status == 201
    assert len(await connector.wait_for_messages(1)) == 1


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "bot.contoso.example"])
def test_anonymous_mode_is_refused_unless_listening_on_loopback(host: str) -> None:
    with pytest.raises(SettingsError, match=f"HOST={host} needs MicrosoftAppId"):
        Settings.from_env({"HOST": host})
    identity = {"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": "tenant", "MicrosoftAppPassword": "pw"}
    assert Settings.from_env({"HOST": host, **identity}).host == host
    assert Settings.from_env({"HOST": "::1"}).host == "::1"


async def _post_raw(bot: TestClient[Any, Any], path: str, authorization: bytes, body: bytes) -> int:
    """A POST written byte for byte: aiohttp's client won't send a header that isn't valid text."""
    assert bot.server.host is not None and bot.server.port is not None
    reader, writer = await asyncio.open_connection(bot.server.host, bot.server.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {bot.server.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    ).encode()
    writer.write(head + b"Authorization: " + authorization + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


# What a misconfigured proxy or a hand-written client may put in the header: not ASCII, often not UTF-8.
UNREADABLE_AUTHORIZATIONS = [
    b"Bearer caf\xe9",
    b"Bearer \xff\xfe\xfd",
    b"\xe9\xe8",
    b"bearer \x80" + b"a" * 40,
    "Bearer 토큰".encode(),
    b"Bearer " + "é".encode("latin-1") + b".eyJ.sig",
]


@pytest.mark.parametrize("path", ["/api/messages", "/api/notify", "/api/demo/tick"])
@pytest.mark.parametrize("authorization", UNREADABLE_AUTHORIZATIONS)
async def test_an_authorization_header_that_is_not_ascii_is_401_on_every_route(
    start: Start,
    connector: FakeConnector,
    service_url: str,
    caplog: pytest.LogCaptureFixture,
    path: str,
    authorization: bytes,
) -> None:
    bot = await start(notify_token="notify-token-for-tests", demo_tick_seconds=0)
    body = json.dumps(channel_message(service_url, "health contoso")).encode()
    with caplog.at_level(logging.INFO):
        status = await _post_raw(bot, path, authorization, body)
        await asyncio.sleep(0.05)
    assert status == 401
    assert connector.sent == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    (refusal,) = [r.getMessage() for r in caplog.records if r.name == "bot.http"]
    assert f"path={path} status=401" in refusal


async def test_the_signature_check_refuses_an_expired_token_on_its_own(
    channel_keys: ChannelKeys, service_url: str
) -> None:
    """The pre-check reads the clock it is given; the full decode reads the real one. With the pre-check's
    clock two hours slow, an hour-old expired token passes it, and only the full decode can refuse it."""
    keys = SigningKeys(channel_keys.metadata_url)
    slow_clock = lambda: time.time() - 2 * 3600  # noqa: E731
    config = SimpleNamespace(APP_ID=APP_ID, APP_PASSWORD="x", APP_TYPE="MultiTenant", APP_TENANTID="")
    sdk = ConfigurationBotFrameworkAuthentication(config, credentials_factory=StaticCredentialsFactory())
    authentication = InboundAuthentication(APP_ID, sdk, keys, slow_clock)
    activity = Activity().deserialize(channel_message(service_url, "help"))
    expired = token(service_url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 3 * 3600)
    fresh = token(service_url, nbf=int(time.time()) - 3 * 3600)
    try:
        plausible = authentication.precheck(f"Bearer {expired}")
        with pytest.raises(Unauthenticated, match="ExpiredSignatureError"):
            await authentication.authenticate(plausible, activity)
        proven = await authentication.authenticate(authentication.precheck(f"Bearer {fresh}"), activity)
        assert proven.claims_identity.is_authenticated
    finally:
        await keys.close()
