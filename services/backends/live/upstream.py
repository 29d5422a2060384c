"""One way to call Microsoft's APIs: a shared aiohttp session, a bearer token, retries, limits, a breaker.

- One ClientSession for every API (connection pool with limits, connect and read timeouts), trusting the
  system store plus SSL_CERT_FILE, or the configured CA bundle.
- Retries of 429, 500, 502, 503, 504 and unreachable hosts, waiting Retry-After when the API names one and
  jittered exponential backoff otherwise, within a bounded number of attempts and total time. A
  Retry-After longer than what is left gives up at once, naming the wait. Every call we make is
  idempotent on retry (GETs; Partner Center writes reuse their MS-RequestId; Azure tickets are PUT with
  our own name), so timeouts are retried too.
- At most `per_host_concurrency` calls in flight per host; the rest queue here, outside aiohttp's
  timeouts.
- A 2xx whose body isn't JSON, or not of the shape the caller expects, is the API failing (retried,
  counted by the breaker), never an empty answer.
- A circuit breaker per host: after `breaker_failures` consecutive failures (5xx, timeouts, unreachable)
  calls fail at once for `breaker_cooldown_seconds`, then one trial call decides.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from services.backends.live.config import Limits
from services.backends.retry_after import retry_after_seconds
from services.telemetry import TRACER

if TYPE_CHECKING:  # services.backends.tokens uses this module's circuit breaker for the sign-in host
    from services.backends.tokens import TokenSource

logger = logging.getLogger("services.upstream")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Azure Resource Manager: extra tokens for a cross-tenant call, e.g. the CSP partner's on a customer's
# subscription (learn.microsoft.com/azure/azure-resource-manager/management/authenticate-multi-tenant).
AUXILIARY_HEADER = "x-ms-authorization-auxiliary"

# Reads an API's error body into (code, message); each API has its own shape.
ErrorReader = Callable[[Any], tuple[str, str]]
# Whether a successful answer's JSON has the documented shape (a collection's list, an entity's id).
ShapeCheck = Callable[[Any], bool]
# What a body that isn't JSON at all reads as (an empty body reads as None).
_NOT_JSON = object()


class UpstreamError(Exception):
    """An API refused or failed a call. `status` is None when it couldn't be reached or answer in time."""

    def __init__(
        self,
        api: str,
        status: int | None,
        code: str = "",
        message: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{api} answered {status or 'nothing'} {code}".strip())
        self.api = api
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUSES

    @property
    def breaks_circuit(self) -> bool:
        return self.status is None or self.status >= 500

    @property
    def throttled(self) -> bool:
        return self.status == 429


class UnreadableReply(UpstreamError):
    """A success status whose body isn't the JSON the API documents (HTML from a proxy, a truncated body,
    a list where a collection belongs): the API failed, so it is retried like a 5xx and never taken for
    an empty answer."""

    def __init__(self, api: str, status: int) -> None:
        super().__init__(api, status, "unreadableBody", "the answer isn't the documented JSON")

    @property
    def retryable(self) -> bool:
        return True

    @property
    def breaks_circuit(self) -> bool:
        return True


class CircuitOpen(UpstreamError):
    def __init__(self, api: str, retry_after: float) -> None:
        super().__init__(api, None, "circuitOpen", "failing fast after repeated failures", retry_after)


class CircuitBreaker:
    def __init__(self, failures: int, cooldown_seconds: float, clock: Callable[[], float]) -> None:
        self._threshold = failures
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def check(self, api: str) -> None:
        """Raises CircuitOpen unless a call may go ahead (closed, or the one trial after the cooldown)."""
        if self._opened_at is None:
            return
        waited = self._clock() - self._opened_at
        if waited < self._cooldown or self._trial_running:
            raise CircuitOpen(api, max(0.0, self._cooldown - waited))
        self._trial_running = True

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    def failed(self) -> None:
        self._failures += 1
        self._trial_running = False
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    payload: Any


def ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The system trust store (which honours SSL_CERT_FILE), or the configured bundle instead."""
    if ca_bundle is not None:
        return ssl.create_default_context(cafile=str(ca_bundle))
    return ssl.create_default_context()


class UpstreamSession:
    """The one aiohttp session, the per-host gates and breakers; shared by every API client."""

    def __init__(
        self,
        limits: Limits,
        ca_bundle: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits
        self._ssl = ssl_context(ca_bundle)
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._gates: dict[str, asyncio.Semaphore] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self.limits.connections,
                limit_per_host=self.limits.per_host_concurrency,
                ssl=self._ssl,
            )
            timeout = aiohttp.ClientTimeout(
                total=None,
                connect=self.limits.connect_timeout_seconds,
                sock_read=self.limits.read_timeout_seconds,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=timeout, trust_env=True, raise_for_status=False
            )
        return self._session

    def gate(self, host: str) -> asyncio.Semaphore:
        return self._gates.setdefault(host, asyncio.Semaphore(self.limits.per_host_concurrency))

    def breaker(self, host: str) -> CircuitBreaker:
        if host not in self._breakers:
            self._breakers[host] = CircuitBreaker(
                self.limits.breaker_failures, self.limits.breaker_cooldown_seconds, self._clock
            )
        return self._breakers[host]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class Upstream:
    """Calls to one API (`api` names it in errors and logs) with tokens from `tokens` for `scope`."""

    def __init__(
        self,
        api: str,
        shared: UpstreamSession,
        tokens: TokenSource,
        scope: str,
        read_error: ErrorReader,
        auxiliary_tenant_id: str = "",
    ) -> None:
        self.api = api
        self._shared = shared
        self._tokens = tokens
        self._scope = scope
        self._read_error = read_error
        # ARM's cross-tenant calls: this tenant's token for the same scope rides along with the caller's.
        self._auxiliary_tenant_id = auxiliary_tenant_id
        self.calls = 0

    def _wait(self, state: RetryCallState) -> float:
        limits = self._shared.limits
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, UpstreamError) and error.retry_after is not None:
            return error.retry_after
        backoff = wait_exponential_jitter(
            multiplier=limits.retry_first_wait_seconds,
            max=limits.retry_max_wait_seconds,
            jitter=limits.retry_first_wait_seconds,
        )
        return float(backoff(state))

    async def call(
        self,
        method: str,
        url: str,
        *,
        tenant_id: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        expect: ShapeCheck | None = None,
    ) -> Reply:
        """The API's successful answer, whose body `expect` accepts when given; UpstreamError (or
        TokenError) otherwise."""
        limits = self._shared.limits
        host = urlsplit(url).netloc

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            logger.info(
                "upstream retry api=%s status=%s code=%s attempt=%d wait_s=%.2f",
                self.api,
                getattr(error, "status", None) or "unreachable",
                getattr(error, "code", ""),
                state.attempt_number,
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, UpstreamError) and e.retryable),
            wait=self._wait,
            stop=stop_after_attempt(limits.max_attempts) | stop_before_delay(limits.retry_total_seconds),
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(method, url, host, tenant_id, headers, params, json, expect)
        except UpstreamError as error:
            logger.warning(
                "upstream failed api=%s status=%s code=%s",
                self.api,
                error.status or "unreachable",
                error.code,
            )
            raise
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def _once(
        self,
        method: str,
        url: str,
        host: str,
        tenant_id: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        body: Any,
        expect: ShapeCheck | None,
    ) -> Reply:
        breaker = self._shared.breaker(host)
        breaker.check(self.api)
        authorization = await self._tokens.bearer(tenant_id, self._scope)
        sent = {"Accept": "application/json", **(headers or {}), "Authorization": authorization}
        if self._auxiliary_tenant_id and tenant_id != self._auxiliary_tenant_id:
            sent[AUXILIARY_HEADER] = await self._tokens.bearer(self._auxiliary_tenant_id, self._scope)
        async with self._shared.gate(host):
            self.calls += 1
            with TRACER.start_as_current_span("upstream") as span:
                span.set_attributes(
                    {"upstream.api": self.api, "http.request.method": method, "server.address": host}
                )
                try:
                    async with self._shared.session().request(
                        method, url, headers=sent, params=params, json=body
                    ) as response:
                        try:
                            payload: Any = await response.json(content_type=None)
                        except ValueError:
                            payload = _NOT_JSON
                        status = response.status
                        reply_headers = {k: v for k, v in response.headers.items()}
                    span.set_attribute("http.response.status_code", status)
                except (aiohttp.ClientError, TimeoutError) as error:
                    breaker.failed()
                    raise UpstreamError(self.api, None, type(error).__name__) from None
        if status >= 400:
            code, message = self._read_error(None if payload is _NOT_JSON else payload)
            refused = UpstreamError(
                self.api, status, code, message, retry_after_seconds(reply_headers.get("Retry-After"))
            )
            if refused.breaks_circuit:
                breaker.failed()
            else:
                breaker.succeeded()
            raise refused
        if payload is _NOT_JSON or (expect is not None and not expect(payload)):
            breaker.failed()
            raise UnreadableReply(self.api, status)
        breaker.succeeded()
        return Reply(status, reply_headers, payload)
