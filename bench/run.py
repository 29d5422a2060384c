"""`python -m bench` (`make bench`): start every party, take the four measurements, print and save them.

BENCH_QUICK=1 runs fewer turns, 200 fan-out conversations and smaller memory seeds (about a minute).
BENCH_PROFILE=1 also records the support bot with py-spy during its 20-conversation run
(build/profile-app.txt, collapsed stacks; build/profile-app-top.txt, the hottest frames).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from bench import load, procs, report, tab_paint
from bench.procs import Child
from settings import REPLY_BUDGET_SECONDS

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
LOGS = BUILD / "bench-logs"
PRODUCT_PYTHON = Path(sys.executable)
BENCH_VENV = BUILD / "bench-venv"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
# The peers' versions, pinned so runs compare; installed here, never into the product's .venv.
BENCH_REQUIREMENTS = ("microsoft-agents-hosting-aiohttp==1.9.0", "py-spy==0.4.3")
NOTIFY_TOKEN = "bench-notify-token"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
TURNS = {20: 400, 50: 500} if QUICK else {20: 1600, 50: 2000}
FANOUT_CONVERSATIONS = 200 if QUICK else 1000
# Seeds of the connector's injected 429s, one fan-out run each (see measure_fanout).
FANOUT_SEEDS = (10,) if QUICK else (10, 11, 12, 13, 14)
WATCHED_CUSTOMERS = 1000
STORED_CONVERSATIONS = 2000 if QUICK else 10_000
DIALOGS_IN_FLIGHT = 200 if QUICK else 1000
# Ana Bowman in the demo's GDAP (Support Tier 2: every delegated customer but Woodgrove, whose
# relationship has ended): the person of the warm access runs.
DEMO_PERSON = "a1b2c3d4-0000-4000-8000-000000000001"
# Runs of the support bot with BOT_ACCESS=everyone and =gdap, alternating, 20 conversations each.
ACCESS_WARM_PAIRS = 5
ACCESS_WARM_CONCURRENCY = 20
# Turns measured one at a time with the access cache forgotten before each.
ACCESS_COLD_TURNS = 40 if QUICK else 200


def ensure_bench_venv() -> None:
    """build/bench-venv with the Agents SDK and py-spy; rebuilt only when the pins change."""
    marker = BENCH_VENV / ".bench-requirements"
    wanted = "\n".join(BENCH_REQUIREMENTS)
    if BENCH_PYTHON.exists() and marker.exists() and marker.read_text() == wanted:
        return
    print(f"Installing {', '.join(BENCH_REQUIREMENTS)} into {BENCH_VENV.relative_to(ROOT)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *BENCH_REQUIREMENTS], check=True, stderr=subprocess.DEVNULL)
    marker.write_text(wanted)


def app_env(port: int, data_dir: Path) -> dict[str, str]:
    cleared = {k: "" for k in ("MicrosoftAppId", "MicrosoftAppPassword", "MicrosoftAppTenantId")}
    return {
        **cleared,
        "MicrosoftAppType": "MultiTenant",
        "PORT": str(port),
        "BOT_BACKEND": "demo",
        "BOT_DATA_DIR": str(data_dir),
        "NOTIFY_TOKEN": NOTIFY_TOKEN,
        "BOT_DEMO_TICK_SECONDS": "0",
        "BOT_WATCH_INTERVAL_SECONDS": "86400",
        "LOG_LEVEL": "INFO",
    }


async def connector_mode(connector: Child, **settings: Any) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{connector.url}/_bench/mode", json=settings) as response:
            response.raise_for_status()


async def connector_stats(connector: Child) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{connector.url}/_bench/stats") as response:
            stats: dict[str, Any] = await response.json()
            return stats


class Profiler:
    """py-spy on one process for the length of a `with` block."""

    def __init__(self, child: Child, name: str) -> None:
        self._child, self._name = child, name
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        if PROFILE:
            out = BUILD / f"profile-{self._name}.txt"
            argv = [str(BENCH_VENV / "bin" / "py-spy"), "record", "--pid", str(self._child.pid)]
            argv += ["--format", "raw", "--rate", "200", "--nonblocking", "-o", str(out)]
            self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)
        return self

    def __exit__(self, *_: object) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGINT)
            self._process.wait(30)
            report.write_profile_top(
                BUILD / f"profile-{self._name}.txt", BUILD / f"profile-{self._name}-top.txt"
            )


async def measure_turns(
    bot: Child,
    connector: Child,
    concurrency: int,
    texts: tuple[str, ...],
    object_id: str | None = None,
    profiled: bool = True,
) -> dict[str, Any]:
    """Warm up (one round per conversation, not counted), then `TURNS[concurrency]` turns; all from
    `object_id` when given (one person in `concurrency` chats)."""
    run = uuid.uuid4().hex[:8]
    conversations = [f"a:bench-{run}-{i}" for i in range(concurrency)]
    service_url = connector.url + "/"
    warm_up = concurrency * len(texts)
    await load.converse(bot.url, service_url, conversations, texts, warm_up, object_id)
    await connector_mode(connector, mode="replies")
    cpu_before = bot.cpu_seconds()
    with Profiler(bot, bot.name) if concurrency == 20 and profiled else _nothing():
        result = await load.converse(
            bot.url, service_url, conversations, texts, TURNS[concurrency], object_id
        )
    cpu = bot.cpu_seconds() - cpu_before
    stats = await connector_stats(connector)
    latencies, unanswered = load.latencies_ms(result.samples, stats["last_reply"])
    turns = len(result.samples)
    seconds = result.ended - result.started
    failed = sum(1 for s in result.samples if s.status >= 400)
    return {
        "concurrency": concurrency,
        "turns": turns,
        "seconds": round(seconds, 2),
        "turns_per_s": round(turns / seconds, 1),
        **load.summary_ms(latencies),
        "cpu_ms_per_turn": round(cpu * 1000 / turns, 2),
        "connections_opened": stats["connections"],
        "connector_requests": stats["requests"],
        "replies": stats["replies"],
        "unanswered": unanswered,
        "http_errors": failed,
    }


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def incident_event(incident_id: str) -> dict[str, Any]:
    """What the partner's monitoring posts to /api/notify: a customer and a Graph serviceHealthIssue."""
    return {
        "customer": "contoso",
        "incident": {
            "id": incident_id,
            "service": "Exchange Online",
            "title": "Users can't send mail from Outlook",
            "status": "serviceInterruption",
            "classification": "incident",
            "impactDescription": "Users may be unable to send mail from Outlook desktop.",
            "startDateTime": "2026-11-24T07:00:00Z",
            "lastModifiedDateTime": "2026-11-24T08:00:00Z",
            "isResolved": False,
            "posts": [
                {
                    "createdDateTime": "2026-11-24T08:00:00Z",
                    "postType": "regular",
                    "description": {
                        "contentType": "html",
                        "content": "Title: Mail delays<br><br>Investigating.",
                    },
                }
            ],
        },
    }


