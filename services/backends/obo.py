"""Tokens on behalf of the signed-in person (MSAL's on-behalf-of grant), so what they file is theirs.

- The person's token from the Bot Framework token service (the assertion, audience the partner app) is
  redeemed by the partner app for Partner Center or Azure Resource Manager in the tenant the call goes to.
- MSAL's `acquire_token_on_behalf_of` always asks Entra and writes the answer, refresh token included,
  into the app object's token cache. So each person gets their own application objects over a private
  in-memory cache: never the shared app-only cache, never the persisted GDAP cache file. People's tokens
  never reach a disk.
- Answers are kept here by (assertion digest, tenant, scope) until five minutes before they expire, one
  request per key at a time (ten concurrent calls cost one grant), bounded, and dropped on sign out.
- Entra's refusals become SignInRequired with what the person must do (MFA, consent, sign in again);
  only the error codes are logged, never a token or Entra's description.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import msal

from services.backends.live.config import CustomerAccess, LiveConfig
from services.backends.tokens import MsalTokens, TokenError, TokenSource, _codes
from services.domain.signed_in import SignedIn, SignInRequired, signed_in

logger = logging.getLogger("services.tokens")

# How many people keep their MSAL objects, and how many tokens are kept, before the oldest go.
MAX_PEOPLE = 500
MAX_TOKENS = 2000
# Like MSAL: a token with less than five minutes left counts as expired.
_EARLY_SECONDS = 300.0

_MFA_CODES = frozenset({50076, 50079, 50074, 50158})
_CONSENT_CODES = frozenset({65001, 65004})
_REVOKED_CODES = frozenset({50173, 54005, 50135})
_EXPIRED_CODES = frozenset({700082, 70043, 50013, 50027, 70000})


def refusal_reason(error: str, codes: tuple[int, ...]) -> str | None:
    """What an Entra refusal of an on-behalf-of grant asks of the person; None: not theirs to fix (the
    app's credential, a tenant without the app), said the way every other sign-in failure is."""
    found = set(codes)
    if found & _MFA_CODES or error == "interaction_required":
        return "mfa"
    if found & _CONSENT_CODES or error == "consent_required":
        return "consent"
    if found & _REVOKED_CODES:
        return "revoked"
    if found & _EXPIRED_CODES or (error == "invalid_grant" and not found):
        return "expired"
    return None


class PersonTokens:
    """On-behalf-of tokens for whoever is signed in, over private per-person MSAL caches."""

    def __init__(self, config: LiveConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        # The partner app's confidential client and HTTP session, without the GDAP cache file.
        self._msal = MsalTokens(replace(config, customer_access=CustomerAccess.APP_ONLY), clock=clock)
        self._clock = clock
        self._people: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._held: OrderedDict[tuple[str, str, str, str], tuple[str, float]] = OrderedDict()
        self._locks: dict[tuple[str, str, str, str], asyncio.Lock] = {}
        self.grants = 0

    async def bearer(self, person: SignedIn, tenant_id: str, scope: str) -> str:
        assertion = await person.assertion()
        digest = hashlib.sha256(assertion.encode("utf-8")).hexdigest()
        key = (person.object_id, digest, tenant_id, scope)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            held = self._held.get(key)
            if held is not None and held[1] > self._clock():
                self._held.move_to_end(key)
                return f"Bearer {held[0]}"
            app = await self._app(person.object_id, tenant_id, scope)
            result: dict[str, Any] = await self._msal.signing_in(
                tenant_id, scope, lambda: app.acquire_token_on_behalf_of(assertion, [scope])
            )
            token = result.get("access_token")
            if isinstance(token, str) and token:
                self.grants += 1
                lifetime = float(result.get("expires_in", 0)) - _EARLY_SECONDS
                self._held[key] = (token, self._clock() + lifetime)
                while len(self._held) > MAX_TOKENS:
                    dropped, _ = self._held.popitem(last=False)
                    self._locks.pop(dropped, None)
                logger.info("token acquired on behalf of a person tenant=%s scope=%s", tenant_id, scope)
                return f"Bearer {token}"
        error = str(result.get("error", "unknown_error"))
        codes = _codes(result)
        logger.warning(
            "token on behalf of a person refused tenant=%s scope=%s error=%s codes=%s",
            tenant_id,
            scope,
            error,
            codes,
        )
        reason = refusal_reason(error, codes)
        if reason is not None:
            self.forget(person.object_id)
            raise person.refused(reason)
        raise TokenError(tenant_id, scope, error, str(result.get("error_description", "")), codes)

    async def _app(self, object_id: str, tenant_id: str, scope: str) -> Any:
        apps = self._people.get(object_id)
        if apps is None:
            apps = self._people[object_id] = {"cache": msal.TokenCache()}
            while len(self._people) > MAX_PEOPLE:
                self._people.popitem(last=False)
        self._people.move_to_end(object_id)
        authority = self._msal.authority(tenant_id)
        if authority not in apps:
            cache = apps["cache"]
            apps[authority] = await self._msal.signing_in(
                tenant_id, scope, lambda: self._msal.confidential_app(authority, cache)
            )
        return apps[authority]

    def forget(self, object_id: str) -> None:
        """Sign out (or a refusal): the person's MSAL objects, their cache and every token kept for them."""
        self._people.pop(object_id, None)
        for key in [k for k in self._held if k[0] == object_id]:
            del self._held[key]
            self._locks.pop(key, None)

    def holds(self, object_id: str) -> bool:
        """Whether anything of the person's is kept (tests: sign out drops it)."""
        return object_id in self._people or any(k[0] == object_id for k in self._held)

    def close(self) -> None:
        self._people.clear()
        self._held.clear()
        self._msal.close()


class ActingTokens:
    """A TokenSource that acts as the signed-in person when there is one (a turn of theirs, SSO on), and
    as the app otherwise (the watcher, notices, shared catalogues)."""

    def __init__(self, app: TokenSource, people: PersonTokens) -> None:
        self._app = app
        self._people = people

    async def bearer(self, tenant_id: str, scope: str) -> str:
        person = signed_in()
        if person is None:
            return await self._app.bearer(tenant_id, scope)
        return await self._people.bearer(person, tenant_id, scope)


__all__ = ["ActingTokens", "PersonTokens", "SignInRequired", "refusal_reason"]
