"""Retries for filing: only where a retry is safe, i.e. with the same idempotency key.

Timeouts, throttling (429, honouring Retry-After) and 5xx surface from a desk as UpstreamUnavailable;
anything else is a real answer and is not retried. Reads are retried the same way; notes are not,
because a note has no idempotency key and a retry after a timeout could add it twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential

from services.domain.errors import UpstreamUnavailable
from services.domain.models import (
    Customer,
    Filing,
    OpenRequestCounts,
    RequestDraft,
    ServiceRequest,
    SupportCatalogue,
)
from services.domain.ports import ServiceRequestDesk
from services.telemetry import REQUESTS_FILED

T = TypeVar("T")
MAX_RETRY_AFTER_SECONDS = 10.0


class RetryingDesk:
    def __init__(self, inner: ServiceRequestDesk, attempts: int = 3, base_wait: float = 0.5) -> None:
        self._inner = inner
        self._attempts = attempts
        self._backoff = wait_exponential(multiplier=base_wait, max=MAX_RETRY_AFTER_SECONDS)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, UpstreamUnavailable) and error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER_SECONDS)
        return float(self._backoff(state))

    async def _retried(self, call: Callable[[], Awaitable[T]]) -> T:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(UpstreamUnavailable),
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable")

    async def support_catalogue(self) -> SupportCatalogue:
        return await self._retried(self._inner.support_catalogue)

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        filing = await self._retried(lambda: self._inner.file_request(draft, idempotency_key, requested_by))
        if not filing.already_filed:
            REQUESTS_FILED.add(1)
        return filing

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        return await self._retried(lambda: self._inner.filed_with_key(idempotency_key))

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        return await self._retried(lambda: self._inner.recent_requests(customer, limit, offset))

    async def count_requests(self, customer: Customer | None = None) -> int:
        return await self._retried(lambda: self._inner.count_requests(customer))

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        return await self._retried(lambda: self._inner.open_request_counts(customers))

    async def service_request(self, number: str) -> ServiceRequest:
        return await self._retried(lambda: self._inner.service_request(number))

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        return await self._inner.add_note(number, author, text)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        # Linking the same number twice is harmless, so a retry is safe.
        return await self._retried(lambda: self._inner.link_request(reference, number))
