"""Who may post to /api/messages: only the Bot Connector service, proven by its signed token.

botbuilder's own validation answers a forged or expired token with a 500, checks the algorithm only after
fetching keys, and fetches Microsoft's OpenID metadata with a synchronous `requests.get` on the event
loop. So the bot validates inbound tokens itself and hands botbuilder the finished result:

- A token that can never be valid (not a JWT, not RS256, no key id, wrong issuer or audience, expired
  or not yet valid) is refused before the body is read and without any network call.
- Signing keys come from the channel's OpenID metadata over aiohttp, are cached, refreshed in the
  background once a day, and re-read (at most every few minutes) when a token names an unknown key.
  When keys are needed and can't be had, the request is 503 with Retry-After, never 500.
- The signature, the channel's endorsement of the key, and the `serviceurl` claim against the
  activity's serviceUrl are checked before anything runs.

Anonymous mode (no app id) is for local testing on loopback: it answers only activities whose serviceUrl
is itself a loopback address, so a stranger can't make the bot post to URLs of their choosing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
)
from jwt.algorithms import RSAAlgorithm

logger = logging.getLogger("bot.auth")

CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
CHANNEL_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
# The Bot Connector's clock tolerance (botframework-connector's ChannelValidation).
LEEWAY_SECONDS = 5 * 60
KEYS_MAX_AGE_SECONDS = 24 * 3600
# A token naming a key we don't know re-reads the keys at most this often (a forged kid costs nothing).
UNKNOWN_KEY_COOLDOWN_SECONDS = 5 * 60
FETCH_TIMEOUT_SECONDS = 5.0


class Unauthenticated(Exception):
    """401: the request does not come from the Bot Connector. The reason goes to the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def unverified_bearer(authorization: str) -> tuple[str, str, dict[str, Any]]:
    """An Authorization header's bearer token, its signing key id and its claims, not yet verified (the
    bot's and the tab's checks refuse what can never be valid before fetching any key); raises
    Unauthenticated."""
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token.strip():
        raise Unauthenticated("no bearer token")
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Unauthenticated("not a JWT") from None
    if header.get("alg") != "RS256":
        raise Unauthenticated("algorithm is not RS256")
    key_id = header.get("kid")
    if not isinstance(key_id, str) or not key_id:
        raise Unauthenticated("no key id")
    return token, key_id, claims


class KeysUnavailable(Exception):
    """503: the token may be fine, but the channel's signing keys can't be fetched right now."""


@dataclass(frozen=True)
class SigningKey:
    public_key: Any
    endorsements: tuple[str, ...]


def _keys_of(jwks: Any) -> dict[str, SigningKey]:
    keys: dict[str, SigningKey] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not isinstance(jwk.get("kid"), str):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
            continue
        endorsements = jwk.get("endorsements")
        endorsed = (
            tuple(e for e in endorsements if isinstance(e, str)) if isinstance(endorsements, list) else ()
        )
        keys[jwk["kid"]] = SigningKey(public_key, endorsed)
    return keys