async def measure_fanout(app: Child, connector: Child, conversations: int) -> dict[str, Any]:
    """Subscribe `conversations` channels over /api/messages, then one incident through /api/notify per
    seed of the connector's injected 429s.

    Which sends draw an injected 429 late in a run decides its tail (a send refused twice in the last
    second costs two more seconds), and one seed is one draw of that luck: the runs use different seeds,
    and the median run is the figure, with every run reported."""
    await connector_mode(connector, mode="replies")
    service_url = connector.url + "/"
    channels = [f"19:bench-fanout-{i}@thread.tacv2" for i in range(conversations)]
    subscribed = await load.send_all(
        app.url, [load.channel_message(service_url, c, "subscribe contoso") for c in channels], 20
    )
    if any(s.status >= 400 for s in subscribed):
        raise RuntimeError("subscribing the fan-out conversations failed; see build/bench-logs/app.log")
    runs = [await _one_fanout(app, connector, channels, seed) for seed in FANOUT_SEEDS]
    median = sorted(runs, key=lambda run: float(run["seconds"]))[len(runs) // 2]
    return {
        **median,
        "lost": sum(int(run["lost"]) for run in runs),
        "duplicates": sum(int(run["duplicates"]) for run in runs),
        "runs": runs,
        "driven_through": "POST /api/messages (subscribe) then POST /api/notify, over HTTP",
    }


async def _one_fanout(app: Child, connector: Child, channels: list[str], seed: int) -> dict[str, Any]:
    """One incident to every subscribed channel through a connector enforcing Teams' limits."""
    conversations = len(channels)
    await connector_mode(connector, mode="teams", reject_fraction=0.1, retry_after="1", seed=seed)
    cpu_before = app.cpu_seconds()
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {NOTIFY_TOKEN}"}
        body = incident_event(f"EX9{uuid.uuid4().int % 10**6:06d}")
        async with session.post(f"{app.url}/api/notify", json=body, headers=headers) as response:
            answer = await response.json()
    audience = int(answer.get("conversations", 0))
    minimum = conversations / 50
    deadline = started + minimum * 4 + 30
    stats = await connector_stats(connector)
    while len(stats["accepted"]) < conversations and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        stats = await connector_stats(connector)
    await asyncio.sleep(3.0)  # anything still coming would be a duplicate
    stats = await connector_stats(connector)
    cpu = app.cpu_seconds() - cpu_before
    counts = Counter({c: n for c, n in stats["accepted"].items() if c in set(channels)})
    delivered_at = stats["last_accepted"] or time.monotonic()
    seconds = delivered_at - started
    return {
        "seed": seed,
        "conversations": conversations,
        "audience_reported": audience,
        "seconds": round(seconds, 2),
        "minimum_seconds": round(minimum, 2),
        "ratio_to_minimum": round(seconds / minimum, 3),
        "delivered": len(counts),
        "lost": conversations - len(counts),
        "duplicates": sum(n - 1 for n in counts.values()),
        "rejected_at_random_429": stats["rejected_at_random"],
        "rejected_over_app_limit_429": stats["rejected_over_app_limit"],
        "rejected_over_conversation_limit_429": stats["rejected_over_conversation_limit"],
        "connections_opened": stats["connections"],
        "cpu_ms_per_delivery": round(cpu * 1000 / max(1, len(counts)), 2),
        "accepted_per_second": stats["accepted_per_second"],
    }


async def measure_watcher(logs: Path, workdir: Path) -> dict[str, Any]:
    """A separate pair of processes: https doubles of Entra, Partner Center, Graph and ARM serving
    `WATCHED_CUSTOMERS` customers, and the app's HealthWatcher over the live backend polling them: once
    for Microsoft 365 health alone (the figures as before issue 23), then, in a fresh process, with the
    customers' Azure subscriptions and the message center as well (`all`, issue 23)."""
    port = procs.free_port()
    world = procs.start(
        "watcher-world",
        [str(PRODUCT_PYTHON), "-m", "bench.watcher_world", str(port), str(WATCHED_CUSTOMERS), str(workdir)],
        port,
        logs,
        cwd=ROOT,
    )
    try:
        await procs.wait_until_serving(world, "/_bench/config")
        result = await _watcher_cycle(logs, workdir, world, "m365")
        result["all_streams"] = await _watcher_cycle(logs, workdir, world, "all")
        return result
    finally:
        world.stop()


async def _watcher_cycle(logs: Path, workdir: Path, world: Child, streams: str) -> dict[str, Any]:
    cycle = await asyncio.create_subprocess_exec(
        str(PRODUCT_PYTHON),
        "-m",
        "bench.watcher_cycle",
        world.url,
        str(workdir),
        streams,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(cycle.communicate(), 240)
    if cycle.returncode != 0:
        (logs / f"watcher-cycle-{streams}.log").write_bytes(stdout + stderr)
        raise RuntimeError(f"the watcher run failed; see build/bench-logs/watcher-cycle-{streams}.log")
    result: dict[str, Any] = json.loads(stdout.decode().strip().splitlines()[-1])
    return result


async def measure_access_warm(everyone: Child, gdap: Child, connector: Child) -> dict[str, Any]:
    """What a warm GDAP access cache adds to a turn: the support mix as DEMO_PERSON on the bot with
    BOT_ACCESS=everyone and on one with BOT_ACCESS=gdap (the demo's directory, its cache filled by the
    warm-up and kept for the whole run), alternating which goes first; the figure is the median of the
    pairs' differences in CPU per turn."""
    pairs = []
    for index in range(ACCESS_WARM_PAIRS):
        order = (everyone, gdap) if index % 2 == 0 else (gdap, everyone)
        runs = {
            bot.name: await measure_turns(
                bot, connector, ACCESS_WARM_CONCURRENCY, load.SUPPORT_MIX, DEMO_PERSON, profiled=False
            )
            for bot in order
        }
        pairs.append(
            {
                "everyone_cpu_ms_per_turn": runs[everyone.name]["cpu_ms_per_turn"],
                "gdap_cpu_ms_per_turn": runs[gdap.name]["cpu_ms_per_turn"],
                "gdap_p99_ms": runs[gdap.name]["p99_ms"],
                "everyone_p99_ms": runs[everyone.name]["p99_ms"],
                "unanswered": runs[everyone.name]["unanswered"] + runs[gdap.name]["unanswered"],
                "http_errors": runs[everyone.name]["http_errors"] + runs[gdap.name]["http_errors"],
            }
        )
    added = sorted(p["gdap_cpu_ms_per_turn"] - p["everyone_cpu_ms_per_turn"] for p in pairs)
    return {
        "concurrency": ACCESS_WARM_CONCURRENCY,
        "turns_per_run": TURNS[ACCESS_WARM_CONCURRENCY],
        "added_cpu_ms_per_turn": round(added[len(added) // 2], 3),
        "added_each_pair": [round(a, 3) for a in added],
        "pairs": pairs,
    }


async def measure_access_cold(logs: Path, workdir: Path, connector: Child) -> dict[str, Any]:
    """Turns one at a time, each for the person of bench/access_world.py with the access cache forgotten
    first: the bot reads the partner's 50 relationships, their assignments and the person's 200 groups
    from the Graph double (each answer LATENCY_SECONDS late) through GraphDirectory and MSAL. The app
    token is warm (one warm-up round first), as it is for every turn but the first after a start."""
    python = str(PRODUCT_PYTHON)
    port = procs.free_port()
    world = procs.start(
        "access-world", [python, "-m", "bench.access_world", str(port), str(workdir)], port, logs, cwd=ROOT
    )
    cold: Child | None = None
    try:
        await procs.wait_until_serving(world, "/_bench/config")
        port = procs.free_port()
        env = {**app_env(port, workdir / "access-cold-data"), "BOT_ACCESS": "gdap"}
        argv = [python, "-m", "bench.access_cold", world.url, str(workdir)]
        cold = procs.start("app-access-cold", argv, port, logs, env=env, cwd=ROOT)
        await procs.wait_until_serving(cold, "/")
        async with aiohttp.ClientSession() as session:

            async def get(url: str) -> dict[str, Any]:
                async with session.get(url) as response:
                    answer: dict[str, Any] = await response.json()
                    return answer

            config = await get(f"{world.url}/_bench/config")
            person, service_url = str(config["person"]), connector.url + "/"
            conversation = f"a:bench-access-{uuid.uuid4().hex[:8]}"
            url = f"{cold.url}/api/messages"

            async def turn(index: int) -> load.Sample:
                async with session.post(f"{cold.url}/_bench/forget-access") as response:
                    response.raise_for_status()
                text = load.SUPPORT_MIX[index % len(load.SUPPORT_MIX)]
                return await load.post(
                    session, url, load.personal_message(service_url, conversation, text, person)
                )

            for index in range(len(load.SUPPORT_MIX)):
                await turn(index)
            await connector_mode(connector, mode="replies")
            before = await get(f"{world.url}/_bench/stats")
            samples = [await turn(index) for index in range(ACCESS_COLD_TURNS)]
            after = await get(f"{world.url}/_bench/stats")
        stats = await connector_stats(connector)
    finally:
        if cold is not None:
            cold.stop()
        world.stop()
    latencies, unanswered = load.latencies_ms(samples, stats["last_reply"])
    graph = int(after["graph"]) - int(before["graph"])
    by_route = {
        route: int(n) - int(before["graph_by_route"].get(route, 0))
        for route, n in after["graph_by_route"].items()
    }
    return {
        "turns": len(samples),
        **load.summary_ms(latencies),
        "max_ms": round(max(latencies), 1),
        "reply_budget_ms": round(REPLY_BUDGET_SECONDS.default * 1000),
        "graph_latency_ms": config["latency_ms"],
        "relationships": config["relationships"],
        "assignments": config["assignments"],
        "groups": config["groups"],
        "graph_requests_per_lookup": round(graph / len(samples), 2),
        "graph_requests_by_route": by_route,
        "token_requests": int(after["entra"]) - int(before["entra"]),
        "unanswered": unanswered,
        "http_errors": sum(1 for s in samples if s.status >= 400),
    }


async def seed_memory(app: Child, connector: Child) -> dict[str, Any]:
    """`STORED_CONVERSATIONS` people each say hello in their own chat (the conversation is stored, as on
    install), then `DIALOGS_IN_FLIGHT` others start an escalation and leave it at its first question."""
    await connector_mode(connector, mode="replies")
    service_url = connector.url + "/"
    run = uuid.uuid4().hex[:8]
    hello = [
        load.personal_message(service_url, f"a:seed-{run}-{i}", "help") for i in range(STORED_CONVERSATIONS)
    ]
    started = time.monotonic()
    await load.send_all(app.url, hello, 50)
    escalations = [
        load.personal_message(service_url, f"a:dialog-{run}-{i}", "escalate contoso")
        for i in range(DIALOGS_IN_FLIGHT)
    ]
    await load.send_all(app.url, escalations, 50)
    return {
        "stored_conversations": STORED_CONVERSATIONS,
        "dialogs_in_flight": DIALOGS_IN_FLIGHT,
        "seed_seconds": round(time.monotonic() - started, 1),
    }


async def main_async() -> dict[str, Any]:
    started = time.monotonic()
    ensure_bench_venv()
    shutil.rmtree(LOGS, ignore_errors=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=BUILD))
    python = str(PRODUCT_PYTHON)
    children: list[Child] = []
    try:
        port = procs.free_port()
        connector = procs.start(
            "connector", [python, "-m", "bench.fake_connector", str(port)], port, LOGS, cwd=ROOT
        )
        children.append(connector)
        port = procs.free_port()
        app = procs.start(
            "app",
            [python, str(ROOT / "app.py")],
            port,
            LOGS,
            env=app_env(port, workdir / "data"),
            cwd=workdir,
        )
        children.append(app)
        port = procs.free_port()
        gdap_env = {**app_env(port, workdir / "data-gdap"), "BOT_ACCESS": "gdap"}
        gdap_env["BOT_ACCESS_CACHE_SECONDS"] = "3600"
        app_gdap = procs.start(
            "app-gdap", [python, str(ROOT / "app.py")], port, LOGS, env=gdap_env, cwd=workdir
        )
        children.append(app_gdap)
        echoes = []
        for name, argv in (
            ("echo-botbuilder", [python, "-m", "bench.echo_botbuilder"]),
            ("echo-botbuilder-msrest-fix", [python, "-m", "bench.echo_botbuilder", "--msrest-fix"]),
            ("echo-agents-sdk", [str(BENCH_PYTHON), "-m", "bench.echo_agents"]),
        ):
            port = procs.free_port()
            echo = procs.start(name, [*argv[:3], str(port), *argv[3:]], port, LOGS, cwd=ROOT)
            children.append(echo)
            echoes.append(echo)
        for child in children:
            await procs.wait_until_serving(child, "/_bench/stats" if child is connector else "/")
        rss_after_start = {c.name: round(c.rss_mb(), 1) for c in children}

        turns: dict[str, list[dict[str, Any]]] = {}
        for bot, texts in [(app, load.SUPPORT_MIX), *((e, load.SUPPORT_MIX) for e in echoes)]:
            turns[bot.name] = []
            for concurrency in TURNS:
                print(f"turns: {bot.name} at {concurrency} conversations ...", flush=True)
                turns[bot.name].append(await measure_turns(bot, connector, concurrency, texts))

        print("access: warm (BOT_ACCESS=gdap against everyone) ...", flush=True)
        access = {"warm": await measure_access_warm(app, app_gdap, connector)}
        app_gdap.stop()
        print(f"access: cold ({ACCESS_COLD_TURNS} turns, 50 relationships, 200 groups) ...", flush=True)
        access["cold"] = await measure_access_cold(LOGS, workdir, connector)

        print(f"fan-out: {FANOUT_CONVERSATIONS} conversations ...", flush=True)
        fanout = await measure_fanout(app, connector, FANOUT_CONVERSATIONS)
        rss_after_runs = round(app.rss_mb(), 1)
        print(f"watcher: {WATCHED_CUSTOMERS} customers ...", flush=True)
        watcher = await measure_watcher(LOGS, workdir)
        print(f"tab: first paint for {tab_paint.CUSTOMERS} customers ...", flush=True)
        tab = await tab_paint.measure_tab_paint(python, LOGS, workdir)
        print(f"memory: {STORED_CONVERSATIONS} conversations, {DIALOGS_IN_FLIGHT} dialogs ...", flush=True)
        seeded = await seed_memory(app, connector)
        memory = {
            "rss_mb_after_start": rss_after_start["app"],
            "rss_mb_after_runs": rss_after_runs,
            "rss_mb_seeded": round(app.rss_mb(), 1),
            **seeded,
            "peers_rss_mb_after_start": {
                k: v for k, v in rss_after_start.items() if k not in ("app", "app-gdap")
            },
        }
    finally:
        for child in children:
            child.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "quick": QUICK},
        "versions": report.versions(BENCH_PYTHON),
        "turns": turns,
        "access": access,
        "fanout": fanout,
        "watcher": watcher,
        "tab": tab,
        "memory": memory,
        "wall_seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    results = asyncio.run(main_async())
    results["targets"] = report.targets(results)
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print(report.table(results))
    print(f"\nWritten to {(BUILD / 'bench.json').relative_to(ROOT)}")
