"""The demo service-request desk on shared blobs (BOT_STORAGE=azureblob), for several instances.

The same contract as services/demo/service_requests.DemoServiceRequests. Exactly once per idempotency
key: `request-keys/<key>` is created with If-None-Match: *, so of two instances filing with one key at
once, one names the number and the other finds it. Numbers come from `request-serials/<prefix>`, a
counter read-modify-written under its ETag: an instance hands out a number only after its increment was
written over the value it read, so two instances never hand out the same one (a filing that loses the
key race leaves a gap, which Partner Center's own numbers have too). A request's notes live in its
record, appended under its ETag, so notes added at once on two instances are both kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from services.blob_container import BlobContainer
from services.blob_records import NO_CHANGE, BlobRecords
from services.demo.service_requests import (
    demo_catalogue,
    filing,
    number_prefix,
    request_from_row,
    request_row,
    taken_elsewhere,
)
from services.errors import AlreadyLinked, ServiceRequestNotFound
from services.models import Customer, Filing, RequestDraft, ServiceRequest, SupportCatalogue

_KEY, _CUSTOMER, _CUSTOMER_NAME, _CREATED, _HANDED_OFF, _SR_NUMBER = 1, 2, 3, 13, 14, 15


class BlobDemoServiceRequests:
    def __init__(
        self,
        container: BlobContainer,
        catalogue: SupportCatalogue,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> None:
        self._requests = BlobRecords(container, "requests")
        self._keys = BlobRecords(container, "request-keys")
        self._serials = BlobRecords(container, "request-serials")
        self._links = BlobRecords(container, "request-links")
        self._catalogue = catalogue
        self._clock = clock
        self._handoff_products = handoff_products

    @classmethod
    def open(
        cls,
        container: BlobContainer,
        data_dir: Path,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> BlobDemoServiceRequests:
        return cls(container, demo_catalogue(data_dir), clock, handoff_products)

    async def support_catalogue(self) -> SupportCatalogue:
        return self._catalogue

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        now = self._clock()
        handed_off = draft.topic.product in self._handoff_products
        named = await self._keys.get(idempotency_key)
        already = named is not None
        if named is None:
            number = await self._next_number(number_prefix(now, handed_off))
            already = not await self._keys.create({"number": number}, idempotency_key)
            named = await self._keys.get(idempotency_key) if already else {"number": number}
        assert named is not None
        number = named["number"]
        # Written by whoever named the number; again here if that instance stopped before writing it.
        row = request_row(number, idempotency_key, draft, requested_by, now, handed_off)
        await self._requests.create({"row": list(row), "notes": []}, number)
        return filing(await self.service_request(number), already)

    async def _next_number(self, prefix: str) -> str:
        """The counter never gives one number twice, but it can be taken back (an operator's clean-up, a
        restore of its blob): a number whose request is there is passed over, or the new filing would
        answer with that other request as its own."""
        while True:
            counter = await self._serials.change(lambda c: {"last": (c or {"last": 0})["last"] + 1}, prefix)
            assert counter is not None
            number = f"{prefix}{counter['last']:06d}"
            if await self._requests.get(number) is None:
                return number

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        named = await self._keys.get(idempotency_key)
        if named is None:
            return None
        record = await self._requests.get(named["number"])
        return self._request(record) if record else None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        records = (await self._requests.values()).values()
        rows = sorted(
            (r for r in records if customer is None or r["row"][_CUSTOMER] == customer.customer_id),
            key=lambda r: (r["row"][_CREATED], r["row"][0]),
            reverse=True,
        )[offset : offset + limit]
        found = [self._request(r) for r in rows]
        return sorted(found, key=lambda r: (r.last_modified, r.number), reverse=True)

    async def count_requests(self, customer: Customer | None = None) -> int:
        records = (await self._requests.values()).values()
        return sum(customer is None or r["row"][_CUSTOMER] == customer.customer_id for r in records)

    async def service_request(self, number: str) -> ServiceRequest:
        record = await self._requests.get(await self._stored_number(number))
        if record is None:
            raise ServiceRequestNotFound(number)
        return self._request(record)

    async def _stored_number(self, number: str) -> str:
        """Our own number for `number`, which may be the SR number linked to a handed-off request."""
        linked = await self._links.get(number)
        return str(linked["number"]) if linked else number

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        now = self._clock()
        stored = await self._stored_number(number)

        def append(record: dict[str, Any] | None) -> Any:
            if record is None:
                return NO_CHANGE
            return {**record, "notes": [*record["notes"], [stored, now.isoformat(), author, text]]}

        if await self._requests.change(append, stored) is None:
            raise ServiceRequestNotFound(number)
        return await self.service_request(stored)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        linked = await self._links.get(number)
        if linked and linked["number"] != reference:
            mine, holder = await self._requests.get(reference), await self._requests.get(linked["number"])
            if mine is not None and holder is not None and not mine["row"][_SR_NUMBER]:
                row, held = mine["row"], holder["row"]
                raise taken_elsewhere(
                    number,
                    reference,
                    (row[_CUSTOMER], row[_CUSTOMER_NAME]),
                    (held[0], held[_CUSTOMER], held[_CUSTOMER_NAME]),
                )
        before: list[str] = []

        def link(record: dict[str, Any] | None) -> Any:
            before.clear()
            if record is None or not record["row"][_HANDED_OFF]:
                return NO_CHANGE
            before.append(record["row"][_SR_NUMBER])
            if before[0]:
                return NO_CHANGE
            row = list(record["row"])
            row[_SR_NUMBER] = number
            return {**record, "row": row}

        await self._requests.change(link, reference)
        if not before:
            raise ServiceRequestNotFound(reference)
        if before[0] and before[0] != number:
            raise AlreadyLinked(reference, before[0])
        await self._links.change(lambda current: current or {"number": reference}, number)
        return await self.service_request(reference)

    def _request(self, record: dict[str, Any]) -> ServiceRequest:
        return request_from_row(record["row"], record["notes"], self._clock(), self._catalogue)
