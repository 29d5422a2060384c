"""The Dockerfile builds what runs in Azure: checked by reading it, as CI has no Docker daemon
(`make image` builds it where there is one); test_image_layout.py serves from the files it copies."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_slim_python_311_runs_as_a_non_root_user() -> None:
    instructions = _instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [argument for keyword, argument in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_the_lock_file_is_installed_before_the_code_is_copied() -> None:
    instructions = _instructions()
    install = instructions.index(("RUN", "pip install -r requirements.lock"))
    assert ("COPY", "requirements.lock ./") in instructions[:install]
    assert all(keyword != "COPY" or "lock" in argument for keyword, argument in instructions[:install])


def test_the_healthcheck_asks_healthz() -> None:
    (check,) = [argument for keyword, argument in _instructions() if keyword == "HEALTHCHECK"]
    assert "/healthz" in check and "CMD" in check
