"""Pacing of proactive sends under Teams' rate limits, attempt by attempt.

Teams counts the sends it accepted in sliding windows (per conversation and per app) and answers the
excess with 429. So the pacer does the same: a send takes a slot in each window before every attempt,
retries included (a retry that skipped the pacer would land on top of the paced traffic and be refused
again), and a send Teams refused with 429 gives its slot back, because Teams did not count it either.

A slot counts from when it is taken until its answer came back, and then for a window's length from the
answer: Teams stamped the send somewhere in between, so measuring from the answer can never let a later
send into the window Teams still counts it in (measuring from the request could, whenever one request
takes longer on the way than another).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


class SlidingWindow:
    """At most `limit` sends in any `seconds`-long window: those in flight and those answered since."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.in_flight = 0
        self._answered: deque[float] = deque()

    def wait_seconds(self, now: float) -> float:
        """How long until one more send fits, at most (0 when it fits now)."""
        answered = self._answered
        while answered and answered[0] <= now - self.seconds:
            answered.popleft()
        if self.in_flight + len(answered) < self.limit:
            return 0.0
        # Full of sends still in flight: one of them answering starts the wait; look again then.
        return answered[0] + self.seconds - now if answered else self.seconds

    def take(self) -> None:
        self.in_flight += 1

    def answered(self, now: float) -> None:
        self.in_flight -= 1
        self._answered.append(now)

    def give_back(self) -> None:
        self.in_flight -= 1

    def __len__(self) -> int:
        return self.in_flight + len(self._answered)


@dataclass
class Slot:
    """One attempt's place in each window: `answered` when Teams answered it, or `give_back` on a 429."""

    _windows: tuple[SlidingWindow, ...]
    _clock: Callable[[], float]
    _changed: Callable[[], None]
    _settled: bool = field(default=False)

    def answered(self) -> None:
        if self._settled:
            return
        self._settled = True
        now = self._clock()
        for window in self._windows:
            window.answered(now)
        self._changed()

    def give_back(self) -> None:
        if self._settled:
            return
        self._settled = True
        for window in self._windows:
            window.give_back()
        self._changed()


class SendPacer:
    """Teams' limits for a bot's proactive messages, with our margin: per conversation 8 per 2 s and
    60 per 30 s (Teams: 7 per second, 60 per 30 s), 50 per second per app."""

    def __init__(self, app_per_second: int = 50, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._app = SlidingWindow(app_per_second, 1.0)
        self._conversations: dict[str, tuple[SlidingWindow, SlidingWindow]] = {}
        self._changed = asyncio.Event()

    def _windows(self, conversation: str) -> tuple[SlidingWindow, ...]:
        windows = self._conversations.get(conversation)
        if windows is None:
            windows = (SlidingWindow(8, 2.0), SlidingWindow(60, 30.0))
            self._conversations[conversation] = windows
        return (*windows, self._app)

    async def slot(self, conversation: str) -> Slot:
        """Wait until one more send to `conversation` fits every window, and take it."""
        windows = self._windows(conversation)
        while True:
            wait = max(window.wait_seconds(self._clock()) for window in windows)
            if wait <= 0:
                for window in windows:
                    window.take()
                return Slot(windows, self._clock, self._made_room)
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), wait)
            except TimeoutError:
                pass

    def _made_room(self) -> None:
        """A slot was answered or given back: whoever waits looks again now."""
        self._changed.set()
        self._changed = asyncio.Event()

    def forget_idle(self) -> None:
        """Drop the windows of conversations with nothing in them (after a round)."""
        now = self._clock()
        for conversation, windows in list(self._conversations.items()):
            if all(window.wait_seconds(now) == 0 and not len(window) for window in windows):
                del self._conversations[conversation]
