"""Turns of one conversation in order across instances (BOT_STORAGE=azureblob).

A turn holds a short lease on its conversation's blob while it reads and saves state, so a turn on
another instance waits for it instead of failing its save on a stale ETag ("Two answers crossed"). The
lease is renewed while the turn runs and released when it ends; a holder that dies frees the
conversation within one lease period. A turn that can't get the lease within `wait_seconds` goes ahead
(logged), with the ETag check as the backstop.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.blob.aio import BlobLeaseClient

from services.storage.blob_container import BlobContainer, blob_name

logger = logging.getLogger("bot.conversation_leases")

LEASE_SECONDS = 15


class BlobConversationLeases:
    def __init__(self, container: BlobContainer, wait_seconds: float = 30.0) -> None:
        self._container = container.client
        self._wait_seconds = wait_seconds

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lease = await self._acquire(conversation_id)
        keeping = asyncio.ensure_future(self._keep(lease)) if lease else None
        try:
            yield
        finally:
            if keeping is not None and lease is not None:
                keeping.cancel()
                await asyncio.gather(keeping, return_exceptions=True)
                with suppress(AzureError, TimeoutError):
                    await asyncio.wait_for(lease.release(), 5)

    async def _acquire(self, conversation_id: str) -> BlobLeaseClient | None:
        blob = self._container.get_blob_client(blob_name("turn-leases", conversation_id))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_seconds
        pause = 0.05
        created = False
        while True:
            lease = BlobLeaseClient(blob)
            try:
                await lease.acquire(lease_duration=LEASE_SECONDS)
                return lease
            except AzureError as error:
                if getattr(error, "status_code", None) == 404 and not created:
                    with suppress(ResourceExistsError, AzureError):
                        await blob.upload_blob(b"", overwrite=False)
                    created = True
                    continue
                if loop.time() + pause > deadline:
                    logger.warning(
                        "turn went ahead without its conversation lease error=%s", type(error).__name__
                    )
                    return None
            await asyncio.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 2, 1.0)

    @staticmethod
    async def _keep(lease: BlobLeaseClient) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            with suppress(AzureError):
                await lease.renew()
