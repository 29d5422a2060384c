"""Short-lived caches with single-flight, and Graph's per-tenant request budget.

Ten people asking about Contoso at once cause one upstream call: the first ask starts it, the others
await the same result. Failures are not cached, so the next ask tries again.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
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
        if held is not None and self._clock() - held[0] < self._ttl:
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


class BudgetExhausted(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"request budget spent; next request in {retry_after:.0f} s")
        self.retry_after = retry_after


class TenantBudget:
    """Graph service communications allow 240 requests a minute and 800 an hour per app per tenant.

    The chat and the watcher take from the same budget, so neither can starve the other into 429s; a
    spent budget fails at once (with the wait) instead of calling Graph into throttling.
    """

    def __init__(self, per_minute: int, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows = ((60.0, per_minute), (3600.0, per_hour))
        self._clock = clock
        self._taken: dict[str, deque[float]] = {}

    def take(self, tenant_id: str) -> None:
        now = self._clock()
        taken = self._taken.setdefault(tenant_id, deque())
        while taken and now - taken[0] >= 3600.0:
            taken.popleft()
        for window, allowed in self._windows:
            recent = [t for t in taken if now - t < window]
            if len(recent) >= allowed:
                raise BudgetExhausted(window - (now - recent[0]))
        taken.append(now)
