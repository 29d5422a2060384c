"""The turn journal as blobs, shared by every instance: an activity redelivered to another instance is
recognised there too.

One blob per accepted activity, created with If-None-Match: * so exactly one instance accepts an id.
Whether it was answered and when it was accepted are blob metadata, so the start-up scan lists them
without downloading every body. Same contract as services/turn_journal.TurnJournal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from services.blob_container import BlobContainer, blob_name
from services.turn_journal import Acceptance, UnfinishedTurn

_PREFIX = "turns"


class BlobTurnJournal:
    def __init__(self, container: BlobContainer) -> None:
        self._container = container.client

    async def accept(
        self,
        conversation: str,
        activity_id: str,
        reference: Mapping[str, Any],
        asked: str | None,
        now: datetime,
    ) -> Acceptance:
        blob = self._container.get_blob_client(blob_name(_PREFIX, conversation, activity_id))
        body = json.dumps({"reference": dict(reference), "asked": asked})
        try:
            await blob.upload_blob(
                body.encode("utf-8"),
                overwrite=False,
                metadata={"finished": "0", "accepted_at": now.isoformat()},
            )
            return Acceptance.NEW
        except ResourceExistsError:
            pass
        properties = await blob.get_blob_properties()
        finished = properties.metadata.get("finished") == "1"
        return Acceptance.ANSWERED if finished else Acceptance.UNANSWERED

    async def finish(self, conversation: str, activity_id: str) -> None:
        """Keep only the id and when it was accepted, for recognising redeliveries."""
        blob = self._container.get_blob_client(blob_name(_PREFIX, conversation, activity_id))
        try:
            properties = await blob.get_blob_properties()
        except ResourceNotFoundError:
            return
        accepted_at = properties.metadata.get("accepted_at", "")
        await blob.upload_blob(b"{}", overwrite=True, metadata={"finished": "1", "accepted_at": accepted_at})

    async def unfinished(self) -> list[UnfinishedTurn]:
        names = [
            (blob.name, blob.metadata.get("accepted_at", ""))
            async for blob in self._container.list_blobs(name_starts_with=f"{_PREFIX}/", include=["metadata"])
            if blob.metadata.get("finished") != "1"
        ]
        turns = await asyncio.gather(*(self._unfinished(name, at) for name, at in names))
        return sorted((t for t in turns if t is not None), key=lambda t: t.accepted_at)

    async def _unfinished(self, name: str, accepted_at: str) -> UnfinishedTurn | None:
        try:
            download = await self._container.download_blob(name, encoding="utf-8")
            body = json.loads(await download.readall())
        except ResourceNotFoundError:
            return None
        _, conversation, activity_id = name.split("/")
        return UnfinishedTurn(
            unquote(conversation),
            unquote(activity_id),
            body["reference"],
            body["asked"],
            datetime.fromisoformat(accepted_at),
        )

    async def forget_before(self, moment: datetime) -> None:
        """Drop finished ids older than any redelivery could be."""
        doomed = [
            blob.name
            async for blob in self._container.list_blobs(name_starts_with=f"{_PREFIX}/", include=["metadata"])
            if blob.metadata.get("finished") == "1"
            and datetime.fromisoformat(blob.metadata.get("accepted_at") or moment.isoformat()) < moment
        ]
        for name in doomed:
            try:
                await self._container.delete_blob(name)
            except ResourceNotFoundError:
                pass
