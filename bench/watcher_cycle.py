"""The app's HealthWatcher over the live backend, polling the doubles of bench/watcher_world.py, in a
process of its own so its CPU is its own. One subscription to every customer; the baseline the
subscribe command takes, then one poll cycle as the app's loop runs it (health cache expired, tokens
and the customer list warm, as in every cycle after the first). Prints one JSON line.

Run: python -m bench.watcher_cycle WORLD_URL WORKDIR
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from services.backends.live.backend import LiveBackend
from services.backends.live.config import Credential, CredentialKind, Endpoints, LiveConfig
from services.domain.models import ALL_CUSTOMERS, Subscription
from services.notices.conversations import ConversationStore
from services.notices.notice_board import NoticeBoard
from services.notices.subscriptions import SubscriptionStore
from services.notices.watcher import HealthWatcher
from services.storage.sqlite_database import SqliteDatabase

WATCH_INTERVAL_SECONDS = 60.0


async def _get(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def measure(world_url: str, workdir: Path) -> dict[str, Any]:
    config = await _get(f"{world_url}/_bench/config")
    skew = [0.0]  # the watcher's clock, moved on by one interval between cycles

    def monotonic() -> float:
        return time.monotonic() + skew[0]

    live = LiveConfig(
        client_id=config["client_id"],
        partner_tenant_id=config["partner_tenant_id"],
        credential=Credential(CredentialKind.SECRET, secret=config["client_secret"]),
        endpoints=Endpoints(
            authority_host=config["authority_host"],
            partner_center=config["partner_center"],
            graph=config["graph"],
            management="https://127.0.0.1:9",
        ),
        ca_bundle=Path(config["ca_bundle"]),
        token_cache_path=workdir / "watcher-token-cache.bin",
    )
    backend = LiveBackend(live, monotonic=monotonic)
    database = SqliteDatabase(workdir / "watcher.sqlite3")
    subscriptions = SubscriptionStore(database)
    board = NoticeBoard(database, subscriptions, ConversationStore(database))
    watcher = HealthWatcher(backend, subscriptions, board, lambda: datetime.now(UTC))
    try:
        now = datetime.now(UTC)
        await subscriptions.add(Subscription("19:bench-watch@thread.tacv2", ALL_CUSTOMERS), now)
        began = time.monotonic()
        await watcher.baseline(await watcher.watched())
        baseline_seconds = time.monotonic() - began
        skew[0] += WATCH_INTERVAL_SECONDS
        before = await _get(f"{world_url}/_bench/stats")
        cpu, began = time.process_time(), time.monotonic()
        report = await watcher.poll_once()
        seconds, cpu = time.monotonic() - began, time.process_time() - cpu
        after = await _get(f"{world_url}/_bench/stats")
    finally:
        await backend.close()
        database.close()
    customers = int(config["customers"])
    health = after["graph"] - before["graph"]
    return {
        "customers": customers,
        "polled": report.polled,
        "unreadable": len(report.unreadable),
        "concurrency": 8,
        "baseline_seconds": round(baseline_seconds, 2),
        "cycle_seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "health_requests": health,
        "health_requests_per_customer": round(health / customers, 3),
        "other_requests": (after["partner_center"] - before["partner_center"])
        + (after["entra"] - before["entra"]),
    }


def main() -> None:
    print(json.dumps(asyncio.run(measure(sys.argv[1], Path(sys.argv[2])))))


if __name__ == "__main__":
    main()
