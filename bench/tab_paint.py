"""First paint of the overview tab for 1,000 demo customers (issue 24: under 1 s): from the tab frame's
navigation to the frame that draws the first board, which takes in loading the page and teams-js, the
handshake with the host, the SSO token, the board's data as JSON and drawing its grid. Headless Chromium
(e2e/tab_paint.mjs, with e2e's pinned playwright-core) opens bench/tab_world.py's stand-in Teams host.

Run on its own: python -m bench.tab_paint
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench import procs

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS = 1000
RUNS = 7


def unavailable() -> str:
    """Why the browser measurement can't run here, or empty."""
    if not shutil.which("chromium"):
        return "Chromium not installed (make e2e installs it)"
    if not (ROOT / "e2e/node_modules/playwright-core").is_dir():
        return "e2e's npm packages not installed (make e2e installs them)"
    if not (ROOT / "tools/teams-js/node_modules").is_dir():
        return "teams-js not installed (make tab-js)"
    return ""


async def measure_tab_paint(python: str, logs: Path, workdir: Path, runs: int = RUNS) -> dict[str, Any]:
    reason = unavailable()
    if reason:
        return {"skipped": reason}
    bot_port, host_port, entra_port = procs.free_port(), procs.free_port(), procs.free_port()
    argv = [python, "-m", "bench.tab_world", str(bot_port), str(host_port), str(entra_port)]
    world = procs.start("tab-world", [*argv, str(CUSTOMERS), str(workdir)], bot_port, logs, cwd=ROOT)
    try:
        await procs.wait_until_serving(world, "/healthz")
        host = f"http://127.0.0.1:{host_port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{host}/token") as response:
                token = (await response.json())["token"]
            started = time.perf_counter()
            async with session.get(
                f"{world.url}/tab/api/board", headers={"Authorization": f"Bearer {token}"}
            ) as response:
                board = await response.read()
            board_ms = (time.perf_counter() - started) * 1000
        browser = await asyncio.create_subprocess_exec(
            "node", "tab_paint.mjs", host, str(runs), cwd=ROOT / "e2e", stdout=asyncio.subprocess.PIPE
        )
        out, _ = await browser.communicate()
        if browser.returncode != 0:
            raise RuntimeError("e2e/tab_paint.mjs failed; see its output above")
        painted = json.loads(out)
    finally:
        world.stop()
    times = painted["first_paint_ms"]
    return {
        "customers": CUSTOMERS,
        "rows_drawn": painted["rows"],
        "first_paint_ms": [round(t) for t in times],
        "median_ms": round(statistics.median(times)),
        "worst_ms": round(max(times)),
        "board_bytes": len(board),
        "board_read_ms": round(board_ms),
    }


def main() -> None:
    logs = ROOT / "build" / "bench-logs"
    with tempfile.TemporaryDirectory() as workdir:
        result = asyncio.run(measure_tab_paint(str(ROOT / ".venv/bin/python"), logs, Path(workdir)))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
