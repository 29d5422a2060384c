"""Configuration dumps, start-up logs, /healthz and /readyz never show a secret.

The real app is started as `make run` starts it (its own process, LOG_LEVEL=DEBUG) with every secret set
to a distinctive marker; its whole output and both probes are then searched for each marker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from settings import Settings
from tests.doubles.tls import make_client_certificate

ROOT = Path(__file__).resolve().parents[1]
TOKEN_CACHE_KEY = Fernet.generate_key().decode("ascii")
SECRETS = {
    "MicrosoftAppPassword": "app-password-Qw7-redact-me",
    "NOTIFY_TOKEN": "notify-token-Ty4-redact-me",
    "PARTNER_CLIENT_SECRET": "client-secret-Lm2-redact-me",
    "PARTNER_CLIENT_CERTIFICATE_PASSWORD": "cert-passphrase-Hn5-redact-me",
    "TOKEN_CACHE_KEY": TOKEN_CACHE_KEY,
}
# Nothing listens here: a live backend's token and key fetches fail at once instead of leaving the machine.
NOWHERE = "https://127.0.0.1:9"


def _base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "DEBUG",
        "MicrosoftAppId": "5f1c2a6e-0000-4000-8000-000000000001",
        "MicrosoftAppTenantId": "286d4538-4b9a-577f-acfd-7277c77c00bc",
        "MicrosoftAppPassword": SECRETS["MicrosoftAppPassword"],
        "NOTIFY_TOKEN": SECRETS["NOTIFY_TOKEN"],
        "BOT_OPENID_METADATA_URL": f"{NOWHERE}/v1/.well-known/openidconfiguration",
        "BOT_BACKEND": "live",
        "PARTNER_TENANT_ID": "286d4538-4b9a-577f-acfd-7277c77c00bc",
        "PARTNER_CLIENT_ID": "c5a4e1f0-0000-4000-8000-0000000000b0",
        "AZURE_AUTHORITY_HOST": NOWHERE,
        "PARTNER_CENTER_URL": NOWHERE,
        "GRAPH_URL": NOWHERE,
        "AZURE_MANAGEMENT_URL": NOWHERE,
    }


def _with_secret_and_gdap(tmp_path: Path) -> dict[str, str]:
    return {
        **_base_env(tmp_path),
        "PARTNER_CLIENT_SECRET": SECRETS["PARTNER_CLIENT_SECRET"],
        "CUSTOMER_ACCESS": "gdap",
        "TOKEN_CACHE_KEY": SECRETS["TOKEN_CACHE_KEY"],
    }


def _with_certificate(tmp_path: Path) -> dict[str, str]:
    return {
        **_base_env(tmp_path),
        "PARTNER_CLIENT_CERTIFICATE": str(make_client_certificate(tmp_path)),
        "PARTNER_CLIENT_CERTIFICATE_PASSWORD": SECRETS["PARTNER_CLIENT_CERTIFICATE_PASSWORD"],
    }


CONFIGURATIONS = pytest.mark.parametrize(
    "configuration", [_with_secret_and_gdap, _with_certificate], ids=["secret-gdap", "certificate"]
)


def _secrets_in(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in SECRETS.items() if env.get(name) == value}


@CONFIGURATIONS
def test_the_settings_dump_shows_no_secret(
    tmp_path: Path, configuration: Callable[[Path], dict[str, str]]
) -> None:
    env = configuration(tmp_path)
    settings = Settings.from_env(env)
    dumps = f"{settings!r}\n{settings}\n{settings.live!r}\n{settings.access!r}"
    present = _secrets_in(env)
    assert len(present) >= 3
    for name, value in present.items():
        assert value not in dumps, f"{name} appears in the settings dump"
    # The dump still says what is configured, so it stays worth printing.
    assert "5f1c2a6e-0000-4000-8000-000000000001" in dumps and "c5a4e1f0" in dumps


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _probe_until_up(port: int, process: subprocess.Popen[str]) -> dict[str, tuple[int, str]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            health = _get(f"http://127.0.0.1:{port}/healthz")
            break
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the bot did not start") from None
            time.sleep(0.1)
    return {"healthz": health, "readyz": _get(f"http://127.0.0.1:{port}/readyz")}


@CONFIGURATIONS
def test_start_up_logs_healthz_and_readyz_show_no_secret(
    tmp_path: Path, configuration: Callable[[Path], dict[str, str]]
) -> None:
    port = _free_port()
    env = {**configuration(tmp_path), "PORT": str(port)}
    process = subprocess.Popen(  # noqa: S603 - our own app
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        probes = _probe_until_up(port, process)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert probes["healthz"][0] == 200
    assert json.loads(probes["healthz"][1])["backend"] == "live"
    assert "serving http://127.0.0.1" in output, output
    seen = "\n".join([output, probes["healthz"][1], probes["readyz"][1]])
    present = _secrets_in(env)
    assert len(present) >= 3
    for name, value in present.items():
        assert value not in seen, f"{name} appears in the start-up output or a probe"
