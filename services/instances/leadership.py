"""Exactly one instance at a time does the work that must not run twice (the watcher and the outbox).

Leadership is a lease on one blob. The leader renews it every third of the lease period; if it can't be
sure its lease still holds, it stops the work first: the work is cancelled by the time the lease could
lapse (measured from when the last successful renewal was *sent*, which is no later than the storage
service's own clock started the period). Another instance acquires the lease only after it lapsed or
was released, so two leaders never overlap. A leader that dies without releasing is succeeded within one
lease period plus one attempt interval; one that shuts down releases at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.blob.aio import BlobLeaseClient

from services.storage.blob_container import BlobContainer, blob_name

logger = logging.getLogger("bot.leadership")

# Azure Storage accepts lease periods from 15 to 60 seconds.
LEASE_SECONDS = 15


class Leadership:
    def __init__(self, container: BlobContainer, role: str, holder: str, lease_seconds: int = LEASE_SECONDS):
        self._blob = container.client.get_blob_client(blob_name("leaders", role))
        self._role = role
        self._holder = holder
        self._lease_seconds = lease_seconds
        self._interval = lease_seconds / 3
        self.leading = False

    async def run(self, lead: Callable[[], Awaitable[object]]) -> None:
        """For as long as the app runs: wait to become leader, run `lead()` while leading."""
        while True:
            lease, sent = await self._acquire()
            self.leading = True
            logger.info("leading role=%s holder=%s", self._role, self._holder)
            work = asyncio.ensure_future(lead())
            try:
                await self._keep(lease, sent, work)
            finally:
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)
                self.leading = False
                await self._release(lease)
            logger.warning("leadership lost role=%s holder=%s", self._role, self._holder)

    async def _acquire(self) -> tuple[BlobLeaseClient, float]:
        """The lease, and when the request that won it was sent."""
        try:
            await self._blob.upload_blob(self._holder.encode(), overwrite=False)
        except (ResourceExistsError, AzureError):
            pass  # There already, possibly under someone's lease.
        while True:
            lease = BlobLeaseClient(self._blob)
            sent = time.monotonic()
            try:
                await lease.acquire(lease_duration=self._lease_seconds)
                return lease, sent
            except AzureError:
                await asyncio.sleep(self._interval)

    async def _keep(self, lease: BlobLeaseClient, sent: float, work: asyncio.Future[object]) -> None:
        """Renew until a renewal can't be confirmed before the lease could lapse, or the work ends.
        `valid_until` keeps a third of the period in hand for the work to be cancelled."""
        valid_until = sent + self._lease_seconds - self._interval
        while not work.done():
            await asyncio.wait({work}, timeout=self._interval)
            if work.done():
                return
            sent = time.monotonic()
            try:
                await asyncio.wait_for(self._renew(lease), max(0.1, valid_until - sent))
            except (AzureError, TimeoutError) as error:
                logger.warning("lease renewal failed role=%s error=%s", self._role, type(error).__name__)
                if time.monotonic() + self._interval >= valid_until:
                    return
                continue
            valid_until = sent + self._lease_seconds - self._interval

    async def _renew(self, lease: BlobLeaseClient) -> None:
        await lease.renew()

    async def _release(self, lease: BlobLeaseClient) -> None:
        try:
            await asyncio.wait_for(lease.release(), self._interval)
        except (AzureError, TimeoutError):
            pass  # It lapses on its own.
