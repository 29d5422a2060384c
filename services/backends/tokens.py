"""Access tokens for Partner Center, Graph and Azure Resource Manager, from MSAL.

- One MSAL application object per authority (the partner tenant, and each customer tenant), built once:
  MSAL fixes the tenant per object and runs OpenID discovery in its constructor. All of them share one
  token cache, whose keys include client id, host, tenant and scopes, so a token is requested once per
  authority and scope and then served from the cache until five minutes before it expires.
- MSAL is synchronous (requests), so each call runs in a worker thread; a lock per authority and scope
  makes ten concurrent first asks cost one token request, not ten.
- MSAL talks through a requests session we own: it trusts the configured CA bundle even when
  REQUESTS_CA_BUNDLE says otherwise, has timeouts (a call that timed out is not sent again, so the read
  timeout is the longest a sign-in waits), and is closed with the backend.
- MSAL returns Entra's refusals but raises when the sign-in host fails (5xx, 429 without a JSON body,
  timeouts, an unreachable host, an unreadable answer, OpenID discovery failing): each of those becomes
  SignInUnavailable, and the session counts them in the sign-in host's circuit breaker, which then fails
  fast like the other APIs' (a token served from the cache never asks the host, so it never waits on it).
- With a non-default authority host (a national cloud, or a test double) instance discovery is off, so
  MSAL never asks the public cloud whether the host is legitimate.
- App-only: client credentials (secret, certificate, or a managed identity as a federated credential).
  GDAP: a partner admin's refresh token from `make consent`, redeemed per customer tenant; the token cache
  holding it is persisted encrypted (Fernet) with the configured key.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import msal
import requests
from cryptography.fernet import Fernet, InvalidToken
from msal.exceptions import MsalServiceError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from services.backends.live.config import CredentialKind, CustomerAccess, LiveConfig
from services.backends.live.upstream import CircuitBreaker, CircuitOpen

logger = logging.getLogger("services.tokens")

# Entra error codes (AADSTS<n>) and what they mean for the support desk.
_CONSENT_CODES = frozenset({65001, 700016, 7000112, 50020, 500011, 530004})
_CREDENTIAL_CODES = frozenset({7000215, 7000222, 700027, 700023, 7000218, 700024})
_SIGN_IN_AGAIN_CODES = frozenset({700082, 70043, 50173, 50078, 50076, 50079, 54005, 70000, 50013})
_TENANT_CODES = frozenset({90002, 900023, 90072})
T = TypeVar("T")
# GDAP before `make consent`: the token cache holds no partner admin (our own error, not Entra's).
NO_PARTNER_CONSENT = "partner_consent_missing"
# What a sign-in failure is called in errors, logs and the breaker.
SIGN_IN = "Microsoft sign-in"


class TokenSource(Protocol):
    """An Authorization header value for a tenant and a scope (`https://graph.microsoft.com/.default`)."""

    async def bearer(self, tenant_id: str, scope: str) -> str: ...


class TokenError(Exception):
    """Entra refused a token (MSAL returns an error dict rather than raising)."""

    def __init__(self, tenant_id: str, scope: str, error: str, description: str, codes: tuple[int, ...]):
        super().__init__(f"token for tenant {tenant_id} scope {scope}: {error} {codes}")
        self.tenant_id = tenant_id
        self.scope = scope
        self.error = error
        self.description = description
        self.codes = codes

    @property
    def reason(self) -> str:
        """no-consent | consent | credentials | sign-in | tenant | unavailable."""
        if self.error == NO_PARTNER_CONSENT:
            return "no-consent"
        codes = set(self.codes)
        if codes & _CREDENTIAL_CODES or self.error == "invalid_client":
            return "credentials"
        if codes & _CONSENT_CODES or self.error == "consent_required" or self.error == "unauthorized_client":
            return "consent"
        if codes & _SIGN_IN_AGAIN_CODES or self.error in ("invalid_grant", "interaction_required"):
            return "sign-in"
        if codes & _TENANT_CODES:
            return "tenant"
        return "unavailable"

    @property
    def unknown_application(self) -> bool:
        """AADSTS700016: the tenant has no app with our client id. In a customer's tenant the app was never
        consented there; in the partner's own, PARTNER_CLIENT_ID is wrong."""
        return 700016 in self.codes or (not self.codes and self.error == "unauthorized_client")


