"""The Entra ID (v2.0) endpoints MSAL uses, on loopback over https: OpenID discovery, the token endpoint
(client credentials, refresh token, device code) and the device-code endpoint; and the signing keys
(`jwks_uri`, `/{tenant}/discovery/v2.0/keys`) that a person's signed access tokens are checked against:
`tab_token` mints what Teams tab SSO (`getAuthToken`) hands a tab, RS256 with a local key.

Access tokens are unsigned JWTs carrying what the API doubles check: `aud` (the API's origin), `tid`,
`appid`, and `roles` (app-only) or `scp` (delegated). Error bodies are Entra's:
`{"error", "error_description": "AADSTS<n>: ...", "error_codes": [n], ...}`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.doubles.faults import Faults

SERVICE_HEALTH_ROLE = "ServiceHealth.Read.All"
SERVICE_MESSAGE_ROLE = "ServiceMessage.Read.All"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OBO_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Entra's signing key, generated once per test session (RSA generation is the slow part).
SIGNING_KEY_ID = "entra-signing-key-1"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
# What Entra answers an on-behalf-of grant for a person it won't issue for (learn.microsoft.com/entra/
# identity-platform/v2-oauth2-on-behalf-of-flow, "Error response example"; AADSTS codes reference).
OBO_REFUSALS: dict[str, tuple[str, int, str]] = {
    "consent": (
        "invalid_grant",
        65001,
        "The user or administrator has not consented to use the application.",
    ),
    "mfa": (
        "interaction_required",
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, "
        "you must use multi-factor authentication to access the resource.",
    ),
    "revoked": (
        "invalid_grant",
        50173,
        "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
    ),
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unsigned_jwt(claims: Mapping[str, Any]) -> str:
    header = _b64(json.dumps({"typ": "JWT", "alg": "none"}).encode())
    return f"{header}.{_b64(json.dumps(dict(claims)).encode())}.sig"


def claims_of(authorization: str | None) -> dict[str, Any] | None:
    """The claims of a `Bearer <jwt>` header, or None when there is none."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    parts = authorization.removeprefix("Bearer ").split(".")
    if len(parts) != 3:
        return None
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class TokenRequest:
    tenant: str
    grant_type: str
    scope: str


