"""JSON records in blobs, each changed by read-modify-write under its ETag: the one way the shared stores
(subscriptions, conversations, the notice board, the audit log, the demo service-request desk) write.

A change reads the record and its ETag, computes the new value, and writes it with If-Match (or
If-None-Match: * when the record did not exist); when another instance wrote in between, the write is
refused and the change runs again on what that instance wrote. So two instances changing one record at
once both take effect, in some order, and neither overwrites the other.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import unquote

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

from services.storage.blob_container import BlobContainer, blob_name
from services.storage.errors import StorageError
from services.storage.records import NO_CHANGE as NO_CHANGE
from services.storage.records import Page, Versioned

T = TypeVar("T")
# Clashes are rare (a handful of instances); many in a row mean something else keeps writing.
MAX_ATTEMPTS = 20


class BlobRecords:
    """Records under `prefix`, keyed by tuples of strings (each part may hold any character)."""

    def __init__(self, container: BlobContainer, prefix: str) -> None:
        self._owner = container
        self._container = container.client
        self._prefix = prefix
        # What `values` last downloaded, by blob name: (etag, value). A listing carries each blob's ETag,
        # so reading every record again downloads only those written since.
        self._seen: dict[str, tuple[str, Any]] = {}

    def _name(self, key: tuple[str, ...]) -> str:
        return blob_name(self._prefix, *key)

    async def get(self, *key: str) -> Any | None:
        found = await self._read(self._name(key))
        return found[0] if found else None

    async def get_many(self, keys: Iterable[tuple[str, ...]]) -> dict[tuple[str, ...], Any]:
        wanted = list(dict.fromkeys(keys))
        found = await asyncio.gather(*(self.get(*key) for key in wanted))
        return {key: value for key, value in zip(wanted, found, strict=True) if value is not None}

    async def _read(self, name: str) -> tuple[Any, str] | None:
        try:
            download = await self._container.download_blob(name, encoding="utf-8")
            body = await download.readall()
        except ResourceNotFoundError:
            return None
        # An empty blob is no record of ours: one an earlier release wrote (a marker) reads as {}.
        return (json.loads(body) if body else {}), str(download.properties.etag)

    async def read(self, *key: str) -> Versioned | None:
        found = await self._read(self._name(key))
        return Versioned(found[0], found[1]) if found else None

    async def replace(self, value: Any, version: str, *key: str) -> bool:
        """Write `value` only if the blob still has the ETag `version` (If-Match)."""
        try:
            await self._container.upload_blob(
                self._name(key),
                _dump(value),
                overwrite=True,
                etag=version,
                match_condition=MatchConditions.IfNotModified,
            )
        except (ResourceModifiedError, ResourceNotFoundError, ResourceExistsError):
            return False
        return True

    async def create(self, value: Any, *key: str) -> bool:
        """Write `value` only if the record doesn't exist yet (If-None-Match: *); whether it did."""
        try:
            await self._container.upload_blob(self._name(key), _dump(value), overwrite=False)
        except ResourceExistsError:
            return False
        return True

    async def create_marked(self, value: Any, *key: str, marks: str, mark: Any) -> str | None:
        """Two writes: the record (If-None-Match: *), then, if it was created, its mark."""
        if not await self.create(value, *key):
            return None
        return await BlobRecords(self._owner, marks).put(mark, *key)

    async def put(self, value: Any, *key: str, version: str | None = None) -> str | None:
        """Write `value` (with `version`: If-Match, or If-None-Match: * once the blob is gone)."""
        blob, data = self._container.get_blob_client(self._name(key)), _dump(value)
        try:
            if version is None:
                result = await blob.upload_blob(data, overwrite=True)
            else:
                try:
                    result = await blob.upload_blob(
                        data, overwrite=True, etag=version, match_condition=MatchConditions.IfNotModified
                    )
                except (ResourceModifiedError, ResourceNotFoundError):
                    # Changed, or gone (a missing blob fails If-Match too): written only if gone.
                    result = await blob.upload_blob(data, overwrite=False)
        except ResourceExistsError:
            return None
        return str(result["etag"])

    async def change(self, change: Callable[[Any | None], Any], *key: str) -> Any | None:
        """Apply `change` to the record (None when missing) until it is written over what it read.

        `change` returns the new value, None to delete the record, or NO_CHANGE to leave it; it may run
        more than once, so it must not have effects of its own. Returns what the record now holds."""
        name = self._name(key)
        for attempt in range(MAX_ATTEMPTS):
            found = await self._read(name)
            current, etag = found if found else (None, None)
            new = change(current)
            if new is NO_CHANGE:
                return current
            try:
                if new is None:
                    if etag is not None:
                        await self._container.delete_blob(
                            name, etag=etag, match_condition=MatchConditions.IfNotModified
                        )
                    return None
                if etag is None:
                    await self._container.upload_blob(name, _dump(new), overwrite=False)
                else:
                    await self._container.upload_blob(
                        name,
                        _dump(new),
                        overwrite=True,
                        etag=etag,
                        match_condition=MatchConditions.IfNotModified,
                    )
                return new
            except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
                await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        raise StorageError(f"record {name} kept changing under {MAX_ATTEMPTS} attempts to write it")

    async def delete(self, *key: str) -> None:
        try:
            await self._container.delete_blob(self._name(key))
        except ResourceNotFoundError:
            pass

    async def keys(self, *under: str, limit: int | None = None) -> list[tuple[str, ...]]:
        """The keys under these leading parts in the order of the blob names; with `limit`, the first
        that many, from one short listing however many records there are."""
        start = blob_name(self._prefix, *under) + "/"
        found: list[tuple[str, ...]] = []
        async for blob in self._container.list_blobs(name_starts_with=start, results_per_page=limit):
            found.append(_key(blob.name))
            if len(found) == limit:
                break
        return found

    async def page(self, *under: str, size: int, start: str | None = None) -> Page:
        """One listing page of `size` blobs and their records; `start` is the listing's own continuation
        token from the page before."""
        pages = self._container.list_blobs(
            name_starts_with=blob_name(self._prefix, *under) + "/", results_per_page=size
        ).by_page(continuation_token=start)
        names = [blob.name async for blob in await anext(pages)]
        found = await asyncio.gather(*(self._read(name) for name in names))
        records = {_key(name): hit[0] for name, hit in zip(names, found, strict=True) if hit is not None}
        return Page(records, pages.continuation_token or None)  # type: ignore[attr-defined]

    async def values(self, *under: str) -> dict[tuple[str, ...], Any]:
        """Every record under these leading parts: one listing, and a download of each record changed
        since this instance last read it."""
        start = blob_name(self._prefix, *under) + "/"
        listed = {
            blob.name: str(blob.etag) async for blob in self._container.list_blobs(name_starts_with=start)
        }
        stale = [name for name, etag in listed.items() if self._seen.get(name, ("",))[0] != etag]
        for name, found in zip(stale, await asyncio.gather(*(self._read(n) for n in stale)), strict=True):
            if found is None:
                listed.pop(name)
            else:
                self._seen[name] = (found[1], found[0])
        for name in [n for n in self._seen if n.startswith(start) and n not in listed]:
            del self._seen[name]
        return {_key(name): self._seen[name][1] for name in listed if name in self._seen}


def _key(name: str) -> tuple[str, ...]:
    """A record's key from its blob name (the prefix dropped, each part decoded)."""
    return tuple(unquote(part) for part in name.split("/")[1:])


def _dump(value: Any) -> bytes:
    # Keys in the order they were made: bot state is jsonpickle's, whose references count in that order.
    return json.dumps(value, separators=(",", ":")).encode("utf-8")