class SignInUnavailable(TokenError):
    """The sign-in host didn't answer usefully (MSAL raised): a 5xx or 429, a timeout, no connection, an
    answer that isn't Entra's JSON, or the breaker failing fast after several of those. Try again later."""

    def __init__(self, tenant_id: str, scope: str, cause: str) -> None:
        super().__init__(tenant_id, scope, "temporarily_unavailable", cause, ())

    @property
    def reason(self) -> str:
        return "unavailable"


def _codes(result: dict[str, Any]) -> tuple[int, ...]:
    raw = result.get("error_codes")
    if isinstance(raw, list):
        return tuple(c for c in raw if isinstance(c, int))
    found = re.findall(r"AADSTS(\d+)", str(result.get("error_description", "")))
    return tuple(int(c) for c in found)


def _raised(tenant_id: str, scope: str, error: Exception) -> TokenError:
    """What an exception MSAL raised means. OpenID discovery answering 4xx (a tenant that doesn't exist:
    AADSTS90002) is a refusal like a token endpoint's; everything else is the host failing."""
    chain = [error, error.__cause__, error.__context__]
    text = " ".join(str(e) for e in chain if e is not None)
    status = re.search(r"HTTP status: (\d{3})", text)
    if isinstance(error, ValueError) and status and 400 <= int(status.group(1)) < 500:
        if int(status.group(1)) != 429:
            body = {"error_description": text}
            return TokenError(tenant_id, scope, "invalid_tenant", "OpenID discovery refused", _codes(body))
    return SignInUnavailable(tenant_id, scope, type(error).__name__)


class PinnedSession(requests.Session):
    """MSAL's HTTP client: our CA bundle and timeouts on every call, one retry of a connection that failed
    to open (nothing was sent), none of one that timed out or broke later: the read timeout bounds a call.

    requests lets REQUESTS_CA_BUNDLE override a session's `verify` unless the call passes it, so it is
    passed on each call. Every answer is reported to the sign-in host's breaker: a 5xx, a 429, a timeout,
    no connection or a body that isn't JSON (Entra always answers JSON) is a failure.
    """

    def __init__(
        self, ca_bundle: Path | None, timeout: tuple[float, float], breaker: CircuitBreaker | None = None
    ) -> None:
        super().__init__()
        self._verify: str | bool = str(ca_bundle) if ca_bundle else True
        self._timeout = timeout
        self._breaker = breaker
        self._breaker_lock = threading.Lock()  # MSAL calls from worker threads
        adapter = HTTPAdapter(max_retries=Retry(total=1, connect=1, read=0, status=0, other=0, redirect=0))
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("verify", self._verify)
        kwargs.setdefault("timeout", self._timeout)
        if self._breaker is None:
            return super().request(method, url, *args, **kwargs)
        with self._breaker_lock:
            try:
                self._breaker.check(SIGN_IN)
            except CircuitOpen:
                raise requests.ConnectionError(f"{SIGN_IN}: failing fast after repeated failures") from None
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.exceptions.SSLError:
            raise  # a certificate we don't trust is a setting to fix, not a host that's down
        except requests.RequestException:
            with self._breaker_lock:
                self._breaker.failed()
            raise
        with self._breaker_lock:
            if response.status_code >= 500 or response.status_code == 429 or not _is_json(response):
                self._breaker.failed()
            else:
                self._breaker.succeeded()
        return response


