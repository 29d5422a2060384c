"""Who is looking at the overview tab: the Teams tab SSO token (`getAuthToken`) in `Authorization: Bearer`.

The token is an Entra access token for the bot's own app registration (the same one its Teams SSO uses),
so it is checked the way Entra documents access-token validation (learn.microsoft.com/entra/
identity-platform/access-tokens, "Validate tokens"): RS256 signed by a key Entra publishes (the
`jwks_uri` of the authority's OpenID metadata, fetched and cached by inbound_auth's SigningKeys), its
audience this app (the app id in a v2.0 token, the Application ID URI the manifest's webApplicationInfo
names in a v1.0 one), issued by the person's tenant at the configured sign-in host (national clouds set
AZURE_AUTHORITY_HOST), unexpired, and delegated (`scp` carries `access_as_user`: an app-only token is
nobody). Nothing is decided on unverified claims except refusing early, and the reason goes to the log only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from bot.edge.inbound_auth import LEEWAY_SECONDS, SigningKeys, Unauthenticated, unverified_bearer

# The scope Teams tab SSO asks for (tab-sso-register-aad: "Expose an API", scope name access_as_user).
TAB_SCOPE = "access_as_user"
# v1.0 tokens of the public cloud are issued by sts.windows.net (access-token claims reference, `iss`);
# other clouds are accepted with v2.0 tokens (accessTokenAcceptedVersion 2 in the app's manifest).
V1_ISSUERS = {"https://login.microsoftonline.com": "https://sts.windows.net"}


def entra_metadata_url(authority_host: str, tenant: str) -> str:
    """The OpenID metadata of the authority (the app's tenant, or `common` for a multi-tenant app)."""
    return f"{authority_host.rstrip('/')}/{tenant or 'common'}/v2.0/.well-known/openid-configuration"


def tab_audiences(app_id: str, domain: str) -> frozenset[str]:
    """What a token for this app names as its audience: the app id (v2.0) or the Application ID URI of
    the tab's domain (v1.0; the manifest's webApplicationInfo.resource, with or without `botid-`)."""
    audiences = {app_id}
    if domain:
        audiences |= {f"api://{domain}/botid-{app_id}", f"api://{domain}/{app_id}"}
    return frozenset(audiences)


@dataclass(frozen=True)
class TabViewer:
    """The person a proven token names."""

    object_id: str
    tenant_id: str
    name: str


class TabTokens:
    """Proves tab SSO tokens. `tenants`: the tenants whose people may look (ALLOWED_TENANTS, else the app's
    own tenant, else any tenant Entra issued for, as the bot's own turns)."""

    def __init__(
        self,
        app_id: str,
        domain: str,
        authority_host: str,
        tenants: frozenset[str],
        keys: SigningKeys,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.app_id = app_id
        self._audiences = tab_audiences(app_id, domain)
        self._authority = authority_host.rstrip("/")
        self._tenants = frozenset(t.casefold() for t in tenants)
        self.keys = keys
        self._now = now

    def _issuers(self, tenant: str) -> list[str]:
        issuers = [f"{self._authority}/{tenant}/v2.0"]
        v1 = V1_ISSUERS.get(self._authority.casefold())
        if v1:
            issuers.append(f"{v1}/{tenant}/")
        return issuers

    async def viewer(self, authorization: str) -> TabViewer:
        """The person; raises Unauthenticated (401) or inbound_auth's KeysUnavailable (503)."""
        if not self.app_id:
            raise Unauthenticated("no app id: tab sign-in is off")
        token, key_id, unverified = unverified_bearer(authorization)
        tenant = str(unverified.get("tid", "")).casefold()
        if not tenant or (self._tenants and tenant not in self._tenants):
            raise Unauthenticated("tenant not allowed")
        issuers = self._issuers(tenant)
        self._check(unverified, issuers)  # early refusal, before any key is fetched
        key = await self.keys.key(key_id)
        if key is None:
            raise Unauthenticated("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=["RS256"],
                audience=list(self._audiences),
                issuer=issuers,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud", "tid", "oid"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"signature or claims invalid ({type(error).__name__})") from None
        if TAB_SCOPE not in str(claims.get("scp", "")).split():
            raise Unauthenticated("not a delegated token for the tab")
        return TabViewer(str(claims["oid"]), str(claims["tid"]), str(claims.get("name", "")))

    def _check(self, claims: Mapping[str, Any], issuers: list[str]) -> None:
        if claims.get("iss") not in issuers:
            raise Unauthenticated("wrong issuer")
        if claims.get("aud") not in self._audiences:
            raise Unauthenticated("wrong audience")
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires + LEEWAY_SECONDS < self._now():
            raise Unauthenticated("expired")
