"""Our client for the Bot Framework token service (the user-token API botbuilder's UserTokenClient calls).

It holds people's tokens for the Azure Bot's OAuth connection (BOT_SSO_CONNECTION): the bot asks it for
a person's token, has it exchange the token Teams gives on single sign-on, and signs people out. Like
the Connector client: one pooled aiohttp session with timeouts, the bot's own token
(`https://api.botframework.com` scope) on every call. Paths and shapes are botframework-connector's
`token_api` (`/api/usertoken/GetToken|exchange|SignOut`, `/api/botsignin/GetSignInResource`,
`api-version=token`). Tokens pass through and are never logged: lines name the call and the status.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.outbound.connector import AuthorizationSource

logger = logging.getLogger("bot.token_service")

API_VERSION = "token"
# No token (never signed in, signed out) or an exchange the service couldn't do (consent, MFA).
_NO_TOKEN = frozenset({400, 404})


class TokenServiceUnavailable(Exception):
    """The token service didn't answer usefully (unreachable, timed out, 5xx, 401/403 for the bot)."""

    def __init__(self, call: str, status: int | None) -> None:
        super().__init__(f"token service {call} answered {status or 'nothing'}")
        self.status = status


@dataclass(frozen=True)
class SignInResource:
    """What an OAuthCard needs: the fallback sign-in link, and the resource Teams exchanges silently."""

    sign_in_link: str
    exchange_id: str
    exchange_uri: str
    provider_id: str


class UserTokens:
    def __init__(
        self,
        base_url: str,
        authorization: AuthorizationSource,
        *,
        connect_seconds: float = 5.0,
        read_seconds: float = 10.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._authorization = authorization
        self._timeout = aiohttp.ClientTimeout(total=None, connect=connect_seconds, sock_read=read_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def token(self, user_id: str, connection: str, channel_id: str, code: str = "") -> str | None:
        """The person's token (None: they have none); `code` is a magic code from a fallback sign-in."""
        params = {"userId": user_id, "connectionName": connection, "channelId": channel_id}
        if code:
            params["code"] = code
        status, payload = await self._call("GET", "/api/usertoken/GetToken", "get-token", params)
        return _token_of(payload) if status == 200 else None

    async def exchange(self, user_id: str, connection: str, channel_id: str, sso_token: str) -> str | None:
        """Teams' single sign-on token exchanged for the connection's token (None: it can't be; Teams then
        shows the sign-in button)."""
        params = {"userId": user_id, "connectionName": connection, "channelId": channel_id}
        body = {"uri": None, "token": sso_token}
        status, payload = await self._call("POST", "/api/usertoken/exchange", "exchange", params, body)
        return _token_of(payload) if status == 200 else None

    async def sign_out(self, user_id: str, connection: str, channel_id: str) -> None:
        params = {"userId": user_id, "connectionName": connection, "channelId": channel_id}
        await self._call("DELETE", "/api/usertoken/SignOut", "sign-out", params)

    async def sign_in_resource(
        self, connection: str, conversation: Mapping[str, Any], app_id: str
    ) -> SignInResource:
        """`GetSignInResource` for a TokenExchangeState (base64 JSON) naming the conversation."""
        state = {
            "connectionName": connection,
            "conversation": dict(conversation),
            "relatesTo": None,
            "msAppId": app_id,
        }
        encoded = base64.b64encode(json.dumps(state).encode("utf-8")).decode("ascii")
        status, payload = await self._call(
            "GET", "/api/botsignin/GetSignInResource", "sign-in-resource", {"state": encoded}
        )
        if status != 200 or not isinstance(payload, dict):
            raise TokenServiceUnavailable("sign-in-resource", status)
        resource = payload.get("tokenExchangeResource") or {}
        return SignInResource(
            str(payload.get("signInLink", "")),
            str(resource.get("id", "")),
            str(resource.get("uri", "")),
            str(resource.get("providerId", "")),
        )

    async def _call(
        self,
        method: str,
        path: str,
        call: str,
        params: Mapping[str, str],
        body: Any = None,
    ) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        authorization = await self._authorization(self._base)
        if authorization:
            headers["Authorization"] = authorization
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        query = {**params, "api-version": API_VERSION}
        try:
            async with self._session.request(
                method, self._base + path, params=query, json=body, headers=headers
            ) as response:
                status = response.status
                try:
                    payload: Any = await response.json(content_type=None)
                except ValueError:
                    payload = None
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("token service unreachable call=%s error=%s", call, type(error).__name__)
            raise TokenServiceUnavailable(call, None) from None
        if status >= 400 and status not in _NO_TOKEN:
            logger.warning("token service failed call=%s status=%d", call, status)
            raise TokenServiceUnavailable(call, status)
        logger.info("token service call=%s status=%d", call, status)
        return status, payload

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _token_of(payload: Any) -> str | None:
    token = payload.get("token") if isinstance(payload, dict) else None
    return token if isinstance(token, str) and token else None
