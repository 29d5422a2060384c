"""Short-lived caches with single-flight.

Ten people asking about Contoso at once cause one upstream call: the first ask starts it, the others
await the same result. A value older than the TTL is never served, and failures are not cached, so the
next ask tries again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlightCache(Generic[K, V]):
    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_seconds
        self._clock = clock
        self._values: dict[K, tuple[float, V]] = {}
        self._flights: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        held = self._values.get(key)
        # A clock set back makes the age negative: that value's age is unknown, so it is read again.
        if held is not None and 0 <= self._clock() - held[0] < self._ttl:
            return held[1]
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._load(key, load))
            # Retrieved here so a failure nobody is still waiting for isn't logged as never retrieved.
            flight.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._flights[key] = flight
        # One asker giving up (a cancelled turn) must not cancel the load the others wait for.
        return await asyncio.shield(flight)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await load()
            self._values[key] = (self._clock(), value)
            return value
        finally:
            del self._flights[key]

    def forget(self, key: K) -> None:
        self._values.pop(key, None)