def _is_json(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


class TokenCacheInUse(ValueError):
    """Another process holds the token cache file in a way that excludes this one."""

    def __init__(self, path: Path, exclusive: bool) -> None:
        if exclusive:
            message = (
                f"the bot is running with the token cache {path}: stop it, run make consent, then start it"
            )
        else:
            message = f"make consent is writing the token cache {path}: start the bot when it has finished"
        super().__init__(message)


# One lock per cache file in this process: saves of one file never interleave.
_SAVE_LOCKS: dict[Path, threading.Lock] = {}
_SAVE_LOCKS_GUARD = threading.Lock()


def _save_lock(path: Path) -> threading.Lock:
    with _SAVE_LOCKS_GUARD:
        return _SAVE_LOCKS.setdefault(path.resolve(), threading.Lock())


class EncryptedTokenCache:
    """MSAL's serializable cache, persisted to one file encrypted with a Fernet key.

    The in-memory cache is the truth and the file follows it. Saves of one file are serialized, and each
    snapshot is taken inside that lock, so a later save always holds everything an earlier one did (a
    refresh token another thread just obtained is never written over by an older snapshot). Each save
    writes a fresh temporary file created 0600 beside the cache, then renames it over the cache: a crash
    at any point leaves the previous file whole.

    Across processes the bot holds a shared lock on `<cache>.lock` for its lifetime and `make consent` an
    exclusive one, so a consent never runs under a bot that would later write its older cache over the
    new sign-in (each refuses with one line instead).
    """

    def __init__(self, path: Path, key: str, *, exclusive: bool = False) -> None:
        self.path = path
        self._fernet = Fernet(key.encode("ascii"))
        self._lock = _save_lock(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._holder = _hold(path.with_name(path.name + ".lock"), exclusive)
        self.cache = msal.SerializableTokenCache()
        try:
            if path.is_file():
                try:
                    self.cache.deserialize(self._fernet.decrypt(path.read_bytes()).decode("utf-8"))
                except InvalidToken as error:
                    raise ValueError(f"{path} can't be decrypted with the configured key") from error
        except BaseException:
            os.close(self._holder)
            raise

    def save(self) -> None:
        with self._lock:
            if not self.cache.has_state_changed:
                return
            # serialize() takes MSAL's own cache lock and clears has_state_changed.
            sealed = self._fernet.encrypt(self.cache.serialize().encode("utf-8"))
            try:
                _replace_atomically(self.path, sealed)
            except BaseException:
                self.cache.has_state_changed = True  # the next save tries again
                raise

    def close(self) -> None:
        if self._holder >= 0:
            os.close(self._holder)  # closing the descriptor releases the lock
            self._holder = -1


def _hold(lock_path: Path, exclusive: bool) -> int:
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise TokenCacheInUse(lock_path.with_name(lock_path.name.removesuffix(".lock")), exclusive) from None
    return descriptor


def _replace_atomically(path: Path, content: bytes) -> None:
    """Write `content` to a new file created 0600 in `path`'s folder, then rename it over `path`."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class DeviceCodePrompt:
    """What the admin running `make consent` must do."""

    message: str
    user_code: str
    verification_uri: str


class MsalTokens:
    """The TokenSource for the live backend."""

    def __init__(
        self,
        config: LiveConfig,
        *,
        http_client: requests.Session | None = None,
        assertion: Callable[[], str] | None = None,
        for_consent: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`for_consent`: `make consent`, which holds the GDAP token cache file alone."""
        self._config = config
        limits = config.limits
        # The sign-in host's breaker (the authority host's), counted by our own session.
        self.breaker = CircuitBreaker(limits.breaker_failures, limits.breaker_cooldown_seconds, clock)
        self._owns_http = http_client is None
        self._http = http_client or PinnedSession(
            config.ca_bundle, (limits.connect_timeout_seconds, limits.read_timeout_seconds), self.breaker
        )
        self._persisted: EncryptedTokenCache | None = None
        if config.customer_access is CustomerAccess.GDAP:
            if not config.token_cache_key:
                raise ValueError("GDAP access needs a token cache key")
            self._persisted = EncryptedTokenCache(
                config.token_cache_path, config.token_cache_key, exclusive=for_consent
            )
            self._cache: msal.TokenCache = self._persisted.cache
        else:
            self._cache = msal.TokenCache()
        self._assertion = assertion
        # OpenID discovery documents, shared by every application object (MSAL keeps them 24 h).
        self._http_cache: dict[str, Any] = {}
        self._apps: dict[str, Any] = {}
        self._app_locks: dict[str, asyncio.Lock] = {}
        self._token_locks: dict[tuple[str, str], asyncio.Lock] = {}
        # Delegated tokens by (tenant, scope): Entra answers a `.default` request with the granted scopes,
        # and MSAL files the token under those, so its cache never matches the next `.default` ask.
        self._delegated: dict[tuple[str, str], tuple[str, float]] = {}
        self.requests_made = 0

    def authority(self, tenant_id: str) -> str:
        return f"{self._config.endpoints.authority_host.rstrip('/')}/{tenant_id}"

    async def bearer(self, tenant_id: str, scope: str) -> str:
        lock = self._token_locks.setdefault((tenant_id, scope), asyncio.Lock())
        async with lock:
            held = self._delegated.get((tenant_id, scope))
            if held and held[1] > time.monotonic():
                return f"Bearer {held[0]}"
            app = await self._app(tenant_id, scope)
            result = await self._signing_in(tenant_id, scope, lambda: self._acquire(app, scope))
            token = result.get("access_token")
            if self._persisted is not None and isinstance(token, str):
                # Like MSAL: a token with less than five minutes left counts as expired.
                lifetime = float(result.get("expires_in", 0)) - 300
                self._delegated[(tenant_id, scope)] = (token, time.monotonic() + lifetime)
        token = result.get("access_token")
        if isinstance(token, str) and token:
            if result.get("token_source") == "identity_provider":
                self.requests_made += 1
                logger.info("token acquired tenant=%s scope=%s", tenant_id, scope)
            return f"Bearer {token}"
        error = TokenError(
            tenant_id,
            scope,
            str(result.get("error", "unknown_error")),
            str(result.get("error_description", "")),
            _codes(result),
        )
        logger.warning(
            "token refused tenant=%s scope=%s error=%s codes=%s", tenant_id, scope, error.error, error.codes
        )
        raise error

    def _acquire(self, app: Any, scope: str) -> dict[str, Any]:
        if self._persisted is None:
            result: dict[str, Any] = app.acquire_token_for_client([scope])
            return result
        accounts = app.get_accounts()
        if not accounts:
            return {
                "error": NO_PARTNER_CONSENT,
                "error_description": "No partner admin has consented yet: run `make consent`.",
            }
        silent: dict[str, Any] | None = app.acquire_token_silent_with_error([scope], account=accounts[0])
        try:
            self._persisted.save()
        except OSError as error:
            # The token is good and stays in memory; the next save (or close) writes it.
            logger.warning("token cache not saved path=%s error=%s", self._persisted.path, error.strerror)
        return silent or {
            "error": "interaction_required",
            "error_description": "The partner admin's sign-in has expired: run `make consent` again.",
        }

    async def _signing_in(self, tenant_id: str, scope: str, call: Callable[[], T]) -> T:
        """`call` (MSAL, which blocks) on a worker thread; what MSAL raises as a TokenError."""
        try:
            return await asyncio.to_thread(call)
        except requests.exceptions.SSLError:
            raise
        except (requests.RequestException, MsalServiceError, ValueError) as raised:
            error = _raised(tenant_id, scope, raised)
        logger.warning(
            "sign-in failed tenant=%s scope=%s error=%s cause=%s codes=%s",
            tenant_id,
            scope,
            error.error,
            error.description,
            error.codes,
        )
        raise error

    async def _app(self, tenant_id: str, scope: str) -> Any:
        authority = self.authority(tenant_id)
        if authority in self._apps:
            return self._apps[authority]
        async with self._app_locks.setdefault(authority, asyncio.Lock()):
            if authority not in self._apps:
                # The constructor fetches the OpenID configuration, so it runs off the event loop.
                self._apps[authority] = await self._signing_in(
                    tenant_id, scope, lambda: self._build_app(authority)
                )
        return self._apps[authority]

    def _build_app(self, authority: str) -> Any:
        if self._persisted is not None:
            return msal.PublicClientApplication(
                self._config.client_id, **self._common(authority, self._cache)
            )
        return self.confidential_app(authority, self._cache)

    def confidential_app(self, authority: str, cache: msal.TokenCache) -> Any:
        """The partner app as a confidential client of `authority` over `cache` (blocks: OpenID discovery,
        shared with every app object). On-behalf-of passes each person's private cache."""
        return msal.ConfidentialClientApplication(
            self._config.client_id, client_credential=self._credential(), **self._common(authority, cache)
        )

    async def signing_in(self, tenant_id: str, scope: str, call: Callable[[], T]) -> T:
        """`call` (MSAL) on a worker thread, what it raises as a TokenError (see _signing_in)."""
        return await self._signing_in(tenant_id, scope, call)

    def _common(self, authority: str, cache: msal.TokenCache) -> dict[str, Any]:
        common: dict[str, Any] = {
            "authority": authority,
            "token_cache": cache,
            "http_client": self._http,
            "http_cache": self._http_cache,
        }
        if not self._config.endpoints.uses_public_authority:
            common["instance_discovery"] = False
        return common

    def _credential(self) -> Any:
        credential = self._config.credential
        if credential.kind is CredentialKind.SECRET:
            return credential.secret
        if credential.kind is CredentialKind.CERTIFICATE:
            assert credential.certificate_path is not None
            pem = credential.certificate_path.read_text(encoding="ascii")
            form: dict[str, Any] = {"private_key": pem, "public_certificate": pem}
            if credential.certificate_passphrase:
                form["passphrase"] = credential.certificate_passphrase
            return form
        return {"client_assertion": self._assertion or self._managed_identity_assertion()}

    def _managed_identity_assertion(self) -> Callable[[], str]:
        """A managed identity as the multi-tenant app's federated credential (it can't leave its tenant)."""
        client_id = self._config.credential.managed_identity_client_id
        identity: Any = (
            msal.UserAssignedManagedIdentity(client_id=client_id)
            if client_id
            else msal.SystemAssignedManagedIdentity()
        )
        client = msal.ManagedIdentityClient(identity, http_client=self._http)

        def assertion() -> str:
            result = client.acquire_token_for_client(resource="api://AzureADTokenExchange")
            token = result.get("access_token")
            if not isinstance(token, str):
                raise RuntimeError(f"managed identity gave no token: {result.get('error')}")
            return token

        return assertion

    async def start_consent(self) -> tuple[DeviceCodePrompt, Callable[[], dict[str, Any]]]:
        """Device-code sign-in of a partner admin (GDAP): the prompt to show, and the blocking wait."""
        if self._persisted is None:
            raise ValueError("consent is only needed for GDAP access (CUSTOMER_ACCESS=gdap)")
        tenant_id = self._config.partner_tenant_id
        scope = self._config.endpoints.scope(self._config.endpoints.partner_center)
        app = await self._app(tenant_id, scope)
        flow: dict[str, Any] = await self._signing_in(
            tenant_id, scope, lambda: app.initiate_device_flow([scope])
        )
        if "user_code" not in flow:
            raise TokenError(
                self._config.partner_tenant_id,
                scope,
                str(flow.get("error", "device_flow_failed")),
                str(flow.get("error_description", "")),
                _codes(flow),
            )
        persisted = self._persisted

        def wait() -> dict[str, Any]:
            try:
                result: dict[str, Any] = app.acquire_token_by_device_flow(flow)
            except requests.exceptions.SSLError:
                raise
            except (requests.RequestException, MsalServiceError, ValueError) as raised:
                raise _raised(tenant_id, scope, raised) from None
            persisted.save()
            return result

        prompt = DeviceCodePrompt(
            str(flow.get("message", "")), str(flow["user_code"]), str(flow.get("verification_uri", ""))
        )
        return prompt, wait

    def close(self) -> None:
        if self._persisted is not None:
            try:
                self._persisted.save()
            finally:
                self._persisted.close()
        if self._owns_http:
            self._http.close()
