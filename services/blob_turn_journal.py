"""The turn journal as blobs, shared by every instance: an activity redelivered to another instance is
recognised there too.

One blob per accepted activity (`turns/<conversation>/<activity>`), created with If-None-Match: * so
exactly one instance accepts an id; whether it was answered, when it was accepted and which run owns it
are blob metadata. Beside each unfinished turn an empty marker (`open-turns/…`, metadata: its owner and
how far its answer got) is the index a sweep lists, so finding unfinished turns never lists the whole
history; deleting the marker is the claim (exactly one instance's delete succeeds). A process killed
between writing the turn and its marker (milliseconds) leaves a turn no sweep finds. Same contract as
services/turn_journal.TurnJournal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError

from services.blob_container import BlobContainer, blob_name
from services.turn_journal import Acceptance, Answer, UnfinishedTurn

_PREFIX = "turns"
_OPEN = "open-turns"


class BlobTurnJournal:
    def __init__(self, container: BlobContainer, owner: str = "") -> None:
        """`owner` names this run in each turn it accepts."""
        self._container = container.client
        self._owner = owner

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
                metadata={"finished": "0", "accepted_at": now.isoformat(), "owner": self._owner},
            )
        except ResourceExistsError:
            properties = await blob.get_blob_properties()
            finished = properties.metadata.get("finished") == "1"
            return Acceptance.ANSWERED if finished else Acceptance.UNANSWERED
        await self._container.upload_blob(
            blob_name(_OPEN, conversation, activity_id), b"", overwrite=True, metadata={"owner": self._owner}
        )
        return Acceptance.NEW

    async def answering(self, conversation: str, activity_id: str, answer: Answer) -> None:
        """The answer was handed to the Connector, or the Connector confirmed it. Only the owner writes
        this, while the turn is its own."""
        marker = self._container.get_blob_client(blob_name(_OPEN, conversation, activity_id))
        metadata = {"owner": self._owner, "answer": answer.value}
        try:
            if answer is Answer.DELIVERED:
                await marker.set_blob_metadata(metadata)
                return
            # A confirmation is never taken back by a later message being handed over.
            properties = await marker.get_blob_properties()
            if properties.metadata.get("answer") != Answer.DELIVERED.value:
                await marker.set_blob_metadata(
                    metadata, etag=properties.etag, match_condition=MatchConditions.IfNotModified
                )
        except (ResourceNotFoundError, ResourceModifiedError):
            pass  # finished or claimed meanwhile, or confirmed in between

    async def finish(self, conversation: str, activity_id: str) -> None:
        """Keep only the id and when it was accepted, for recognising redeliveries."""
        blob = self._container.get_blob_client(blob_name(_PREFIX, conversation, activity_id))
        try:
            properties = await blob.get_blob_properties()
        except ResourceNotFoundError:
            return
        accepted_at = properties.metadata.get("accepted_at", "")
        await blob.upload_blob(b"{}", overwrite=True, metadata={"finished": "1", "accepted_at": accepted_at})
        try:
            await self._container.delete_blob(blob_name(_OPEN, conversation, activity_id))
        except ResourceNotFoundError:
            pass

    async def unfinished(self) -> list[UnfinishedTurn]:
        """Turns not finished and not claimed, oldest first: one listing of the markers."""
        markers = [
            (blob.name, blob.metadata or {})
            async for blob in self._container.list_blobs(name_starts_with=f"{_OPEN}/", include=["metadata"])
        ]
        turns = await asyncio.gather(*(self._unfinished(name, metadata) for name, metadata in markers))
        return sorted((t for t in turns if t is not None), key=lambda t: t.accepted_at)

    async def _unfinished(self, marker: str, metadata: dict[str, str]) -> UnfinishedTurn | None:
        _, conversation, activity_id = marker.split("/")
        try:
            download = await self._container.download_blob(f"{_PREFIX}/{conversation}/{activity_id}")
            body = json.loads(await download.readall())
        except ResourceNotFoundError:
            body = None
        turn_metadata = download.properties.metadata if body is not None else {}
        if body is None or turn_metadata.get("finished") == "1":
            # A marker left by a finish cut off half-way: nothing is waiting.
            try:
                await self._container.delete_blob(marker)
            except ResourceNotFoundError:
                pass
            return None
        answer = metadata.get("answer")
        return UnfinishedTurn(
            unquote(conversation),
            unquote(activity_id),
            body["reference"],
            body["asked"],
            datetime.fromisoformat(turn_metadata.get("accepted_at", "")),
            metadata.get("owner", ""),
            Answer(answer) if answer in {a.value for a in Answer} else None,
        )

    async def claim(self, conversation: str, activity_id: str) -> bool:
        """Take an abandoned turn to tell its person: deleting its marker succeeds for exactly one caller."""
        try:
            await self._container.delete_blob(blob_name(_OPEN, conversation, activity_id))
        except ResourceNotFoundError:
            return False
        return True

    async def forget_before(self, moment: datetime) -> int:
        """Drop finished (or claimed) ids older than any redelivery could be; how many went. It lists the
        journal: the leader's periodic retention does this, never start-up."""
        still_open = {
            blob.name.removeprefix(f"{_OPEN}/")
            async for blob in self._container.list_blobs(name_starts_with=f"{_OPEN}/")
        }
        doomed = [
            blob.name
            async for blob in self._container.list_blobs(name_starts_with=f"{_PREFIX}/", include=["metadata"])
            # Finished, or claimed by a sweep (no marker left) whose claimer didn't finish it.
            if (
                blob.metadata.get("finished") == "1"
                or blob.name.removeprefix(f"{_PREFIX}/") not in still_open
            )
            and datetime.fromisoformat(blob.metadata.get("accepted_at") or moment.isoformat()) < moment
        ]
        for name in doomed:
            try:
                await self._container.delete_blob(name)
            except ResourceNotFoundError:
                pass
        return len(doomed)
