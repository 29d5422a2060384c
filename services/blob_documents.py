"""Bot state documents as blobs, one blob per key, with the blob's own ETag for optimistic concurrency.

The same contract as services/document_store.SqliteDocumentStore: a write with the ETag last read fails
with StaleWriteError if someone wrote since (If-Match), '*' or no ETag writes unconditionally. A batch is
written key by key (blobs have no transactions); botbuilder saves each state object in a write of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

from services.blob_container import BlobContainer, blob_name
from services.document_store import ANY_ETAG, DocumentWrite, StaleWriteError, StoredDocument

_PREFIX = "documents"


class BlobDocumentStore:
    def __init__(self, container: BlobContainer) -> None:
        self._container = container.client

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]:
        wanted = list(dict.fromkeys(keys))
        found = await asyncio.gather(*(self._read_one(key) for key in wanted))
        return {key: document for key, document in zip(wanted, found, strict=True) if document is not None}

    async def _read_one(self, key: str) -> StoredDocument | None:
        try:
            download = await self._container.download_blob(blob_name(_PREFIX, key), encoding="utf-8")
            body = await download.readall()
        except ResourceNotFoundError:
            return None
        return StoredDocument(body, str(download.properties.etag))

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]:
        """Returns the new etag of each key."""
        return {key: await self._write_one(key, change) for key, change in changes.items()}

    async def _write_one(self, key: str, change: DocumentWrite) -> str:
        blob = self._container.get_blob_client(blob_name(_PREFIX, key))
        data = change.body.encode("utf-8")
        if change.expected_etag in (None, ANY_ETAG):
            result = await blob.upload_blob(data, overwrite=True)
            return str(result["etag"])
        try:
            result = await blob.upload_blob(
                data,
                overwrite=True,
                etag=change.expected_etag,
                match_condition=MatchConditions.IfNotModified,
            )
        except (ResourceModifiedError, ResourceNotFoundError):
            # Gone since it was read (deleted): as in SQLite, the write creates it, unless another
            # writer got there first.
            try:
                result = await blob.upload_blob(data, overwrite=False)
            except ResourceExistsError:
                raise StaleWriteError(key) from None
        return str(result["etag"])

    async def delete(self, keys: Iterable[str]) -> None:
        await asyncio.gather(*(self._delete_one(key) for key in keys))

    async def _delete_one(self, key: str) -> None:
        try:
            await self._container.delete_blob(blob_name(_PREFIX, key))
        except ResourceNotFoundError:
            pass
