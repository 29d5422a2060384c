"""`python -m cli doctor` and `python -m cli consent` (`make doctor`, `make consent`) against the doubles:
the doctor's exit statuses, and a device-code sign-in leaving an encrypted token cache the bot can use."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from cli import consent, doctor
from services.backends.doctor import SERVICE_REQUESTS
from tests.doubles.entra import FakeEntra
from tests.doubles.live_world import CLIENT_ID, CLIENT_SECRET, LiveWorld, start_servers
from tests.doubles.tls import LoopbackCA

ROOT = Path(__file__).resolve().parents[1]
CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


async def test_consent_stores_an_encrypted_refresh_token(
    aiohttp_server: Any, test_ca: LoopbackCA, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entra = FakeEntra(client_id=CLIENT_ID)
    await start_servers(aiohttp_server, test_ca, entra)
    key = Fernet.generate_key().decode("ascii")
    env = {
        "BOT_BACKEND": "live",
        "CUSTOMER_ACCESS": "gdap",
        "PARTNER_TENANT_ID": "286d4538-4b9a-577f-acfd-7277c77c00bc",
        "PARTNER_CLIENT_ID": CLIENT_ID,
        "PARTNER_CLIENT_SECRET": "unused-for-public-client-flows",
        "AZURE_AUTHORITY_HOST": entra.base_url,
        "REQUESTS_CA_BUNDLE": str(test_ca.bundle),
        "TOKEN_CACHE_KEY": key,
        "BOT_DATA_DIR": str(tmp_path),
    }
    assert await asyncio.to_thread(consent, env) == 0
    out = capsys.readouterr().out
    assert "enter GDAP-1234" in out and "Consent stored (encrypted)" in out
    stored = (tmp_path / "token-cache.bin").read_bytes()
    assert b"RefreshToken" in Fernet(key.encode()).decrypt(stored) and b"RefreshToken" not in stored


def _doctor_environment(world: LiveWorld, tmp_path: Path, access: str) -> dict[str, str]:
    """What whoever runs the bot sets for `make doctor`, pointed at the doubles."""
    endpoints = world.config.endpoints
    environment = {
        "BOT_BACKEND": "live",
        "CUSTOMER_ACCESS": access,
        "PARTNER_TENANT_ID": world.partner_tenant_id,
        "PARTNER_CLIENT_ID": CLIENT_ID,
        "PARTNER_CLIENT_SECRET": CLIENT_SECRET,
        "AZURE_AUTHORITY_HOST": endpoints.authority_host,
        "PARTNER_CENTER_URL": endpoints.partner_center,
        "GRAPH_URL": endpoints.graph,
        "AZURE_MANAGEMENT_URL": endpoints.management,
        "REQUESTS_CA_BUNDLE": str(world.config.ca_bundle),
        "BOT_DATA_DIR": str(tmp_path),
    }
    if access == "gdap":
        environment["TOKEN_CACHE_KEY"] = Fernet.generate_key().decode("ascii")
    return environment


@pytest.mark.parametrize(
    ("access", "break_it", "exit_status", "failed"),
    [
        ("app-only", None, 0, []),  # App+User is refused, but app-only doesn't ask for it: a warning
        ("app-only", "graph", 1, ["Contoso Ltd / Graph service health"]),
        ("gdap", None, 0, []),
        ("gdap", "service requests", 1, [f"Contoso Ltd / {SERVICE_REQUESTS}"]),
        ("gdap", "graph", 1, ["Contoso Ltd / Graph service health"]),
    ],
)
async def test_make_doctor_requires_what_the_configuration_uses_and_exits_1_when_that_fails(
    live_world: LiveWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    access: str,
    break_it: str | None,
    exit_status: int,
    failed: list[str],
) -> None:
    """The doctor's own entry point, as `make doctor` runs it, with the exit status the README documents."""
    environment = _doctor_environment(live_world, tmp_path, access)
    if access == "gdap":
        assert await asyncio.to_thread(consent, environment) == 0
    if break_it == "graph":
        live_world.entra.app_roles[CONTOSO_TENANT] = []
        live_world.graph.gdap_denied.add(CONTOSO_TENANT)
    if break_it == "service requests":
        live_world.partner_center.fail(403, times=10, path_contains="/servicerequests")
    capsys.readouterr()
    assert await asyncio.to_thread(doctor, environment) == exit_status
    lines = capsys.readouterr().out.splitlines()
    fixes = [line.removeprefix("- ").split(": ")[0] for line in lines if line.startswith("- ")]
    assert sum(line.startswith("FAIL") for line in lines) == len(failed)
    assert set(failed) <= set(fixes)
    warned = [line for line in lines if line.startswith("warn")]
    if access == "app-only":
        assert any(SERVICE_REQUESTS in line for line in warned)
        assert f"Contoso Ltd / {SERVICE_REQUESTS}" in fixes


def test_a_configuration_the_doctor_cant_read_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        doctor({"BOT_BACKEND": "live", "CUSTOMER_ACCESS": "sometimes"})
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith("Configuration error: CUSTOMER_ACCESS must be one of")


@pytest.mark.parametrize("arguments", [[], ["doctors"], ["doctor", "now"]])
def test_an_unknown_command_gets_the_usage_line_and_exit_2(arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["usage: python -m cli {doctor,consent}"]


def test_the_commands_run_as_make_runs_them_and_read_the_environment(tmp_path: Path) -> None:
    """`make doctor` outside live mode: one line saying what it needs, exit 2, through `python -m cli`."""
    result = subprocess.run(
        [sys.executable, "-m", "cli", "doctor"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "BOT_BACKEND": "demo", "BOT_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Configuration error: make doctor checks the live backend: set BOT_BACKEND=live and its settings"
    ]


def test_make_doctor_and_make_consent_run_the_cli() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for command in ("doctor", "consent"):
        recipe = makefile.split(f"\n{command}: ", 1)[1].splitlines()[1]
        assert recipe == f"\t$(BIN)/python -m cli {command}"
