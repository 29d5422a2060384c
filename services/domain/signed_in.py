"""The person a turn acts as with their own token (Teams SSO on, BOT_SSO_CONNECTION set).

The bot sets it for a person's turn; the live desk's writes then go on behalf of that person (Partner
Center and Azure show who did it) and the audit entry names them. Their token is fetched from the Bot
Framework token service only when a write needs it (at most once a turn) and lives in memory for the
turn: it is never logged, stored or shown (`repr` hides it). Outside a turn, or with SSO off, nobody is
signed in and calls use the app's own identity (the watcher, notices, shared catalogues).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from services.domain.errors import SupportDeskError

# Why a person's sign-in can't be used, each with its own wording (`error.person_sign_in_<reason>`).
SIGN_IN_REASONS = ("none", "expired", "revoked", "consent", "mfa")


class SignInRequired(SupportDeskError):
    """The person has no usable token: never signed in or signed out ('none'), expired, revoked, consent
    missing or MFA wanted. The dialog says so in one card; the bot then offers the sign-in button and
    resumes the command once they signed in."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"error.person_sign_in_{reason}")
        self.reason = reason


@dataclass
class SignedIn:
    """One person's turn. `fetch` asks the token service for their token (None: they have none)."""

    object_id: str
    name: str
    fetch: Callable[[], Awaitable[str | None]] = field(repr=False)
    # What ended the turn's sign-in ('' while fine): the bot reads it after the dialog ran.
    failed: str = ""
    _assertion: str | None = field(default=None, repr=False)
    upn: str = ""

    async def assertion(self) -> str:
        """The person's token for the partner app (the OBO assertion), fetched once a turn."""
        if self._assertion is None:
            token = await self.fetch()
            if not token:
                raise self.refused("none")
            self._assertion = token
            self.upn = _upn_of(token)
        return self._assertion

    def refused(self, reason: str) -> SignInRequired:
        self.failed = reason
        return SignInRequired(reason)

    @property
    def acted(self) -> bool:
        """Whether this turn fetched their token (a write went out as them)."""
        return self._assertion is not None


def _upn_of(token: str) -> str:
    """The UPN a (token service issued, TLS-fetched) user token names; not a validation: Entra validates
    the token when the bot redeems it on the person's behalf."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        claims: Any = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return ""
    if not isinstance(claims, dict):
        return ""
    found = claims.get("upn") or claims.get("preferred_username") or ""
    return found if isinstance(found, str) else ""


_CURRENT: ContextVar[SignedIn | None] = ContextVar("signed_in", default=None)


@contextmanager
def signed_in_as(person: SignedIn | None) -> Iterator[None]:
    """Everything awaited inside acts as `person` (None: as the app)."""
    token = _CURRENT.set(person)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def signed_in() -> SignedIn | None:
    return _CURRENT.get()
