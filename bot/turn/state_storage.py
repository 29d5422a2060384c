"""Bot Framework `Storage` over our document store (SQLite, or Azure blobs with BOT_STORAGE=azureblob).

State objects (dialog stacks) are serialized with jsonpickle, as botbuilder's own Blob storage does: its
JSON-ready form goes into the store as it is (no text in between).
After a write the new ETag is put back on the cached state, so a second save in the same turn is not
mistaken for a stale one.
"""

from __future__ import annotations

from typing import Any

import jsonpickle
from botbuilder.core import Storage

from services.domain.models import DocumentWrite
from services.domain.ports import DocumentStore

_ETAG = "e_tag"


def _get_etag(item: Any) -> str | None:
    value = item.get(_ETAG) if isinstance(item, dict) else getattr(item, _ETAG, None)
    return value if isinstance(value, str) else None


def _set_etag(item: Any, etag: str) -> None:
    if isinstance(item, dict):
        item[_ETAG] = etag
    elif hasattr(item, _ETAG):
        item.e_tag = etag


class DocumentStorage(Storage):
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def read(self, keys: list[str]) -> dict[str, Any]:
        items = {}
        for key, document in (await self._store.read(keys)).items():
            item = jsonpickle.Unpickler(keys=True).restore(document.value)
            _set_etag(item, document.etag)
            items[key] = item
        return items

    async def write(self, changes: dict[str, Any]) -> None:
        if not changes:
            return
        writes = {
            key: DocumentWrite(jsonpickle.Pickler(keys=True).flatten(item), _get_etag(item))
            for key, item in changes.items()
        }
        for key, etag in (await self._store.write(writes)).items():
            _set_etag(changes[key], etag)

    async def delete(self, keys: list[str]) -> None:
        await self._store.delete(keys)
