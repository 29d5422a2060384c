"""Short-lived caches with single-flight.

Ten people asking about Contoso at once cause one upstream call: the first ask starts it, the others
await the same result. A value older than the TTL is never served (and is let go of within a TTL, so the
cache holds only what was asked lately), and failures are not cached, so the next ask tries again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlightCache(Generic[K, V]):
    def __init__(
        self,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        keep: Callable[[V], bool] = lambda value: True,
    ) -> None:
        """`keep` says whether a loaded value may be served again (a partly failed one may not): the
        asks waiting for that load get it all the same."""
        self._ttl = ttl_seconds
        self._clock = clock
        self._keep = keep
        self._values: dict[K, tuple[float, V]] = {}
        self._flights: dict[K, asyncio.Future[V]] = {}
        self._swept = clock()

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        self._sweep()
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
            if self._keep(value):
                self._values[key] = (self._clock(), value)
            return value
        finally:
            del self._flights[key]

    def _sweep(self) -> None:
        """Lets go of values past their TTL, at most once a TTL (a pass over them all)."""
        now = self._clock()
        if 0 <= now - self._swept < self._ttl:
            return
        self._swept = now
        for key, (stamp, _) in list(self._values.items()):
            if not 0 <= now - stamp < self._ttl:
                del self._values[key]

    def forget(self, key: K) -> None:
        self._values.pop(key, None)
