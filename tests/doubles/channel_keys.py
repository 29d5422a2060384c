"""The Bot Connector's token signing, on loopback: its OpenID metadata and JWKS, and tokens it would mint.

Shaped like `login.botframework.com/v1/.well-known/openidconfiguration` and the `jwks_uri` it names:
RSA keys with a `kid` and the channels that endorse them. `token()` mints what Teams sends in the
`Authorization` header of an activity (RS256, issuer api.botframework.com, audience the bot's app id,
`serviceurl` the activity's).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"
ISSUER = "https://api.botframework.com"
KEY_ID = "teams-signing-key-1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


# One key for the whole test session: generating RSA keys is the slow part.
SIGNING_KEY = new_key()
OTHER_KEY = new_key()


@dataclass
class ChannelKeys:
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=lambda: {KEY_ID: SIGNING_KEY})
    endorsements: list[str] = field(default_factory=lambda: ["msteams"])
    # Every request that reached the double: "metadata" or "jwks".
    hits: list[str] = field(default_factory=list)
    base_url: str = ""
    # How long the metadata endpoint takes to answer (a slow or distant login.botframework.com).
    delay_seconds: float = 0.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/.well-known/keys", self._jwks)
        return app

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/v1/.well-known/openidconfiguration"

    async def _metadata(self, _: web.Request) -> web.Response:
        self.hits.append("metadata")
        await asyncio.sleep(self.delay_seconds)
        return web.json_response(
            {
                "issuer": ISSUER,
                "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _jwks(self, _: web.Request) -> web.Response:
        self.hits.append("jwks")
        published = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            published.append({**jwk, "kid": kid, "use": "sig", "endorsements": self.endorsements})
        return web.json_response({"keys": published})


def claims(service_url: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "serviceurl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        "iss": ISSUER,
        "aud": APP_ID,
        **changes,
    }


def token(service_url: str, key: rsa.RSAPrivateKey = SIGNING_KEY, kid: str = KEY_ID, **changes: Any) -> str:
    return jwt.encode(claims(service_url, **changes), key, algorithm="RS256", headers={"kid": kid})


class StaticCredentials:
    """Outbound credentials without MSAL: what ChannelAuthorization asks of botbuilder's credentials."""

    def get_access_token(self) -> str:
        return "outbound-test-token"


class StaticCredentialsFactory:
    async def create_credentials(self, *_: Any) -> StaticCredentials:
        return StaticCredentials()
