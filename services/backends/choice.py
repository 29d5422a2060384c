"""Demo or live: the one place that chooses, and builds what goes with the choice.

The live backend comes with the live service-request desk (sharing its HTTP session and tokens, with its
ledger in the bot's place), asks Graph nothing about operator groups here, reads GDAP from Graph, and must
be closed. The demo backend comes with the demo desk, every demo operator group, the demo's GDAP data, and
a world that moves on a tick.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from services.backends.demo.backend import DATA_DIR, DemoBackend
from services.backends.demo.gdap import DemoDirectory
from services.backends.demo.operators import DemoGroupMembership
from services.backends.demo.service_requests import DemoServiceRequests
from services.backends.demo.world import DemoWorld
from services.backends.live.backend import LiveBackend
from services.backends.live.config import LiveConfig
from services.backends.live.escalation_ledger import EscalationLedger
from services.backends.live.operators import NoGroupLookup
from services.backends.live.service_requests import LiveServiceRequests
from services.backends.retrying_desk import RetryingDesk
from services.domain.ports import Backend, DelegatedAccessDirectory, GroupMembership, ServiceRequestDesk
from services.storage.places import Place


@dataclass(frozen=True)
class Backends:
    """The backend and what goes with it; `close()` when the app stops."""

    backend: Backend
    desk: ServiceRequestDesk
    groups: GroupMembership
    # Who holds which GDAP roles for which customer (BOT_ACCESS=gdap): Graph, or the demo's copy of it.
    directory: DelegatedAccessDirectory
    # Only the demo has a world to move (`POST /api/demo/tick`, BOT_DEMO_TICK_SECONDS).
    world: DemoWorld | None
    close: Callable[[], Awaitable[None]]
    # Drops a person's on-behalf-of tokens (`sign out`); only the live backend acts as people.
    forget_person: Callable[[str], None] = lambda object_id: None


def open_backends(live: LiveConfig | None, place: Place, clock: Callable[[], datetime]) -> Backends:
    """The live backend given live settings, else the demo one; the desk records in `place`."""
    return backends_around(LiveBackend(live) if live else DemoBackend.load(), place, clock)


def backends_around(backend: Backend, place: Place, clock: Callable[[], datetime]) -> Backends:
    """What goes with `backend` (tests pass their own: the demo at a fixed moment, or the live one
    against the doubles); a backend that is neither gets the demo desk and no world."""
    if isinstance(backend, LiveBackend):
        ledger = EscalationLedger(place)
        topics = DATA_DIR / "supporttopics.json"
        desk = RetryingDesk(LiveServiceRequests.for_backend(backend, ledger, clock, topics))
        forget = backend.people.forget if backend.people is not None else (lambda object_id: None)
        return Backends(backend, desk, NoGroupLookup(), backend.directory, None, backend.close, forget)
    world = DemoWorld(backend, clock) if isinstance(backend, DemoBackend) else None
    demo_desk = RetryingDesk(DemoServiceRequests.open(place, DATA_DIR, clock))
    directory = DemoDirectory.load(now=clock)
    return Backends(backend, demo_desk, DemoGroupMembership(), directory, world, _nothing_to_close)


async def _nothing_to_close() -> None:
    pass
