"""The served process around the routes: whether it served, what an operator reads when it starts
serving, the background duties run beside it, and keeping start-up's objects out of later collections.
Log lines are for operators and stay in English."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.outbound.notice_delivery import NoticeDelivery
from bot.turn.access import AccessRules
from services.backends.demo.world import DemoWorld
from services.notices.watcher import HealthWatcher

ANONYMOUS_MODE = (
    "AUTHENTICATION IS OFF: MicrosoftAppId is not set, so this bot accepts activities from anyone who can "
    "reach it. For local testing only: it listens on loopback and replies to loopback serviceUrls only."
)


EVERYONE_OPERATES = (
    "BOT_OPERATORS and BOT_OPERATORS_GROUP are not set: everyone who can talk to the bot is an operator "
    "(may file service requests, add notes, change subscriptions). Set them before real use."
)


@dataclass
class Lifetime:
    """Whether the app served: a start-up that couldn't bind its port stops with one line, and no
    shutdown report follows it. `python app.py` sets it once the socket is bound; tests serve at once."""

    served: bool = True


def announce_serving(host: str, port: int, backend: str, authenticated: bool, access: AccessRules) -> None:
    """The lines an operator reads once the socket is bound (so they are only written when true): where
    the bot serves, and each thing left open that should not be in real use."""
    log = logging.getLogger("bot.startup")
    log.info(
        "serving http://%s:%d/api/messages backend=%s auth=%s",
        host,
        port,
        backend,
        "on" if authenticated else "off (local testing only)",
    )
    if not authenticated:
        log.warning(ANONYMOUS_MODE)
    if access.everyone_operates:
        log.warning(EVERYONE_OPERATES)
    if not access.allowed_tenants:
        log.info("ALLOWED_TENANTS is not set: every tenant may use the bot")


def demo_tick(
    world: DemoWorld, watcher: HealthWatcher, delivery: NoticeDelivery
) -> Callable[[], Awaitable[dict[str, object]]]:
    """One step of the demo world, then a watcher poll and the outbox: `POST /api/demo/tick` and the demo
    loop; only a demo backend has a world to move."""

    async def tick() -> dict[str, object]:
        step = await world.tick()
        report = await watcher.poll_once()
        delivery.wake()
        return {
            "step": step.step,
            "changes": [c.incident_id for c in step.changes],
            "messages": list(step.messages),
            "notices": len(report.notices),
        }

    return tick


async def every(seconds: float, step: Callable[[], Awaitable[object]], what: str) -> None:
    """A background duty run every `seconds` for as long as the app runs (the demo world moving on its
    own, heartbeats, recovery sweeps); one failure is logged and the next round tries again."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await step()
        except Exception as error:  # noqa: BLE001 - the duty must keep going
            logging.getLogger("bot.background").error("%s failed error=%s", what, type(error).__name__)


def settle_heap() -> None:
    """Keep what start-up built (modules, the demo world, cards' models) out of every later collection.

    CPython's full collections walk every tracked object; after start-up that is mostly what lives as long
    as the process, so each one paused all conversations for tens of milliseconds and cost about a fifth
    of a turn's CPU (`make bench`: p99 at 20 conversations about 130 ms with them, about 65 ms without).
    Collecting first means no start-up garbage is kept for good. Only the served process does this, not
    `create_app`, which tests call many times in one process."""
    gc.collect()
    gc.freeze()
