"""The app's HealthWatcher over the live backend, polling the doubles of bench/watcher_world.py, in a
process of its own so its CPU is its own. One subscription to every customer; the baseline the
subscribe command takes, then one poll cycle as the app's loop runs it (health cache expired, tokens
and the customer list warm, as in every cycle after the first). Prints one JSON line.

Two sets of streams: `m365`, Microsoft 365 health only (no Azure subscriptions configured: the watcher
row as it was before issue 23), and `all` (issue 23): the world's Azure subscriptions configured, and
whatever the watcher reads of the message center, which the Graph double serves for every tenant. The
requests are counted from the doubles' own logs, by endpoint, and the busiest tenant's Graph requests
set against the per-tenant budget the live backend keeps (services.backends.live.caching.TenantBudget).

Run: python -m bench.watcher_cycle WORLD_URL WORKDIR [m365|all]
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp

from bench.watcher_world import GRAPH_HEALTH_ROUTES, GRAPH_MESSAGES_ROUTE
from services.backends.live.backend import LiveBackend
from services.backends.live.config import Credential, CredentialKind, Endpoints, Limits, LiveConfig
from services.domain.models import ALL_CUSTOMERS, CHANGES, Subscription
from services.notices.conversations import ConversationStore
from services.notices.message_center_watch import MessageCenterWatch
from services.notices.notice_board import NoticeBoard
from services.notices.subscriptions import SubscriptionStore
from services.notices.watcher import HealthWatcher
from services.storage.sqlite_database import SqliteDatabase
from settings import WATCH_INTERVAL_SECONDS

STREAMS = ("m365", "all")


async def _get(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        answer: dict[str, Any] = await response.json()
        return answer


def _added(before: dict[str, Any], after: dict[str, Any], key: str) -> dict[str, int]:
    """What a by-something count of /_bench/stats gained between two readings."""
    return {
        k: int(n) - int(before[key].get(k, 0)) for k, n in after[key].items() if n != before[key].get(k, 0)
    }


def counted(
    before: dict[str, Any], after: dict[str, Any], customers: int, limits: Limits | None = None
) -> dict[str, Any]:
    """The watcher's requests between two readings of the world's stats, by endpoint, per customer, and
    the busiest tenant's Graph requests against its budget at the app's watch interval."""
    routes = _added(before, after, "graph_by_route")
    tokens = _added(before, after, "tokens_by_resource")
    requests = {
        "graph_health": sum(routes.get(route, 0) for route in GRAPH_HEALTH_ROUTES),
        "graph_messages": routes.get(GRAPH_MESSAGES_ROUTE, 0),
        "graph_other": sum(
            n for r, n in routes.items() if r not in (*GRAPH_HEALTH_ROUTES, GRAPH_MESSAGES_ROUTE)
        ),
        "arm_events": int(after["arm_events"]) - int(before["arm_events"]),
        "tokens": sum(tokens.values()),
        "partner_center": int(after["partner_center"]) - int(before["partner_center"]),
    }
    by_tenant = _added(before, after, "graph_by_tenant")
    busiest = max(by_tenant.values(), default=0)
    limits = limits or Limits()
    cycles_per_hour = math.ceil(3600 / WATCH_INTERVAL_SECONDS.default)
    return {
        "requests": requests,
        "requests_per_customer": {k: round(n / customers, 3) for k, n in requests.items()},
        "tokens_by_resource": tokens,
        "busiest_tenant_graph_requests": busiest,
        "watch_interval_seconds": WATCH_INTERVAL_SECONDS.default,
        "busiest_tenant_graph_per_hour": busiest * cycles_per_hour,
        "graph_budget_per_minute": limits.graph_per_minute,
        "graph_budget_per_hour": limits.graph_per_hour,
        "within_graph_budget": busiest <= limits.graph_per_minute
        and busiest * cycles_per_hour <= limits.graph_per_hour,
    }


async def measure(world_url: str, workdir: Path, streams: str = "m365") -> dict[str, Any]:
    if streams not in STREAMS:
        raise ValueError(f"streams must be one of {STREAMS}, not {streams!r}")
    azure = streams == "all"
    config = await _get(f"{world_url}/_bench/config")
    azure_subscriptions = {t: tuple(s) for t, s in config["subscriptions"].items()} if azure else {}
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
            management=config["management"] if azure else "https://127.0.0.1:9",
        ),
        ca_bundle=Path(config["ca_bundle"]),
        token_cache_path=workdir / f"watcher-{streams}-token-cache.bin",
        azure_subscription_lists=azure_subscriptions,
    )
    backend = LiveBackend(live, monotonic=monotonic)
    database = SqliteDatabase(workdir / f"watcher-{streams}.sqlite3")
    subscriptions = SubscriptionStore(database)
    board = NoticeBoard(database, subscriptions, ConversationStore(database))
    # Every stream: the message centers too, as the app's watcher reads them (bot/turn/assembly.py).
    center = MessageCenterWatch(database) if azure else None
    watcher = HealthWatcher(backend, subscriptions, board, lambda: datetime.now(UTC), message_center=center)
    try:
        # As the subscribe command does it: the baseline of everyone, then the subscription. (Added
        # first, nobody is fresh and the baseline reads nothing: the measured cycle was then the first,
        # asking a token for each tenant.)
        began = time.monotonic()
        await watcher.baseline(list(await backend.list_customers()))
        baseline_seconds = time.monotonic() - began
        await subscriptions.add(Subscription("19:bench-watch@thread.tacv2", ALL_CUSTOMERS), datetime.now(UTC))
        if center is not None:
            changes = Subscription("19:bench-watch@thread.tacv2", ALL_CUSTOMERS, (), CHANGES)
            await subscriptions.add(changes, datetime.now(UTC))
            # A message center's first read is its baseline (every page); the cycle measured is a later one.
            skew[0] += WATCH_INTERVAL_SECONDS.default
            await watcher.poll_once()
        skew[0] += WATCH_INTERVAL_SECONDS.default
        before = await _get(f"{world_url}/_bench/stats")
        cpu, began = time.process_time(), time.monotonic()
        report = await watcher.poll_once()
        seconds, cpu = time.monotonic() - began, time.process_time() - cpu
        after = await _get(f"{world_url}/_bench/stats")
    finally:
        await backend.close()
        database.close()
    customers = int(config["customers"])
    found = counted(before, after, customers, live.limits)
    health = found["requests"]["graph_health"]
    return {
        "streams": streams,
        "customers": customers,
        "customers_with_azure": len(azure_subscriptions),
        "subscriptions": sum(len(s) for s in azure_subscriptions.values()),
        "polled": report.polled,
        "unreadable": len(report.unreadable),
        "concurrency": 8,
        "baseline_seconds": round(baseline_seconds, 2),
        "cycle_seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        # Graph's health requests only (healthOverviews, issues), as this figure has always counted.
        "health_requests": health,
        "health_requests_per_customer": round(health / customers, 3),
        "other_requests": (after["partner_center"] - before["partner_center"])
        + (after["entra"] - before["entra"]),
        **found,
    }


def main() -> None:
    streams = sys.argv[3] if len(sys.argv) > 3 else "m365"
    print(json.dumps(asyncio.run(measure(sys.argv[1], Path(sys.argv[2]), streams))))


if __name__ == "__main__":
    main()