@dataclass
class FakeEntra:
    client_id: str
    client_secret: str = ""
    # The partner app's certificate (PEM): client assertions must be signed with its key.
    certificate_pem: bytes | None = None
    base_url: str = ""
    # Tenants where the partner app has no service principal (never consented): AADSTS700016.
    unconsented_tenants: set[str] = field(default_factory=set)
    # Application roles the app's service principal holds, per tenant (default: ServiceHealth.Read.All).
    app_roles: dict[str, list[str]] = field(default_factory=dict)
    # On-behalf-of: what Entra refuses for a person (object id -> "consent" | "mfa" | "revoked").
    person_refusals: dict[str, str] = field(default_factory=dict)
    # Each on-behalf-of grant answered: (object id, tenant, resource).
    obo_grants: list[tuple[str, str, str]] = field(default_factory=list)
    token_requests: list[TokenRequest] = field(default_factory=list)
    discovery_requests: list[str] = field(default_factory=list)
    device_codes: dict[str, str] = field(default_factory=dict)
    admin_object_id: str = "0a1d2f3e-0000-4000-8000-00000000ad01"
    # Failures served on cue, before the real answer (match on the path: "openid-configuration", "token").
    faults: Faults = field(default_factory=Faults)
    # When set, the token endpoint answers only once this is set: a token endpoint that stalls.
    token_gate: asyncio.Event | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/{tenant}/oauth2/v2.0/devicecode", self._device_code)
        app.router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        return app

    async def _keys(self, _: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))
        return web.json_response({"keys": [{**jwk, "kid": SIGNING_KEY_ID, "use": "sig"}]})

    def tab_token(
        self,
        object_id: str,
        tenant: str,
        audience: str,
        *,
        key: rsa.RSAPrivateKey = SIGNING_KEY,
        lifetime: int = 3600,
        **changes: Any,
    ) -> str:
        """A person's v2.0 access token for this app, as `getAuthToken` gives a Teams tab: signed RS256
        with the key this double publishes (another `key` forges it); `changes` override any claim."""
        now = int(time.time())
        claims = {
            "aud": audience,
            "iss": f"{self.base_url}/{tenant}/v2.0",
            "tid": tenant,
            "oid": object_id,
            "name": "Tab Viewer",
            "preferred_username": f"{object_id}@partner.example",
            "scp": "access_as_user",
            "azp": "5e3ce6c0-2b1f-4285-8d4b-75ee78787346",  # Teams web client
            "ver": "2.0",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            **changes,
        }
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": SIGNING_KEY_ID})

    def requests_for(self, tenant: str) -> list[TokenRequest]:
        return [r for r in self.token_requests if r.tenant == tenant]

    async def _discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        self.discovery_requests.append(tenant)
        fault = await self.faults.apply(request)
        if fault is not None:
            return fault
        root = f"{self.base_url}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{root}/v2.0",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{root}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
                "tenant_region_scope": "EU",
            }
        )

    async def _device_code(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != self.client_id:
            return _error(400, "unauthorized_client", 700016, "Application not found in the directory.")
        code = f"device-{uuid.uuid4()}"
        user_code = "GDAP-1234"
        self.device_codes[code] = request.match_info["tenant"]
        return web.json_response(
            {
                "device_code": code,
                "user_code": user_code,
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900,
                "interval": 1,
                "message": f"To sign in, open https://microsoft.com/devicelogin and enter {user_code}.",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        grant = form.get("grant_type", "")
        scope = form.get("scope", "")
        self.token_requests.append(TokenRequest(tenant, grant, scope))
        if self.token_gate is not None:
            await self.token_gate.wait()
        fault = await self.faults.apply(request)
        if fault is not None:
            return fault
        if form.get("client_id") != self.client_id or tenant in self.unconsented_tenants:
            return _error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the directory "
                f"'{tenant}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant.",
            )
        resource = next((s.removesuffix("/.default") for s in scope.split() if "/.default" in s), "")
        if grant == "client_credentials":
            if not self._client_authenticated(form):
                return _error(401, "invalid_client", 7000215, "Invalid client secret provided.")
            roles = self.app_roles.get(tenant, [SERVICE_HEALTH_ROLE, SERVICE_MESSAGE_ROLE])
            return web.json_response(self._access(tenant, resource, {"roles": roles}))
        if grant == DEVICE_CODE_GRANT:
            if form.get("device_code") not in self.device_codes:
                return _error(400, "expired_token", 70020, "The device code has expired.")
            return web.json_response(self._delegated(tenant, resource))
        if grant == "refresh_token":
            if not form.get("refresh_token", "").startswith("rt-"):
                return _error(400, "invalid_grant", 700082, "The refresh token has expired.")
            return web.json_response(self._delegated(tenant, resource))
        if grant == OBO_GRANT and form.get("requested_token_use") == "on_behalf_of":
            if not self._client_authenticated(form):
                return _error(401, "invalid_client", 7000215, "Invalid client secret provided.")
            return self._on_behalf_of(tenant, resource, form.get("assertion", ""))
        return _error(400, "unsupported_grant_type", 70003, f"Unsupported grant {grant!r}.")

    def _on_behalf_of(self, tenant: str, resource: str, assertion: str) -> web.Response:
        """The assertion must be a user token for this app (`aud`), unexpired, naming the person."""
        claims = claims_of(f"Bearer {assertion}") or {}
        audience = str(claims.get("aud", ""))
        if (
            audience not in (self.client_id, f"api://{self.client_id}")
            or int(claims.get("exp", 0)) < time.time()
        ):
            return _error(
                400, "invalid_grant", 50013, "Assertion failed signature validation or has expired."
            )
        object_id = str(claims.get("oid", ""))
        refusal = self.person_refusals.get(object_id)
        if refusal is not None:
            error, code, description = OBO_REFUSALS[refusal]
            response = _error(400, error, code, description)
            if refusal == "mfa":
                body = json.loads(response.text or "{}")
                body["claims"] = '{"access_token":{"capolids":{"essential":true,"values":["c0ffee"]}}}'
                body["suberror"] = "basic_action"
                return web.json_response(body, status=400)
            return response
        self.obo_grants.append((object_id, tenant, resource))
        now = int(time.time())
        person = {
            "oid": object_id,
            "upn": claims.get("upn", ""),
            "name": claims.get("name", ""),
            "scp": "user_impersonation",
        }
        home = str(claims.get("tid", tenant))
        id_token = unsigned_jwt(
            {
                "aud": self.client_id,
                "iss": f"{self.base_url}/{tenant}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "oid": object_id,
                "sub": f"sub-{object_id}",
                "tid": tenant,
                "preferred_username": claims.get("upn", ""),
                "name": claims.get("name", ""),
            }
        )
        return web.json_response(
            {
                **self._access(tenant, resource, person),
                "scope": f"{resource}/user_impersonation",
                "refresh_token": f"rt-{uuid.uuid4()}",
                "id_token": id_token,
                "client_info": _b64(json.dumps({"uid": object_id, "utid": home}).encode()),
            }
        )

    def user_token(self, object_id: str, upn: str, name: str, tenant: str, lifetime: int = 3600) -> str:
        """What the token service holds for a signed-in person: a token for this app (the OBO assertion)."""
        now = int(time.time())
        return unsigned_jwt(
            {
                "aud": f"api://{self.client_id}",
                "iss": f"{self.base_url}/{tenant}/v2.0",
                "tid": tenant,
                "oid": object_id,
                "upn": upn,
                "name": name,
                "scp": "access_as_user",
                "iat": now,
                "exp": now + lifetime,
            }
        )

    def _client_authenticated(self, form: Mapping[str, str]) -> bool:
        if self.certificate_pem is not None:
            assertion = form.get("client_assertion", "")
            key = x509.load_pem_x509_certificate(self.certificate_pem).public_key()
            try:
                jwt.decode(
                    assertion,
                    key,  # type: ignore[arg-type]
                    algorithms=["PS256", "RS256"],
                    options={"verify_aud": False},
                )
            except jwt.PyJWTError:
                return False
            return form.get("client_assertion_type", "").endswith("jwt-bearer")
        return bool(self.client_secret) and form.get("client_secret") == self.client_secret

    def _access(self, tenant: str, resource: str, extra: Mapping[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        claims = {"aud": resource, "tid": tenant, "appid": self.client_id, "iat": now, "exp": now + 3600}
        return {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": unsigned_jwt({**claims, **extra}),
        }

    def _delegated(self, tenant: str, resource: str) -> dict[str, Any]:
        now = int(time.time())
        home = next(iter(self.device_codes.values()), tenant)
        id_token = unsigned_jwt(
            {
                "aud": self.client_id,
                "iss": f"{self.base_url}/{tenant}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "oid": self.admin_object_id,
                "sub": "admin-subject",
                "tid": tenant,
                "preferred_username": "admin@partner.example",
                "name": "Partner Admin",
            }
        )
        client_info = _b64(json.dumps({"uid": self.admin_object_id, "utid": home}).encode())
        return {
            **self._access(tenant, resource, {"scp": "user_impersonation", "oid": self.admin_object_id}),
            "scope": f"{resource}/user_impersonation",
            "refresh_token": f"rt-{uuid.uuid4()}",
            "id_token": id_token,
            "client_info": client_info,
        }


def _error(status: int, error: str, code: int, description: str) -> web.Response:
    return web.json_response(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {description} Trace ID: {uuid.uuid4()}",
            "error_codes": [code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
        status=status,
    )
