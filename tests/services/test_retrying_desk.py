"""Retries only where safe: UpstreamUnavailable, with the same idempotency key, honouring Retry-After."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import cast

import pytest

from services.backends.retrying_desk import RetryingDesk
from services.domain.errors import ServiceRequestNotFound, UpstreamUnavailable
from services.domain.models import (
    Customer,
    Filing,
    OpenRequestCounts,
    RequestDraft,
    RequestStatus,
    ServiceRequest,
    Severity,
    SupportCatalogue,
)

# Only whether it was filed before matters here (RetryingDesk counts new filings).
FILED = cast(Filing, SimpleNamespace(already_filed=False))
DRAFT = cast(RequestDraft, object())


class ScriptedDesk:
    """Raises the scripted errors in turn, then succeeds; records every key it was called with."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.keys: list[str] = []

    async def support_catalogue(self) -> SupportCatalogue:
        raise NotImplementedError

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        self.keys.append(idempotency_key)
        if self.errors:
            raise self.errors.pop(0)
        return FILED

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        return None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        return ()

    async def count_requests(self, customer: Customer | None = None) -> int:
        return 0

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        self.keys.append("counts")
        if self.errors:
            raise self.errors.pop(0)
        return {(RequestStatus.OPEN, Severity.CRITICAL): 2}

    async def service_request(self, number: str) -> ServiceRequest:
        raise ServiceRequestNotFound(number)

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        self.keys.append("note")
        raise UpstreamUnavailable("desk")

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        raise ServiceRequestNotFound(reference)


async def test_filing_is_retried_with_the_same_key() -> None:
    inner = ScriptedDesk([UpstreamUnavailable("desk"), UpstreamUnavailable("desk", retry_after=0)])
    desk = RetryingDesk(inner, attempts=3, base_wait=0)
    assert await desk.file_request(DRAFT, "k" * 32, "Ana") is FILED
    assert inner.keys == ["k" * 32] * 3


async def test_filing_gives_up_after_the_last_attempt() -> None:
    inner = ScriptedDesk([UpstreamUnavailable("desk")] * 5)
    with pytest.raises(UpstreamUnavailable):
        await RetryingDesk(inner, attempts=2, base_wait=0).file_request(DRAFT, "k" * 32, "Ana")
    assert len(inner.keys) == 2


async def test_real_answers_are_not_retried() -> None:
    inner = ScriptedDesk([ServiceRequestNotFound("1")])
    with pytest.raises(ServiceRequestNotFound):
        await RetryingDesk(inner, base_wait=0).file_request(DRAFT, "k" * 32, "Ana")
    assert len(inner.keys) == 1


async def test_counting_open_requests_is_a_read_and_is_retried() -> None:
    inner = ScriptedDesk([UpstreamUnavailable("desk")])
    counts = await RetryingDesk(inner, base_wait=0).open_request_counts()
    assert counts == {(RequestStatus.OPEN, Severity.CRITICAL): 2}
    assert inner.keys == ["counts", "counts"]


async def test_notes_have_no_key_so_they_are_not_retried() -> None:
    inner = ScriptedDesk([])
    with pytest.raises(UpstreamUnavailable):
        await RetryingDesk(inner, base_wait=0).add_note("1", "Ana", "text")
    assert inner.keys == ["note"]
