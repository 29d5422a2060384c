from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import Settings, SettingsError, load_environment

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_serve_the_demo_on_loopback() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.backend, settings.app_id) == (
        "127.0.0.1",
        3978,
        "demo",
        "",
    )


def test_bot_framework_names_are_read() -> None:
    settings = Settings.from_env(
        {
            "MicrosoftAppId": "app",
            "MicrosoftAppPassword": "pw",
            "MicrosoftAppType": "singletenant",
            "MicrosoftAppTenantId": "tenant",
            "PORT": "8080",
            "BOT_DATA_DIR": "/var/lib/bot",
        }
    )
    assert (settings.app_id, settings.app_type, settings.app_tenant_id) == ("app", "SingleTenant", "tenant")
    assert settings.port == 8080 and settings.data_dir == Path("/var/lib/bot")
    assert "pw" not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "abc"}, "PORT must be a whole number from 1 to 65535, not 'abc'"),
        ({"PORT": "70000"}, "PORT must be a whole number"),
        ({"BOT_BACKEND": "oracle"}, "BOT_BACKEND must be one of demo, not 'oracle'"),
        ({"MicrosoftAppType": "Whatever"}, "MicrosoftAppType must be one of"),
        (
            {"MicrosoftAppType": "SingleTenant", "MicrosoftAppId": "x"},
            "needs MicrosoftAppId and MicrosoftAppTenantId",
        ),
        ({"BOT_REPLY_BUDGET_SECONDS": "soon"}, "BOT_REPLY_BUDGET_SECONDS must be a number"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=4000\nBOT_BACKEND=demo\n", encoding="utf-8")
    assert load_environment({"PORT": "5000"}, dotenv) == {"PORT": "5000", "BOT_BACKEND": "demo"}
    assert load_environment({}, tmp_path / "missing") == {}


def test_a_bad_value_stops_start_up_with_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "PORT": "not-a-port"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: PORT must be a whole number from 1 to 65535, not 'not-a-port'"
    ]
