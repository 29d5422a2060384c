"""The demo service-request desk on blobs (BOT_STORAGE=azureblob): every instance files into, lists and
annotates the same requests. Same contract as services/demo/service_requests.DemoServiceRequests.

Blobs have no transactions, so each guarantee rests on one conditional write:
- Exactly once per idempotency key: the request is the blob named by its key, created with
  If-None-Match: *. Of two instances filing one key at once, one creates it; the other finds it there,
  answers with it (`already_filed`) and gives back nothing else it wrote.
- SR numbers never handed out twice: a counter blob per number prefix (date, and E for hand-offs) is
  read and rewritten with If-Match on its ETag, retried when another instance moved it first, so
  numbers stay consecutive like SQLite's. The number is then claimed by creating its own blob (which
  also finds the request by number) with If-None-Match: *: should the counter ever lag (a restored or
  deleted counter), a number already in use is refused by the storage itself and the next one is taken.
  A number claimed by the loser of a race on one key is left unused (a gap, as real SR numbers have).
- Notes and links are read-modify-writes of the request blob with If-Match, retried on a clash, so two
  notes added at once on two instances are both kept.
Listing (`requests`) reads each request's creation time and customer from blob metadata (one listing of
all the demo's requests), then downloads only the requests it shows.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

from services.blob_container import BlobContainer, blob_name
from services.demo.service_requests import FiledRequest, demo_catalogue, filing, number_prefix
from services.errors import AlreadyLinked, ServiceRequestNotFound
from services.models import (
    Customer,
    Filing,
    RequestDraft,
    RequestNote,
    ServiceRequest,
    SupportCatalogue,
)

_REQUESTS = "service-requests"
_NUMBERS = "service-request-numbers"
_COUNTERS = "service-request-counters"


def _encoded(record: FiledRequest) -> bytes:
    fields = asdict(record)
    fields["created"] = record.created.isoformat()
    fields["notes"] = [[n.created.isoformat(), n.author, n.text] for n in record.notes]
    return json.dumps(fields).encode("utf-8")


def _decoded(body: str) -> FiledRequest:
    fields: dict[str, Any] = json.loads(body)
    fields["created"] = datetime.fromisoformat(fields["created"])
    fields["notes"] = tuple(
        RequestNote(datetime.fromisoformat(at), by, text) for at, by, text in fields["notes"]
    )
    return FiledRequest(**fields)


def _metadata(record: FiledRequest) -> dict[str, str]:
    """What listing needs without downloading (metadata values are ASCII)."""
    return {
        "customer": quote(record.customer_id, safe=""),
        "created": record.created.isoformat(),
        "number": record.number,
    }


async def _clash_pause() -> None:
    """A short random pause before retrying a write another instance won, so retries spread out."""
    await asyncio.sleep(random.uniform(0, 0.02))


class BlobDemoServiceRequests:
    def __init__(
        self,
        container: BlobContainer,
        catalogue: SupportCatalogue,
        clock: Callable[[], datetime],
        handoff_products: frozenset[str] = frozenset(),
    ) -> None:
        """Requests for `handoff_products` are handed off as Partner Center's would be; the rest are filed."""
        self._container = container.client
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
        found = await self._by_key(idempotency_key)
        if found is not None:
            return filing(self._seen(found[0]), already_filed=True)
        now = self._clock()
        handed_off = draft.topic.product in self._handoff_products
        number = await self._claim_number(number_prefix(handed_off, now), idempotency_key)
        record = FiledRequest(
            number=number,
            idempotency_key=idempotency_key,
            customer_id=draft.customer.customer_id,
            customer_name=draft.customer.name,
            topic_id=draft.topic.topic_id,
            severity=draft.severity.value,
            title=draft.title,
            description=draft.description,
            contact_name=draft.contact.name,
            contact_email=draft.contact.email,
            contact_phone=draft.contact.phone,
            incident_id=draft.incident_id,
            requested_by=requested_by,
            created=now,
            handed_off=handed_off,
            sr_number="",
        )
        try:
            await self._container.upload_blob(
                blob_name(_REQUESTS, idempotency_key),
                _encoded(record),
                overwrite=False,
                metadata=_metadata(record),
            )
        except ResourceExistsError:
            # Another instance filed this key since we looked: its request stands, our number goes unused.
            await self._forget_number(number)
            found = await self._by_key(idempotency_key)
            if found is None:
                raise
            return filing(self._seen(found[0]), already_filed=True)
        return filing(self._seen(record), already_filed=False)

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        found = await self._by_key(idempotency_key)
        return self._seen(found[0]) if found else None

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10
    ) -> Sequence[ServiceRequest]:
        wanted = quote(customer.customer_id, safe="") if customer else None
        listed = [
            (blob.metadata.get("created", ""), blob.metadata.get("number", ""), blob.name)
            async for blob in self._container.list_blobs(
                name_starts_with=f"{_REQUESTS}/", include=["metadata"]
            )
            if wanted is None or blob.metadata.get("customer") == wanted
        ]
        newest = sorted(listed, reverse=True)[:limit]
        bodies = await asyncio.gather(*(self._download(name) for _, _, name in newest))
        found = [self._seen(_decoded(body)) for body, _ in filter(None, bodies)]
        return sorted(found, key=lambda r: (r.last_modified, r.number), reverse=True)

    async def service_request(self, number: str) -> ServiceRequest:
        found = await self._by_number(number)
        if found is None:
            raise ServiceRequestNotFound(number)
        return self._seen(found)

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        found = await self._by_number(number)
        if found is None:
            raise ServiceRequestNotFound(number)
        note = RequestNote(self._clock(), author, text)
        # In time order, as SQLite reads them, whichever instance's note was written first.
        noted = await self._update(
            found, lambda r: replace(r, notes=tuple(sorted((*r.notes, note), key=lambda n: n.created)))
        )
        return self._seen(noted)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        found = await self._by_number(reference)
        if found is None or found.number != reference or not found.handed_off:
            raise ServiceRequestNotFound(reference)
        linked = await self._update(found, lambda r: None if r.sr_number else replace(r, sr_number=number))
        if linked.sr_number != number:
            raise AlreadyLinked(reference, linked.sr_number)
        # Also when it was linked before: a link interrupted after the update finishes here.
        try:
            await self._container.upload_blob(
                blob_name(_NUMBERS, number), found.idempotency_key.encode("utf-8"), overwrite=False
            )
        except ResourceExistsError:
            pass
        return self._seen(linked)

    def _seen(self, record: FiledRequest) -> ServiceRequest:
        return record.as_seen(self._catalogue, self._clock())

    async def _download(self, name: str) -> tuple[str, str] | None:
        """The blob's text and ETag, or None when there is no such blob."""
        try:
            download = await self._container.download_blob(name, encoding="utf-8")
            return await download.readall(), str(download.properties.etag)
        except ResourceNotFoundError:
            return None

    async def _by_key(self, idempotency_key: str) -> tuple[FiledRequest, str] | None:
        found = await self._download(blob_name(_REQUESTS, idempotency_key))
        return (_decoded(found[0]), found[1]) if found else None

    async def _by_number(self, number: str) -> FiledRequest | None:
        """The request with this number, or with this SR number linked to it."""
        key = await self._download(blob_name(_NUMBERS, number)) if number else None
        found = await self._by_key(key[0]) if key else None
        if found is None or number not in (found[0].number, found[0].sr_number):
            return None  # a number given up by the loser of a race, or not ours at all
        return found[0]

    async def _update(
        self, request: FiledRequest, change: Callable[[FiledRequest], FiledRequest | None]
    ) -> FiledRequest:
        """Apply `change` to the request as stored now (None: leave it), retried when another instance
        wrote it in between; returns the request as written (or as left)."""
        name = blob_name(_REQUESTS, request.idempotency_key)
        while True:
            found = await self._by_key(request.idempotency_key)
            if found is None:
                raise ServiceRequestNotFound(request.number)
            record, etag = found
            changed = change(record)
            if changed is None:
                return record
            try:
                await self._container.upload_blob(
                    name,
                    _encoded(changed),
                    overwrite=True,
                    metadata=_metadata(changed),
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                )
                return changed
            except ResourceModifiedError:
                await _clash_pause()

    async def _claim_number(self, prefix: str, idempotency_key: str) -> str:
        while True:
            number = f"{prefix}{await self._next_in_sequence(prefix):06d}"
            try:
                await self._container.upload_blob(
                    blob_name(_NUMBERS, number), idempotency_key.encode("utf-8"), overwrite=False
                )
                return number
            except ResourceExistsError:
                continue  # the counter lagged behind numbers in use: take the next one

    async def _next_in_sequence(self, prefix: str) -> int:
        counter = self._container.get_blob_client(blob_name(_COUNTERS, prefix))
        while True:
            found = await self._download(counter.blob_name)
            if found is None:
                try:
                    await counter.upload_blob(b"1", overwrite=False)
                    return 1
                except ResourceExistsError:
                    continue
            last, etag = int(found[0]), found[1]
            try:
                await counter.upload_blob(
                    str(last + 1).encode("ascii"),
                    overwrite=True,
                    etag=etag,
                    match_condition=MatchConditions.IfNotModified,
                )
                return last + 1
            except ResourceModifiedError:
                await _clash_pause()

    async def _forget_number(self, number: str) -> None:
        try:
            await self._container.delete_blob(blob_name(_NUMBERS, number))
        except ResourceNotFoundError:
            pass
