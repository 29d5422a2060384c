"""Graph's per-tenant request budget (the short-lived caches are services/domain/single_flight.py)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


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
