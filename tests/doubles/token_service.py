"""The Bot Framework token service (the user-token API botbuilder's UserTokenClient calls) on loopback.

Paths, query parameters and bodies as botframework-connector's `token_api` sends them (`api-version=token`):
`GET /api/usertoken/GetToken` (200 TokenResponse, 404 none), `POST /api/usertoken/exchange` (body
`{"uri", "token"}`: 200 TokenResponse, 400 ErrorResponse when it can't), `DELETE /api/usertoken/SignOut`,
`GET /api/usertoken/GetTokenStatus`, `GET /api/botsignin/GetSignInResource?state=<base64
TokenExchangeState>` (200 SignInUrlResponse). The tokens it holds are user tokens for the partner app,
minted by the Entra double (so the on-behalf-of grant decides about MFA, consent and revocation).
`POST /_test/signin` is the popup sign-in a person finishes in the browser: it returns the magic code
Teams then sends in `signin/verifyState`.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.doubles.entra import FakeEntra, claims_of

CONNECTION = "sso"


@dataclass
class FakeTokenService:
    entra: FakeEntra
    tenant_id: str
    bot_app_id: str = ""
    base_url: str = ""
    # (userId, connection) -> the user token held for them.
    held: dict[tuple[str, str], str] = field(default_factory=dict)
    # userIds whose exchange fails (the connection's consent isn't given yet): Teams must fall back.
    exchange_refused: set[str] = field(default_factory=set)
    # magic code -> (userId, token) from a finished popup sign-in.
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    sign_outs: list[str] = field(default_factory=list)
    exchanges: list[str] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        @web.middleware
        async def bot_only(request: web.Request, handler: Any) -> web.StreamResponse:
            if request.path.startswith("/_test/"):
                return await handler(request)
            self.calls.append((request.method, request.path))
            if request.query.get("api-version") != "token":
                return _error(400, "BadArgument", "api-version must be 'token'")
            if self.bot_app_id:
                claims = claims_of(request.headers.get("Authorization")) or {}
                if (
                    claims.get("aud") != "https://api.botframework.com"
                    or claims.get("appid") != self.bot_app_id
                ):
                    return _error(401, "Unauthorized", "The bot's token is missing or not for this service.")
            return await handler(request)

        app = web.Application(middlewares=[bot_only])
        app.router.add_get("/api/usertoken/GetToken", self._get_token)
        app.router.add_post("/api/usertoken/exchange", self._exchange)
        app.router.add_delete("/api/usertoken/SignOut", self._sign_out)
        app.router.add_get("/api/usertoken/GetTokenStatus", self._status)
        app.router.add_get("/api/botsignin/GetSignInResource", self._sign_in_resource)
        app.router.add_post("/_test/signin", self._popup_sign_in)
        return app

    def sso_token(self, object_id: str, upn: str, name: str) -> str:
        """What Teams hands the bot on single sign-on: a token for `api://botid-<bot app id>`."""
        claims = claims_of("Bearer " + self.entra.user_token(object_id, upn, name, self.tenant_id)) or {}
        claims["aud"] = f"api://botid-{self.bot_app_id or 'bot'}"
        header = base64.urlsafe_b64encode(b'{"typ":"JWT","alg":"none"}').rstrip(b"=").decode()
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{body}.sig"

    def sign_in(self, user_id: str, object_id: str, upn: str, name: str) -> None:
        """The person signed in earlier: the service holds their token."""
        self.held[(user_id, CONNECTION)] = self.entra.user_token(object_id, upn, name, self.tenant_id)

    async def _get_token(self, request: web.Request) -> web.Response:
        query = request.query
        key = (query.get("userId", ""), query.get("connectionName", ""))
        code = query.get("code", "")
        if code:
            found = self.codes.pop(code, None)
            if found is None or found[0] != key[0]:
                return _error(404, "NotFound", "No token for this code.")
            self.held[key] = found[1]
        token = self.held.get(key)
        if token is None:
            return _error(404, "NotFound", "The user has no token for this connection.")
        return web.json_response(_token_response(key[1], token))

    async def _exchange(self, request: web.Request) -> web.Response:
        query = request.query
        user_id, connection = query.get("userId", ""), query.get("connectionName", "")
        body = await request.json()
        self.exchanges.append(user_id)
        sso = claims_of("Bearer " + str(body.get("token") or "")) or {}
        if user_id in self.exchange_refused or not sso.get("oid"):
            return _error(400, "ExchangeFailed", "The token could not be exchanged: consent is required.")
        token = self.entra.user_token(
            str(sso["oid"]), str(sso.get("upn", "")), str(sso.get("name", "")), self.tenant_id
        )
        self.held[(user_id, connection)] = token
        return web.json_response(_token_response(connection, token))

    async def _sign_out(self, request: web.Request) -> web.Response:
        query = request.query
        user_id = query.get("userId", "")
        self.sign_outs.append(user_id)
        for key in [
            k for k in self.held if k[0] == user_id and query.get("connectionName") in ("", None, k[1])
        ]:
            del self.held[key]
        return web.Response(status=200)

    async def _status(self, request: web.Request) -> web.Response:
        user_id = request.query.get("userId", "")
        return web.json_response(
            [
                {
                    "channelId": request.query.get("channelId", ""),
                    "connectionName": CONNECTION,
                    "hasToken": (user_id, CONNECTION) in self.held,
                    "serviceProviderDisplayName": "Azure Active Directory v2",
                }
            ]
        )

    async def _sign_in_resource(self, request: web.Request) -> web.Response:
        raw = request.query.get("state", "")
        try:
            state = json.loads(base64.b64decode(raw))
        except ValueError:
            return _error(400, "BadArgument", "state is not a TokenExchangeState")
        self.states.append(state)
        app_id = str(state.get("msAppId") or self.bot_app_id or "bot")
        return web.json_response(
            {
                "signInLink": f"{self.base_url}/api/oauth/signin?signin={secrets.token_urlsafe(16)}",
                "tokenExchangeResource": {
                    "id": str(uuid.uuid4()),
                    "uri": f"api://botid-{app_id}",
                    "providerId": "30dd229c-58e3-4a48-bdfd-91ec48eb906c",
                },
                "tokenPostResource": {"sasUrl": None},
            }
        )

    async def _popup_sign_in(self, request: web.Request) -> web.Response:
        query = request.query
        code = f"{secrets.randbelow(10**6):06d}"
        token = self.entra.user_token(query["objectId"], query["upn"], query.get("name", ""), self.tenant_id)
        self.codes[code] = (query["userId"], token)
        return web.json_response({"code": code})


def _token_response(connection: str, token: str) -> dict[str, Any]:
    return {"channelId": "msteams", "connectionName": connection, "token": token, "expiration": None}


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message, "innerHttpError": {"statusCode": status, "body": None}}},
        status=status,
    )