class SigningKeys:
    """The channel's published signing keys, fetched without blocking the event loop."""

    def __init__(
        self,
        metadata_url: str = CHANNEL_METADATA_URL,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = KEYS_MAX_AGE_SECONDS,
        unknown_key_cooldown: float = UNKNOWN_KEY_COOLDOWN_SECONDS,
    ) -> None:
        self._metadata_url = metadata_url
        self._clock = clock
        self._max_age = max_age
        self._cooldown = unknown_key_cooldown
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._fetching: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def key(self, key_id: str) -> SigningKey | None:
        """The key named `key_id`; None when the channel doesn't publish it. Raises KeysUnavailable."""
        if self._fetched_at is None:
            await self._refresh_once()
        elif self._clock() - self._fetched_at > self._max_age:
            self._start_refresh()  # stale keys still verify; fresh ones arrive in the background
        found = self._keys.get(key_id)
        if found is None and (self._tried_at is None or self._clock() - self._tried_at > self._cooldown):
            await self._refresh_once()
            found = self._keys.get(key_id)
        return found

    async def run(self, prefetch: bool, every: float | None = None) -> None:
        """Refresh in the background, so no request waits for the daily refresh (nor, when `prefetch`, the
        first one, fetched a second after start-up: a bot that fails to bind stops without trying)."""
        if prefetch:
            await asyncio.sleep(1)
            if self._fetched_at is None:
                self._start_refresh()
        while True:
            await asyncio.sleep(every or self._max_age)
            self._start_refresh()

    async def close(self) -> None:
        if self._fetching is not None:
            self._fetching.cancel()
        if self._session is not None:
            await self._session.close()

    def _start_refresh(self) -> asyncio.Task[None]:
        """One fetch at a time, however many requests ask for it."""
        if self._fetching is None or self._fetching.done():
            self._fetching = asyncio.ensure_future(self._fetch())
            self._fetching.add_done_callback(self._fetched)
        return self._fetching

    def _fetched(self, fetch: asyncio.Task[None]) -> None:
        error = None if fetch.cancelled() else fetch.exception()
        if error is not None:
            logger.warning(
                "signing keys unavailable url=%s error=%s", self._metadata_url, type(error).__name__
            )

    async def _refresh_once(self) -> None:
        try:
            # Shielded: a request that gives up doesn't cancel the fetch others are waiting for.
            await asyncio.shield(self._start_refresh())
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
            if not self._keys:
                raise KeysUnavailable() from None

    async def _fetch(self) -> None:
        self._tried_at = self._clock()
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS))
        async with self._session.get(self._metadata_url) as response:
            response.raise_for_status()
            jwks_uri = (await response.json(content_type=None))["jwks_uri"]
        async with self._session.get(jwks_uri) as response:
            response.raise_for_status()
            keys = _keys_of(await response.json(content_type=None))
        if not keys:
            raise ValueError("no RSA keys published")
        self._keys, self._fetched_at = keys, self._clock()
        logger.info("signing keys refreshed count=%d", len(keys))


@dataclass(frozen=True)
class PlausibleToken:
    """A bearer token that passed every check needing no key: only its signature is left to prove."""

    token: str
    key_id: str


def is_loopback_host(host: str) -> bool:
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(url).hostname or "")
    except ValueError:
        return False


class InboundAuthentication:
    """Authenticates `/api/messages` requests; the result goes to botbuilder's `process_activity`."""

    def __init__(
        self,
        app_id: str,
        sdk: BotFrameworkAuthentication,
        keys: SigningKeys,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.app_id = app_id
        self._sdk = sdk
        self.keys = keys
        self._now = now

    @property
    def anonymous(self) -> bool:
        return not self.app_id

    def precheck(self, authorization: str) -> PlausibleToken | None:
        """Raises Unauthenticated for a token that can never be valid; no network, no body read yet."""
        if self.anonymous:
            return None
        token, key_id, claims = unverified_bearer(authorization)
        self._check_claims(claims)
        return PlausibleToken(token, key_id)

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        now = self._now()
        if claims.get("iss") != CHANNEL_ISSUER:
            raise Unauthenticated("wrong issuer")
        audience = claims.get("aud")
        if audience != self.app_id and not (isinstance(audience, list) and audience == [self.app_id]):
            raise Unauthenticated("wrong audience")
        expires, not_before = claims.get("exp"), claims.get("nbf", 0)
        if not isinstance(expires, int | float) or expires + LEEWAY_SECONDS < now:
            raise Unauthenticated("expired")
        if not isinstance(not_before, int | float) or not_before - LEEWAY_SECONDS > now:
            raise Unauthenticated("not yet valid")

    async def authenticate(self, plausible: PlausibleToken | None, activity: Activity) -> Any:
        """botbuilder's AuthenticateRequestResult for a proven request; raises Unauthenticated or
        KeysUnavailable."""
        if plausible is None:
            if not is_loopback_url(activity.service_url or ""):
                raise Unauthenticated("anonymous mode answers loopback serviceUrls only")
            # No header: botbuilder's anonymous identity, with no network call.
            return await self._sdk.authenticate_request(activity, "")
        key = await self.keys.key(plausible.key_id)
        if key is None:
            raise Unauthenticated("unknown signing key")
        if key.endorsements and activity.channel_id not in key.endorsements:
            raise Unauthenticated("key not endorsed for this channel")
        try:
            claims = jwt.decode(
                plausible.token,
                key.public_key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=CHANNEL_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"signature or claims invalid ({type(error).__name__})") from None
        if claims.get("serviceurl") != activity.service_url:
            raise Unauthenticated("serviceurl claim does not match the activity")
        identity = ClaimsIdentity(claims, True)
        result = AuthenticateRequestResult()
        result.claims_identity = identity
        result.audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        result.caller_id = CallerIdConstants.public_azure_channel
        result.connector_factory = self._sdk.create_connector_factory(identity)
        return result
