from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from services.access.people import AccessMode
from services.backends.choice import open_backends
from services.backends.live.backend import LiveBackend
from services.storage.retention import RetentionPeriods
from services.storage.sqlite_database import SqliteDatabase
from settings import (
    DECLARED,
    Choice,
    HttpsUrl,
    Number,
    Setting,
    Settings,
    SettingsError,
    Whole,
    load_environment,
)
from tests.support.harness import DEMO_NOW

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_serve_the_demo_on_loopback() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.backend, settings.app_id) == (
        "127.0.0.1",
        3978,
        "demo",
        "",
    )


def test_retention_defaults_suit_a_support_desk_and_can_be_set() -> None:
    default = Settings.from_env({})
    assert default.retention == RetentionPeriods(timedelta(days=2), timedelta(days=30), timedelta(days=365))
    assert default.retention_interval_seconds == 3600
    chosen = Settings.from_env(
        {"BOT_RETAIN_TURNS_DAYS": "7", "BOT_RETAIN_NOTICES_DAYS": "90", "BOT_RETAIN_AUDIT_DAYS": "730"}
    )
    assert chosen.retention == RetentionPeriods(timedelta(days=7), timedelta(days=90), timedelta(days=730))


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
        ({"BOT_BACKEND": "oracle"}, "BOT_BACKEND must be one of demo, live, not 'oracle'"),
        ({"MicrosoftAppType": "Whatever"}, "MicrosoftAppType must be one of"),
        (
            {"MicrosoftAppType": "SingleTenant", "MicrosoftAppId": "x"},
            "needs MicrosoftAppId and MicrosoftAppTenantId",
        ),
        ({"BOT_REPLY_BUDGET_SECONDS": "soon"}, "BOT_REPLY_BUDGET_SECONDS must be a number"),
        (
            {"BOT_INSTANCE_LEASE_SECONDS": "1"},
            "BOT_INSTANCE_LEASE_SECONDS must be a number from 3 to 600, not '1'",
        ),
        ({"BOT_RECOVERY_SWEEP_SECONDS": "0"}, "BOT_RECOVERY_SWEEP_SECONDS must be a number from 1 to 3600"),
        ({"BOT_RETAIN_TURNS_DAYS": "0.5"}, "BOT_RETAIN_TURNS_DAYS must be a number from 1 to 365, not '0.5'"),
        ({"BOT_RETAIN_NOTICES_DAYS": "forever"}, "BOT_RETAIN_NOTICES_DAYS must be a number from 1 to 3650"),
        ({"BOT_RETAIN_AUDIT_DAYS": "-1"}, "BOT_RETAIN_AUDIT_DAYS must be a number from 1 to 3650"),
        ({"BOT_RETENTION_INTERVAL_SECONDS": "0"}, "BOT_RETENTION_INTERVAL_SECONDS must be a number from 1"),
        (
            {"BOT_CONNECTOR_CREATE_TIMEOUT_SECONDS": "0"},
            "BOT_CONNECTOR_CREATE_TIMEOUT_SECONDS must be a number from 1 to 300",
        ),
        ({"BOT_STORAGE": "cosmos"}, "BOT_STORAGE must be one of sqlite, azureblob, not 'cosmos'"),
        ({"BOT_STORAGE": "azureblob"}, "needs exactly one of AZURE_STORAGE_CONNECTION_STRING and"),
        (
            {"BOT_STORAGE": "azureblob", "AZURE_STORAGE_ACCOUNT_URL": "http://acct.blob.core.windows.net"},
            "AZURE_STORAGE_ACCOUNT_URL must be an https:// URL",
        ),
        (
            {
                "BOT_STORAGE": "azureblob",
                "AZURE_STORAGE_CONNECTION_STRING": "x",
                "AZURE_STORAGE_CONTAINER": "Bot",
            },
            "AZURE_STORAGE_CONTAINER must be 3 to 63 lowercase letters",
        ),
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


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env={**os.environ, "BOT_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


APP_ID = "5f1c2a6e-0000-4000-8000-000000000001"
TENANT = "286d4538-4b9a-577f-acfd-7277c77c00bc"


@pytest.mark.parametrize(
    ("env", "outcome"),
    [
        ({}, "MultiTenant"),  # no app id: local testing, botbuilder's anonymous mode
        (
            {"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT, "MicrosoftAppPassword": "pw"},
            "SingleTenant",
        ),
        (
            {"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT},
            "UserAssignedMSI",
        ),
        (
            {"MicrosoftAppType": "MultiTenant", "MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "pw"},
            "MultiTenant",
        ),
        (
            {"MicrosoftAppId": APP_ID},
            "MicrosoftAppType=SingleTenant needs MicrosoftAppId and MicrosoftAppTenantId",
        ),
        (
            {"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT},
            "MicrosoftAppType=SingleTenant needs MicrosoftAppPassword",
        ),
        (
            {"MicrosoftAppType": "MultiTenant", "MicrosoftAppId": APP_ID},
            "MicrosoftAppType=MultiTenant needs MicrosoftAppPassword",
        ),
        (
            {"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": APP_ID},
            "needs MicrosoftAppId and MicrosoftAppTenantId",
        ),
        ({"MicrosoftAppType": "SingleTenant"}, "needs MicrosoftAppId and MicrosoftAppTenantId"),
    ],
)
def test_an_app_id_is_single_tenant_unless_told_and_needs_its_credential(
    env: dict[str, str], outcome: str
) -> None:
    if outcome in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
        assert Settings.from_env(env).app_type == outcome
    else:
        with pytest.raises(SettingsError, match=outcome):
            Settings.from_env(env)


def test_a_multi_tenant_bot_without_its_password_stops_start_up_with_one_line(tmp_path: Path) -> None:
    """The README's old `docker run -e MicrosoftAppId=...`: Azure creates no multi-tenant bots any more."""
    result = _start(tmp_path, MicrosoftAppType="MultiTenant", MicrosoftAppId=APP_ID, MicrosoftAppPassword="")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: MicrosoftAppType=MultiTenant needs MicrosoftAppPassword")


ON_APP_SERVICE = {
    "WEBSITE_INSTANCE_ID": "a1b2c3",
    "BOT_STORAGE": "azureblob",
    "AZURE_STORAGE_CONNECTION_STRING": "x",
}


@pytest.mark.parametrize(
    ("env", "cwd", "refused"),
    [
        ({**ON_APP_SERVICE, "BOT_DATA_DIR": "/home/data"}, "/", True),
        ({**ON_APP_SERVICE, "BOT_DATA_DIR": "/home/site/wwwroot/data"}, "/", True),
        (
            {**ON_APP_SERVICE, "BOT_DATA_DIR": "data"},
            "/home",
            True,
        ),  # relative to the app's /home/site/wwwroot
        ({**ON_APP_SERVICE, "BOT_DATA_DIR": "/tmp/bot-data"}, "/", False),
        ({**ON_APP_SERVICE, "BOT_DATA_DIR": "/home/../tmp/bot-data"}, "/", False),
        ({**ON_APP_SERVICE, "BOT_DATA_DIR": "/homework/data"}, "/", False),
        (
            {**ON_APP_SERVICE, "BOT_DATA_DIR": "/home/data", "WEBSITE_INSTANCE_ID": ""},
            "/",
            False,
        ),  # not App Service
        (
            {"WEBSITE_INSTANCE_ID": "a1b2c3", "BOT_DATA_DIR": "/home/data"},
            "/",
            False,
        ),  # SQLite: one instance's
    ],
)
def test_sqlite_on_app_service_s_shared_home_is_refused_when_instances_share_state(
    env: dict[str, str], cwd: str, refused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(cwd)
    if refused:
        with pytest.raises(
            SettingsError, match=r"BOT_DATA_DIR=.* is on App Service's /home, one network share"
        ):
            Settings.from_env(env)
    else:
        assert Settings.from_env(env).data_dir == Path(env["BOT_DATA_DIR"])


def test_a_bad_value_stops_start_up_with_one_clear_line(tmp_path: Path) -> None:
    result = _start(tmp_path, PORT="not-a-port")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: PORT must be a whole number from 1 to 65535, not 'not-a-port'"
    ]


def _corrupt_database(tmp_path: Path) -> str:
    data = tmp_path / "corrupt"
    data.mkdir()
    (data / "bot-state.sqlite3").write_bytes(b"this is not a database " * 400)
    return str(data)


def _a_file(tmp_path: Path) -> str:
    path = tmp_path / "a-file"
    path.write_text("not a directory", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("data_dir", "cause"),
    [
        (_a_file, "is not a directory"),
        (lambda _: "/dev/null", "/dev/null is not a directory"),
        (_corrupt_database, "file is not a database"),
    ],
)
def test_an_unusable_data_directory_stops_start_up_with_one_line(
    tmp_path: Path, data_dir: Callable[[Path], str], cause: str
) -> None:
    result = _start(tmp_path, BOT_DATA_DIR=data_dir(tmp_path))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: BOT_DATA_DIR=") and cause in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to any directory")
def test_an_unwritable_data_directory_stops_start_up_with_one_line(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = _start(tmp_path, BOT_DATA_DIR=str(locked / "data"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: BOT_DATA_DIR=") and "permission denied" in line


def test_a_port_in_use_stops_start_up_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _start(tmp_path, PORT=str(port))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"Configuration error: can't listen on HOST=127.0.0.1 PORT={port}:")
    assert "address already in use" in line


def test_a_host_that_cannot_be_bound_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = _start(
        tmp_path,
        HOST="999.1.1.1",
        PORT="3979",
        MicrosoftAppId="5f1c2a6e-0000-4000-8000-000000000001",
        MicrosoftAppTenantId="286d4538-4b9a-577f-acfd-7277c77c00bc",
        MicrosoftAppPassword="pw",
    )
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: can't listen on HOST=999.1.1.1 PORT=3979:")


def test_sigterm_says_in_one_line_how_many_turns_were_drained_and_cut_off(tmp_path: Path) -> None:
    """The served process, stopped as App Service stops it: one line an operator can read."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env={**os.environ, "BOT_DATA_DIR": str(tmp_path / "data"), "PORT": str(port)},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    try:
        for line in process.stderr:
            if "serving http://" in line:
                break
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    (report,) = [line for line in rest.splitlines() if "shutdown turns" in line]
    assert report.endswith("INFO bot.shutdown shutdown turns drained=0 cut_off=0 drain_seconds=20")


LIVE = {
    "BOT_BACKEND": "live",
    "PARTNER_TENANT_ID": "286d4538-4b9a-577f-acfd-7277c77c00bc",
    "PARTNER_CLIENT_ID": "c5a4e1f0-0000-4000-8000-0000000000b0",
    "PARTNER_CLIENT_SECRET": "s3cret-value",
}


def test_live_settings_default_to_the_public_cloud_and_app_only_access() -> None:
    live = Settings.from_env(LIVE).live
    assert live is not None
    assert live.endpoints.authority_host == "https://login.microsoftonline.com"
    assert live.endpoints.uses_public_authority
    assert (
        live.endpoints.scope(live.endpoints.partner_center)
        == "https://api.partnercenter.microsoft.com/.default"
    )
    assert live.customer_access == "app-only" and live.credential.kind == "secret"
    assert "s3cret-value" not in repr(Settings.from_env(LIVE))


@pytest.mark.parametrize(
    ("env", "mode"),
    [
        ({}, AccessMode.EVERYONE),
        (LIVE, AccessMode.GDAP),
        ({"BOT_ACCESS": "GDAP"}, AccessMode.GDAP),
        ({**LIVE, "BOT_ACCESS": "everyone"}, AccessMode.EVERYONE),
    ],
)
def test_people_see_their_gdap_customers_on_live_unless_told(env: dict[str, str], mode: AccessMode) -> None:
    settings = Settings.from_env(env)
    assert settings.people_access is mode
    assert settings.access_cache_seconds == 300


def test_sso_is_off_unless_a_connection_is_named_and_then_the_live_desk_acts_as_people() -> None:
    off = Settings.from_env(LIVE)
    assert off.sso_connection == "" and off.live is not None and not off.live.acting_as_people
    assert off.token_service_url == "https://token.botframework.com"
    on = Settings.from_env(
        {
            **LIVE,
            "BOT_SSO_CONNECTION": "sso",
            "BOT_TOKEN_SERVICE_URL": "https://europe.token.botframework.com/",
        }
    )
    assert on.sso_connection == "sso" and on.live is not None and on.live.acting_as_people
    assert on.token_service_url == "https://europe.token.botframework.com"
    with pytest.raises(SettingsError, match="BOT_TOKEN_SERVICE_URL must be an https:// URL"):
        Settings.from_env(
            {**LIVE, "BOT_SSO_CONNECTION": "sso", "BOT_TOKEN_SERVICE_URL": "http://token.example"}
        )


def test_sso_is_refused_with_a_user_assigned_managed_identity() -> None:
    msi = {"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT}
    assert Settings.from_env(msi).app_type == "UserAssignedMSI"
    with pytest.raises(SettingsError, match="BOT_SSO_CONNECTION needs an app registration"):
        Settings.from_env({**msi, "BOT_SSO_CONNECTION": "sso"})


def test_the_tab_s_settings_are_read_and_its_domain_is_a_host_name() -> None:
    single = {"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT, "MicrosoftAppPassword": "p"}
    settings = Settings.from_env(
        {
            **single,
            "BOT_TAB_DOMAIN": "support-bot.contoso.com",
            "BOT_TAB_POLL_SECONDS": "15",
            "BOT_TAB_BOARD_SECONDS": "12.5",
            "BOT_TAB_HOST_ORIGINS": "http://127.0.0.1:56152, https://host.example",
            "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us",
        }
    )
    assert settings.tab_domain == "support-bot.contoso.com" and settings.tab_poll_seconds == 15
    assert settings.tab_board_seconds == 12.5 and Settings.from_env(single).tab_board_seconds == 25
    with pytest.raises(SettingsError, match="BOT_TAB_BOARD_SECONDS must be a number from 0 to 3600"):
        Settings.from_env({**single, "BOT_TAB_BOARD_SECONDS": "-1"})
    assert settings.tab_host_origins == {"http://127.0.0.1:56152", "https://host.example"}
    assert settings.entra_authority_host == "https://login.microsoftonline.us"
    for bad in ("https://support-bot.contoso.com", "support-bot.contoso.com/tab", "localhost", "a b.com"):
        with pytest.raises(SettingsError, match="BOT_TAB_DOMAIN must be a host name"):
            Settings.from_env({**single, "BOT_TAB_DOMAIN": bad})
    msi = {"MicrosoftAppType": "UserAssignedMSI", "MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT}
    with pytest.raises(SettingsError, match="BOT_TAB_DOMAIN needs an app registration"):
        Settings.from_env({**msi, "BOT_TAB_DOMAIN": "support-bot.contoso.com"})


def test_national_cloud_endpoints_and_the_ca_bundle_are_read() -> None:
    live = Settings.from_env(
        {
            **LIVE,
            "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us/",
            "GRAPH_URL": "https://graph.microsoft.us",
            "AZURE_MANAGEMENT_URL": "https://management.usgovcloudapi.net",
            "REQUESTS_CA_BUNDLE": "/etc/ssl/corp.pem",
        }
    ).live
    assert live is not None
    assert live.endpoints.authority_host == "https://login.microsoftonline.us"
    assert not live.endpoints.uses_public_authority
    assert live.endpoints.scope(live.endpoints.graph) == "https://graph.microsoft.us/.default"
    assert live.ca_bundle == Path("/etc/ssl/corp.pem")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"PARTNER_TENANT_ID": ""}, "PARTNER_TENANT_ID"),
        ({"PARTNER_CLIENT_SECRET": ""}, "PARTNER_CLIENT_SECRET"),
        ({"PARTNER_MANAGED_IDENTITY": "system"}, "exactly one"),
        ({"PARTNER_CLIENT_SECRET": "", "PARTNER_CLIENT_CERTIFICATE": "/nope.pem"}, "no such file"),
        ({"GRAPH_URL": "http://graph.microsoft.com"}, "GRAPH_URL must be an https:// URL"),
        ({"CUSTOMER_ACCESS": "dap"}, "CUSTOMER_ACCESS must be one of app-only, gdap"),
        ({"CUSTOMER_ACCESS": "gdap"}, "TOKEN_CACHE_KEY is needed"),
        ({"CUSTOMER_ACCESS": "gdap", "TOKEN_CACHE_KEY": "short"}, "TOKEN_CACHE_KEY must be a Fernet key"),
    ],
)
def test_bad_live_settings_fail_fast_naming_the_variable(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({**LIVE, **change})


async def test_bot_backend_live_builds_the_live_backend_without_calling_anything() -> None:
    database = SqliteDatabase(Path(":memory:"))
    backends = open_backends(Settings.from_env(LIVE).live, database, lambda: DEMO_NOW)
    assert isinstance(backends.backend, LiveBackend) and backends.backend.name == "live"
    await backends.close()
    database.close()


def test_bot_backend_live_without_the_live_settings_is_refused() -> None:
    with pytest.raises(SettingsError, match="BOT_BACKEND=live needs the live settings"):
        Settings(backend="live")


def test_the_live_desk_settings_are_read() -> None:
    live = Settings.from_env(
        {
            **LIVE,
            "AZURE_SUPPORT_SUBSCRIPTIONS": " 0327d693-2166-5cf7-9b76-c3da9fc6e842 = "
            "132d901f-189d-4381-9214-fe68e27e05a1 ,",
            "AZURE_SUPPORT_SERVICES": "Virtual Machine running Linux, vm-linux",
        }
    ).live
    assert live is not None
    assert live.azure_subscriptions == {
        "0327d693-2166-5cf7-9b76-c3da9fc6e842": "132d901f-189d-4381-9214-fe68e27e05a1"
    }
    assert live.azure_support_services == ("Virtual Machine running Linux", "vm-linux")
    assert not live.azure_on_behalf_of


NORTHWIND = "0327d693-2166-5cf7-9b76-c3da9fc6e842"
NORTHWIND_PROD = "132d901f-189d-4381-9214-fe68e27e05a1"
NORTHWIND_DEV = "8d3e2f10-7c4b-4a69-b1e2-0f9a8b7c6d52"


@pytest.mark.parametrize("name", ["AZURE_SUBSCRIPTIONS", "AZURE_SUPPORT_SUBSCRIPTIONS"])
def test_each_customers_azure_subscriptions_are_read_under_the_new_name_and_the_former_one(name: str) -> None:
    """Azure service health reads every subscription; tickets go to the first. The name before service
    health shared the map still works."""
    pairs = f"{NORTHWIND}={NORTHWIND_PROD}, {NORTHWIND}={NORTHWIND_DEV}, {NORTHWIND}={NORTHWIND_PROD}"
    live = Settings.from_env({**LIVE, name: pairs}).live
    assert live is not None
    assert live.azure_subscriptions == {NORTHWIND: NORTHWIND_PROD}
    assert live.azure_subscription_lists == {NORTHWIND: (NORTHWIND_PROD, NORTHWIND_DEV)}
    assert live.subscriptions_of(NORTHWIND.upper(), "") == (NORTHWIND_PROD, NORTHWIND_DEV)
    assert live.subscriptions_of("another-tenant", "") == ()


def test_both_names_of_the_subscription_map_at_once_are_refused() -> None:
    both = {"AZURE_SUBSCRIPTIONS": f"{NORTHWIND}={NORTHWIND_PROD}", "AZURE_SUPPORT_SUBSCRIPTIONS": ""}
    assert Settings.from_env({**LIVE, **both}).live is not None, "an empty former name is not set"
    both["AZURE_SUPPORT_SUBSCRIPTIONS"] = f"{NORTHWIND}={NORTHWIND_DEV}"
    with pytest.raises(SettingsError, match="AZURE_SUPPORT_SUBSCRIPTIONS is the former name"):
        Settings.from_env({**LIVE, **both})


@pytest.mark.parametrize(("value", "on"), [("on", True), ("ON", True), ("off", False), ("", False)])
def test_azure_on_behalf_of_is_read(value: str, on: bool) -> None:
    live = Settings.from_env({**LIVE, "AZURE_SUPPORT_ON_BEHALF_OF": value}).live
    assert live is not None and live.azure_on_behalf_of is on


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"AZURE_SUPPORT_SUBSCRIPTIONS": "contoso=not-a-guid"}, "AZURE_SUPPORT_SUBSCRIPTIONS takes"),
        ({"AZURE_SUPPORT_SUBSCRIPTIONS": "=132d901f-189d-4381-9214-fe68e27e05a1"}, "names no customer"),
        ({"AZURE_SUBSCRIPTIONS": "contoso=not-a-guid"}, "AZURE_SUBSCRIPTIONS takes"),
        ({"SUPPORT_TOPICS_FILE": "/nope.json"}, "SUPPORT_TOPICS_FILE=/nope.json: no such file"),
        ({"AZURE_SUPPORT_ON_BEHALF_OF": "yes"}, "AZURE_SUPPORT_ON_BEHALF_OF must be one of on, off"),
    ],
)
def test_bad_live_desk_settings_fail_fast(change: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({**LIVE, **change})


def test_azure_blob_storage_is_read_and_its_secret_kept_out_of_repr() -> None:
    settings = Settings.from_env(
        {
            "BOT_STORAGE": "AzureBlob",
            "AZURE_STORAGE_CONNECTION_STRING": "AccountName=a;AccountKey=s3cret",
            "WEBSITE_INSTANCE_ID": "instance-7",
        }
    )
    assert settings.blob is not None and settings.blob.container == "bot-state"
    assert settings.instance_id == "instance-7" and "s3cret" not in repr(settings)
    identity = Settings.from_env(
        {
            "BOT_STORAGE": "azureblob",
            "AZURE_STORAGE_ACCOUNT_URL": "https://acct.blob.core.windows.net/",
            "AZURE_STORAGE_CONTAINER": "desk-state",
        }
    )
    assert identity.blob is not None
    assert (identity.blob.account_url, identity.blob.container) == (
        "https://acct.blob.core.windows.net",
        "desk-state",
    )
    assert Settings.from_env({}).blob is None


def test_the_served_process_keeps_start_up_objects_out_of_later_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps p99 down under load (`make bench`): full collections no longer walk start-up's objects."""
    import gc

    from aiohttp import web

    import app

    frozen_when_serving: list[int] = []
    monkeypatch.setenv("BOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(app, "configure_logging", lambda level: None)
    monkeypatch.setattr(web, "run_app", lambda *a, **k: frozen_when_serving.append(gc.get_freeze_count()))
    try:
        app.main()
    finally:
        gc.unfreeze()
    assert frozen_when_serving and frozen_when_serving[0] > 10_000


def _readme_rows(readme: str) -> list[tuple[str, str]]:
    """(first cell, default cell) of each row of the README's `| variable | default | meaning |` tables."""
    rows: list[tuple[str, str]] = []
    in_table = False
    for line in readme.splitlines():
        if line.startswith("| variable | default | meaning |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            rows.append((cells[0], cells[1]))
    return rows


def _undocumented(readme: str) -> list[str]:
    """What the README's configuration tables and the declarations in settings.py disagree on."""
    rows = [(name.strip("`"), shown) for name, shown in _readme_rows(readme)]
    wrong = [f"a row names {name}, not one declared variable" for name, _ in rows if name not in DECLARED]
    named = [name for name, _ in rows]
    wrong += [f"{name} has {named.count(name)} rows" for name in DECLARED if named.count(name) != 1]
    wrong += [
        f"{name}: the README says {shown}, settings.py {DECLARED[name].documented_default}"
        for name, shown in rows
        if name in DECLARED and shown != DECLARED[name].documented_default
    ]
    return wrong


def test_the_readme_documents_every_declared_setting_with_its_default() -> None:
    assert _undocumented((ROOT / "README.md").read_text(encoding="utf-8")) == []


def test_the_readme_check_finds_a_missing_row_an_undeclared_one_and_a_wrong_default() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| `BOT_DRAIN_SECONDS` | `20` |" in readme and "| `LOG_LEVEL` | `INFO` |" in readme
    broken = (
        readme.replace("| `BOT_DRAIN_SECONDS` | `20` |", "| `BOT_DRAIN_SECONDS` | `30` |")
        .replace("| `LOG_LEVEL` | `INFO` |", "| `LOG_LEVELS` | `INFO` |")
        .replace("| `NOTIFY_TOKEN` |", "| `NOTIFY_TOKEN`, `PORT` |")
    )
    assert _undocumented(broken) == [
        "a row names NOTIFY_TOKEN`, `PORT, not one declared variable",
        "a row names LOG_LEVELS, not one declared variable",
        "NOTIFY_TOKEN has 0 rows",
        "LOG_LEVEL has 0 rows",
        "BOT_DRAIN_SECONDS: the README says `30`, settings.py `20`",
    ]


@pytest.mark.parametrize("setting", list(DECLARED.values()), ids=list(DECLARED))
def test_every_declared_default_is_one_of_its_own_values(setting: object) -> None:
    """Unset and set to its default, a variable reads the same; a typo in a declaration shows here."""
    if isinstance(setting, Whole | Number):
        assert setting.low <= setting.default <= setting.high
        assert setting.read({setting.name: str(setting.default)}) == setting.default
    if isinstance(setting, Choice):
        assert setting.default in setting.allowed
        assert setting.read({setting.name: setting.default.upper()}) == setting.default
    if isinstance(setting, HttpsUrl) and setting.default:
        assert setting.read({setting.name: setting.default + "/"}) == setting.default


PLAIN = [s for s in DECLARED.values() if s.attribute]


@pytest.mark.parametrize("setting", PLAIN, ids=[s.name for s in PLAIN])
def test_a_plain_setting_is_read_into_its_field_whose_default_is_the_declared_one(
    setting: Setting[Any],
) -> None:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    assert fields[setting.attribute].default == setting.default
    examples = {Whole: "1025", Number: "7", Choice: "ERROR", HttpsUrl: "https://keys.example"}
    value = examples.get(type(setting), "localhost")
    read = getattr(Settings.from_env({setting.name: value}), setting.attribute)
    assert read == type(setting.default)(value)


RANGED = [s for s in DECLARED.values() if isinstance(s, Whole | Number)]


@pytest.mark.parametrize("setting", RANGED, ids=[s.name for s in RANGED])
def test_every_number_out_of_its_range_or_not_a_number_names_the_variable(setting: Whole | Number) -> None:
    kind = "a whole number" if isinstance(setting, Whole) else "a number"
    shown = (
        f"{setting.low} to {setting.high}"
        if isinstance(setting, Whole)
        else f"{setting.low:g} to {setting.high:g}"
    )
    for bad in (str(setting.high * 2 + 1), "-1", "soon", "nan", "1e999"):
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({setting.name: bad})
        assert str(refused.value) == f"{setting.name} must be {kind} from {shown}, not {bad!r}"


CHOICES = [s for s in DECLARED.values() if isinstance(s, Choice)]


@pytest.mark.parametrize("setting", CHOICES, ids=[s.name for s in CHOICES])
def test_every_choice_names_the_variable_and_what_it_may_be(setting: Choice) -> None:
    env = {**LIVE, setting.name: "whatever"}
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    assert str(refused.value) == f"{setting.name} must be one of {', '.join(setting.allowed)}, not 'whatever'"


def _read_differently(setting: Setting[Any], tmp_path: Path) -> tuple[dict[str, str], str, str]:
    """An environment the setting matters in, and two valid values of it that must read differently."""
    files = [tmp_path / "one.pem", tmp_path / "two.pem"]
    for file in files:
        file.write_text("-", encoding="utf-8")
    without_secret = {k: v for k, v in LIVE.items() if k != "PARTNER_CLIENT_SECRET"}
    blob = {"BOT_STORAGE": "azureblob", "AZURE_STORAGE_CONNECTION_STRING": "x"}
    key = Fernet.generate_key().decode("ascii")
    special: dict[str, tuple[dict[str, str], str, str]] = {
        "HOST": ({}, "localhost", "127.0.0.1"),
        "MicrosoftAppId": (
            {"MicrosoftAppTenantId": TENANT, "MicrosoftAppPassword": "pw"},
            APP_ID,
            APP_ID[:-1],
        ),
        "MicrosoftAppPassword": ({"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT}, "one", "two"),
        "MicrosoftAppType": (
            {"MicrosoftAppId": APP_ID, "MicrosoftAppTenantId": TENANT, "MicrosoftAppPassword": "pw"},
            "MultiTenant",
            "SingleTenant",
        ),
        "BOT_STORAGE": ({"AZURE_STORAGE_CONNECTION_STRING": "x"}, "sqlite", "azureblob"),
        "AZURE_STORAGE_CONNECTION_STRING": ({"BOT_STORAGE": "azureblob"}, "one", "two"),
        "AZURE_STORAGE_ACCOUNT_URL": ({"BOT_STORAGE": "azureblob"}, "https://a.example", "https://b.example"),
        "AZURE_STORAGE_MANAGED_IDENTITY": (blob, "one", "two"),
        "AZURE_STORAGE_CONTAINER": (blob, "one", "two"),
        "BOT_BACKEND": (LIVE, "demo", "live"),
        "BOT_TAB_DOMAIN": ({}, "a.example", "b.example"),
        "PARTNER_CLIENT_CERTIFICATE": (without_secret, str(files[0]), str(files[1])),
        "PARTNER_CLIENT_CERTIFICATE_PASSWORD": (
            {**without_secret, "PARTNER_CLIENT_CERTIFICATE": str(files[0])},
            "one",
            "two",
        ),
        "PARTNER_MANAGED_IDENTITY": (without_secret, "system", "c5a4e1f0-0000-4000-8000-0000000000b1"),
        "CUSTOMER_ACCESS": ({**LIVE, "TOKEN_CACHE_KEY": key}, "app-only", "gdap"),
        "TOKEN_CACHE_KEY": ({**LIVE, "CUSTOMER_ACCESS": "gdap"}, key, Fernet.generate_key().decode("ascii")),
        "SUPPORT_TOPICS_FILE": (LIVE, str(files[0]), str(files[1])),
        "AZURE_SUPPORT_SUBSCRIPTIONS": (
            LIVE,
            "a=132d901f-189d-4381-9214-fe68e27e05a1",
            "a=132d901f-189d-4381-9214-fe68e27e05a2",
        ),
        "AZURE_SUBSCRIPTIONS": (
            LIVE,
            "a=132d901f-189d-4381-9214-fe68e27e05a1",
            "a=132d901f-189d-4381-9214-fe68e27e05a1, a=132d901f-189d-4381-9214-fe68e27e05a2",
        ),
    }
    if setting.name in special:
        return special[setting.name]
    live = setting.name in {
        "AZURE_AUTHORITY_HOST",
        "PARTNER_CENTER_URL",
        "GRAPH_URL",
        "AZURE_MANAGEMENT_URL",
        "REQUESTS_CA_BUNDLE",
        "SSL_CERT_FILE",
        "AZURE_SUPPORT_ON_BEHALF_OF",
        "AZURE_SUPPORT_SERVICES",
        "TOKEN_CACHE_PATH",
        "PARTNER_TENANT_ID",
        "PARTNER_CLIENT_ID",
        "PARTNER_CLIENT_SECRET",
    }
    env = LIVE if live else {}
    if isinstance(setting, Whole | Number):
        return env, str(setting.low), str(setting.high)
    if isinstance(setting, Choice):
        return env, setting.allowed[0], setting.allowed[1]
    if isinstance(setting, HttpsUrl):
        return env, "https://a.example", "https://b.example"
    return env, "one", "two"


@pytest.mark.parametrize("setting", list(DECLARED.values()), ids=list(DECLARED))
def test_every_declared_setting_is_read(setting: Setting[Any], tmp_path: Path) -> None:
    """Declared is read: two valid values of any variable make different settings."""
    env, one, two = _read_differently(setting, tmp_path)
    assert Settings.from_env({**env, setting.name: one}) != Settings.from_env({**env, setting.name: two})
