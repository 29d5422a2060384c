"""What the image holds is enough to serve: the Dockerfile's COPY lines, copied into an empty directory
as `docker build` would, run `python app.py` and answer a person in both languages (catalogues, demo
data and every package the code imports at run time included). CI has no Docker daemon, so this is the
closest check of the image's contents that runs everywhere."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.teams import personal_message
from tests.shipping.test_dockerfile import ROOT, _instructions
from tests.support.visible import visible_text


def image_layout(target: Path) -> Path:
    """The files the Dockerfile copies, where it copies them (WORKDIR /app)."""
    target.mkdir()
    for keyword, argument in _instructions():
        if keyword != "COPY":
            continue
        source, destination = argument.split()
        origin = ROOT / source
        place = target / destination if destination not in ("./", ".") else target / origin.name
        place.parent.mkdir(parents=True, exist_ok=True)
        if "node_modules" in origin.parts and not origin.exists():
            continue  # an npm package `make tab-js` installs; without Node the tab says it's missing
        if origin.is_dir():
            shutil.copytree(origin, place, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, place)
    return target


@pytest.fixture
async def served_from_image(tmp_path: Path) -> AsyncIterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app_dir = image_layout(tmp_path / "app")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_DEMO_TICK_SECONDS": "0",
    }
    # No PYTHONPATH: only the copied directory and the installed packages are importable, as in the image.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "app.py", cwd=app_dir, env=env, stderr=asyncio.subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(200):
                if process.returncode is not None:
                    break
                try:
                    async with session.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
        if process.returncode is not None:
            assert process.stderr is not None
            pytest.fail((await process.stderr.read()).decode())
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def test_the_image_s_files_serve_a_person_in_english_and_korean(
    served_from_image: str, aiohttp_server: Any
) -> None:
    connector = FakeConnector()
    server = await aiohttp_server(connector.app())
    service_url = f"http://127.0.0.1:{server.port}/"
    async with aiohttp.ClientSession() as session:
        for locale in ("en-US", "ko-KR"):
            activity = personal_message(service_url, "help")
            activity["locale"] = locale
            async with session.post(f"{served_from_image}/api/messages", json=activity) as response:
                assert response.status in (200, 201)
        async with session.get(f"{served_from_image}/readyz") as response:
            assert response.status == 200
    await connector.wait_until(lambda: len(connector.messages) >= 2)
    english, korean = (visible_text(m) for m in connector.messages[:2])
    assert "health <customer>" in english
    assert "상태" in korean and "health <customer>" not in korean


async def test_the_image_s_files_serve_the_overview_tab_and_its_teams_library(served_from_image: str) -> None:
    async with aiohttp.ClientSession() as session:
        for asset in ("/tab", "/tab/config", "/tab/assets/tab.js", "/tab/assets/tab.css"):
            async with session.get(f"{served_from_image}{asset}") as response:
                assert response.status == 200, asset
        if not (ROOT / "tools/teams-js/node_modules").is_dir():
            pytest.skip("the Teams JavaScript library is installed by `make tab-js` (needs npm)")
        async with session.get(f"{served_from_image}/tab/assets/teams-js.js") as response:
            assert response.status == 200 and b"microsoftTeams" in await response.read()
