"""The Bot Connector token (the bot's own app registration, botbuilder's MSAL credentials) is acquired and
refreshed off the event loop: while the token endpoint stalls, every other coroutine keeps running."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import msal
from botframework.connector.auth import MicrosoftAppCredentials

from bot.outbound.adapter import ChannelAuthorization
from services.backends.tokens import PinnedSession
from tests.doubles.entra import FakeEntra, claims_of
from tests.doubles.faults import Fault
from tests.doubles.tls import LoopbackCA

APP_ID = "b07a0000-0000-4000-8000-0000000000b7"
APP_PASSWORD = "bot-app-secret"
SERVICE_URL = "https://smba.trafficmanager.net/amer/"


class LoopbackAppCredentials(MicrosoftAppCredentials):
    """botbuilder's own credentials and token code, with its MSAL application pointed at the Entra double
    (our CA, no instance discovery against the public cloud). The application is still built lazily by
    `get_access_token`, as botbuilder does, so OpenID discovery is part of what is measured."""

    def __init__(self, entra: FakeEntra, session: PinnedSession, oauth_scope: str) -> None:
        super().__init__(APP_ID, APP_PASSWORD, oauth_scope=oauth_scope)
        self._entra = entra
        self._session = session

    def _MicrosoftAppCredentials__get_msal_app(self) -> Any:  # noqa: N802 (botbuilder's private hook)
        if not getattr(self, "app", None):
            self.app: Any = msal.ConfidentialClientApplication(
                APP_ID,
                client_credential=APP_PASSWORD,
                authority=f"{self._entra.base_url}/botframework.com",
                instance_discovery=False,
                http_client=self._session,
            )
        return self.app


class LoopbackCredentialsFactory:
    def __init__(self, entra: FakeEntra, session: PinnedSession) -> None:
        self._entra = entra
        self._session = session

    async def create_credentials(self, app_id: str, oauth_scope: str, *_: Any) -> LoopbackAppCredentials:
        assert app_id == APP_ID
        return LoopbackAppCredentials(self._entra, self._session, oauth_scope)


async def _while_the_token_endpoint_stalls(entra: FakeEntra, ask: asyncio.Task[str | None]) -> int:
    """Ticks of another coroutine while `ask` waits on the stalled token endpoint; the endpoint answers
    only after 100 of them, so a token fetched on the event loop would never be answered."""
    gate = entra.token_gate = asyncio.Event()
    ticks = 0
    while not ask.done():
        await asyncio.sleep(0)
        ticks += 1
        if ticks == 100:
            gate.set()
    entra.token_gate = None
    return ticks


async def test_the_bot_connector_token_is_acquired_and_refreshed_without_blocking_the_loop(
    aiohttp_server: Any, test_ca: LoopbackCA
) -> None:
    entra = FakeEntra(client_id=APP_ID, client_secret=APP_PASSWORD)
    server = await aiohttp_server(entra.app(), ssl=test_ca.server_context())
    entra.base_url = str(server.make_url("")).rstrip("/")
    # Timeouts, so a broken test fails instead of hanging: a blocked loop can't answer the token request.
    session = PinnedSession(test_ca.bundle, (2.0, 2.0))
    configuration = SimpleNamespace(APP_ID=APP_ID)
    authorization = ChannelAuthorization(configuration, LoopbackCredentialsFactory(entra, session))
    try:
        # The first token: OpenID discovery and the token request, both on botbuilder's MSAL. The first
        # answer lives less than MSAL's five-minute margin, so the next send refreshes it.
        short_lived = {"token_type": "Bearer", "expires_in": 60, "access_token": "short-lived"}
        entra.faults.add(Fault(200, short_lived, path_contains="/token"))
        first = asyncio.ensure_future(authorization(SERVICE_URL))
        assert await _while_the_token_endpoint_stalls(entra, first) >= 100
        assert await first == "Bearer short-lived"

        refreshed = asyncio.ensure_future(authorization(SERVICE_URL))
        assert await _while_the_token_endpoint_stalls(entra, refreshed) >= 100
        header = await refreshed
        claims = claims_of(header)
        assert claims is not None and claims["appid"] == APP_ID and claims["tid"] == "botframework.com"

        # Served from MSAL's cache from then on: no token request, no waiting.
        assert await authorization(SERVICE_URL) == header
    finally:
        authorization.close()
        session.close()
    grants = [(r.tenant, r.grant_type, r.scope) for r in entra.token_requests]
    assert grants == [("botframework.com", "client_credentials", "https://api.botframework.com/.default")] * 2
    assert entra.discovery_requests == ["botframework.com"]
