"""Every environment variable the bot reads, declared once, and the typed `Settings` built from them.

A declaration names the variable and holds its type, default, allowed range or values and meaning; the
README's configuration tables are checked against these declarations (tests/test_settings.py), so adding a
setting is one declaration here, one field of `Settings`, and its README row. A bad value stops start-up
with one line naming the variable. This is the only module that reads the environment.
"""

from __future__ import annotations

import os
import re
import socket
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, NoReturn, TypeVar
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from dotenv import dotenv_values

from bot.edge.inbound_auth import CHANNEL_METADATA_URL, is_loopback_host
from bot.turn.access import AccessRules
from services.access.people import AccessMode
from services.backends.live.config import Credential, CredentialKind, CustomerAccess, Endpoints, LiveConfig
from services.storage.blob_container import BlobLocation
from services.storage.retention import RetentionPeriods


class SettingsError(ValueError):
    """A bad configuration value; its message names the variable."""


T = TypeVar("T")

DECLARED: dict[str, Setting[Any]] = {}
"""Every declared variable by name, in declaration order (what the README's tables are checked against)."""


@dataclass(frozen=True, kw_only=True)
class Setting(Generic[T]):
    """One environment variable: its name, default, meaning, and (in subclasses) type and allowed values.

    `shown` is the default as the README writes it when it isn't a plain value (computed, or required).
    A plain setting names its `Settings` field in `attribute`: adding one is this declaration, that field
    (defaulting to the declaration's default) and the README's row."""

    name: str
    default: T
    meaning: str
    shown: str = ""
    # The `Settings` field a plain setting is read into as it is; empty when the value is combined with
    # others (credentials, the blob location, retention, access rules) or checked against them.
    attribute: str = ""

    def __post_init__(self) -> None:
        if self.name in DECLARED:
            raise ValueError(f"{self.name} is declared twice")
        DECLARED[self.name] = self

    @property
    def documented_default(self) -> str:
        """The README's default column: `shown`, else the value in backticks, else "empty"."""
        if self.shown:
            return self.shown
        value = self.show(self.default)
        return f"`{value}`" if value else "empty"

    def show(self, value: T) -> str:
        return str(value)

    def raw(self, env: Mapping[str, str]) -> str:
        return env.get(self.name, "").strip()

    def read(self, env: Mapping[str, str]) -> T:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Text(Setting[str]):
    """Free text; `secret` values are taken as given (not stripped), as a password may end in a space."""

    default: str = ""
    secret: bool = False

    def read(self, env: Mapping[str, str]) -> str:
        if self.secret:
            return env.get(self.name, "")
        return self.raw(env) or self.default


@dataclass(frozen=True, kw_only=True)
class Whole(Setting[int]):
    low: int
    high: int

    def read(self, env: Mapping[str, str]) -> int:
        raw = self.raw(env)
        if not raw:
            return self.default
        if not raw.isdigit() or not self.low <= int(raw) <= self.high:
            raise SettingsError(
                f"{self.name} must be a whole number from {self.low} to {self.high}, not {raw!r}"
            )
        return int(raw)


@dataclass(frozen=True, kw_only=True)
class Number(Setting[float]):
    low: float
    high: float

    def show(self, value: float) -> str:
        return f"{value:g}"

    def read(self, env: Mapping[str, str]) -> float:
        raw = self.raw(env)
        if not raw:
            return self.default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not self.low <= value <= self.high:
            raise SettingsError(
                f"{self.name} must be a number from {self.low:g} to {self.high:g}, not {raw!r}"
            )
        return value


@dataclass(frozen=True, kw_only=True)
class Choice(Setting[str]):
    """One of `allowed`, matched case-insensitively and returned as declared."""

    allowed: tuple[str, ...]

    def read(self, env: Mapping[str, str], default: str | None = None) -> str:
        raw = self.raw(env) or (self.default if default is None else default)
        for option in self.allowed:
            if raw.casefold() == option.casefold():
                return option
        raise SettingsError(f"{self.name} must be one of {', '.join(self.allowed)}, not {raw!r}")


@dataclass(frozen=True, kw_only=True)
class HttpsUrl(Setting[str]):
    default: str = ""

    def read(self, env: Mapping[str, str]) -> str:
        raw = self.raw(env).rstrip("/") or self.default
        parts = urlsplit(raw)
        if parts.scheme != "https" or not parts.netloc:
            raise SettingsError(f"{self.name} must be an https:// URL, not {raw!r}")
        return raw


@dataclass(frozen=True, kw_only=True)
class Ids(Setting[frozenset[str]]):
    """Comma-separated ids or UPNs, compared case-insensitively."""

    default: frozenset[str] = frozenset()

    def show(self, value: frozenset[str]) -> str:
        return ", ".join(sorted(value))

    def read(self, env: Mapping[str, str]) -> frozenset[str]:
        return frozenset(part.strip().casefold() for part in self.raw(env).split(",") if part.strip())


@dataclass(frozen=True, kw_only=True)
class Required(Setting[str]):
    """Needed in one mode (`why`), with no default."""

    default: str = ""
    shown: str = "required"

    def need(self, env: Mapping[str, str], why: str) -> str:
        raw = self.raw(env)
        if not raw:
            raise SettingsError(f"{self.name} is needed {why}")
        return raw


# Where the bot listens, and the Azure Bot it answers for.
HOST = Text(name="HOST", attribute="host", default="127.0.0.1", meaning="the address the bot listens on")
PORT = Whole(
    name="PORT", attribute="port", default=3978, low=1, high=65535, meaning="the port the bot listens on"
)
APP_ID = Text(name="MicrosoftAppId", meaning="the Azure Bot's app id; empty turns authentication off")
APP_PASSWORD = Text(
    name="MicrosoftAppPassword",
    attribute="app_password",
    secret=True,
    meaning="the Azure Bot's client secret",
)
APP_TYPE = Choice(
    name="MicrosoftAppType",
    default="MultiTenant",
    allowed=("MultiTenant", "SingleTenant", "UserAssignedMSI"),
    shown="`SingleTenant` with an app id",
    meaning="the kind of Azure Bot: SingleTenant, UserAssignedMSI or MultiTenant",
)
APP_TENANT_ID = Text(
    name="MicrosoftAppTenantId", meaning="the Azure Bot's tenant (SingleTenant, UserAssignedMSI)"
)
OPENID_METADATA_URL = HttpsUrl(
    name="BOT_OPENID_METADATA_URL",
    attribute="openid_metadata_url",
    default=CHANNEL_METADATA_URL,
    meaning="where the Bot Connector publishes its token signing keys",
)
# Teams single sign-on: people act as themselves (README, "Acting as the engineer").
SSO_CONNECTION = Text(
    name="BOT_SSO_CONNECTION",
    attribute="sso_connection",
    meaning="the Azure Bot's OAuth connection for Teams SSO; empty: off, everything runs as the app",
)
TOKEN_SERVICE_URL = HttpsUrl(
    name="BOT_TOKEN_SERVICE_URL",
    attribute="token_service_url",
    default="https://token.botframework.com",
    meaning="the Bot Framework token service (a regional one with data residency)",
)

# The overview tab (README, "The overview tab"): where Teams loads it from, and how often it refreshes.
TAB_DOMAIN = Text(
    name="BOT_TAB_DOMAIN",
    meaning="the public host name the tab is served on (`api://<it>/botid-<app id>` is its SSO audience)",
)
TAB_POLL_SECONDS = Number(
    name="BOT_TAB_POLL_SECONDS",
    attribute="tab_poll_seconds",
    default=30.0,
    low=1.0,
    high=3600.0,
    meaning="how often an open tab asks whether its data changed",
)
TAB_BOARD_SECONDS = Number(
    name="BOT_TAB_BOARD_SECONDS",
    attribute="tab_board_seconds",
    default=25.0,
    low=0.0,
    high=3600.0,
    meaning="how long each person's overview board is kept before their next poll reads it again",
)
TAB_HOST_ORIGINS = Ids(
    name="BOT_TAB_HOST_ORIGINS",
    meaning="origins besides Microsoft's hosts that may frame the tab (a local test host)",
)

# What the bot serves and where it keeps it.
BACKEND = Choice(
    name="BOT_BACKEND", default="demo", allowed=("demo", "live"), meaning="where data comes from"
)
DATA_DIR = Text(name="BOT_DATA_DIR", default="data", meaning="directory of the SQLite file")
STORAGE = Choice(
    name="BOT_STORAGE",
    default="sqlite",
    allowed=("sqlite", "azureblob"),
    meaning="where state several instances share is kept",
)
STORAGE_CONNECTION_STRING = Text(
    name="AZURE_STORAGE_CONNECTION_STRING", meaning="the account's connection string"
)
STORAGE_ACCOUNT_URL = HttpsUrl(name="AZURE_STORAGE_ACCOUNT_URL", meaning="the account's blob endpoint")
STORAGE_MANAGED_IDENTITY = Text(
    name="AZURE_STORAGE_MANAGED_IDENTITY", meaning="client id of a user-assigned managed identity for blobs"
)
STORAGE_CONTAINER = Text(name="AZURE_STORAGE_CONTAINER", default="bot-state", meaning="the blob container")
INSTANCE_ID = Text(
    name="WEBSITE_INSTANCE_ID",
    shown="host name and pid",
    meaning="names this instance as a leaseholder (App Service sets it)",
)

# Limits and timing.
MAX_BODY_BYTES = Whole(
    name="BOT_MAX_BODY_BYTES",
    attribute="max_body_bytes",
    default=256 * 1024,
    low=1024,
    high=16 * 1024 * 1024,
    meaning="largest request",
)
REPLY_BUDGET_SECONDS = Number(
    name="BOT_REPLY_BUDGET_SECONDS",
    attribute="reply_budget_seconds",
    default=4.0,
    low=0.0,
    high=10.0,
    meaning="when a slow turn is deferred",
)
TYPING_DELAY_SECONDS = Number(
    name="BOT_TYPING_DELAY_SECONDS",
    attribute="typing_delay_seconds",
    default=2.0,
    low=0.0,
    high=10.0,
    meaning="when typing shows",
)
SEND_RETRY_SECONDS = Number(
    name="BOT_SEND_RETRY_SECONDS",
    attribute="send_retry_seconds",
    default=30.0,
    low=0.0,
    high=600.0,
    meaning="how long one send retries",
)
CONNECTOR_TIMEOUT_SECONDS = Number(
    name="BOT_CONNECTOR_TIMEOUT_SECONDS",
    attribute="connector_timeout_seconds",
    default=15.0,
    low=1.0,
    high=120.0,
    meaning="read timeout of one Bot Connector call",
)
CONNECTOR_CREATE_TIMEOUT_SECONDS = Number(
    name="BOT_CONNECTOR_CREATE_TIMEOUT_SECONDS",
    attribute="connector_create_timeout_seconds",
    default=60.0,
    low=1.0,
    high=300.0,
    meaning="read timeout of a Bot Connector call that posts a new message",
)
DRAIN_SECONDS = Number(
    name="BOT_DRAIN_SECONDS",
    attribute="drain_seconds",
    default=20.0,
    low=0.0,
    high=600.0,
    meaning="how long shutdown waits for turns",
)
INSTANCE_LEASE_SECONDS = Number(
    name="BOT_INSTANCE_LEASE_SECONDS",
    attribute="instance_lease_seconds",
    default=15.0,
    low=3.0,
    high=600.0,
    meaning="a run whose heartbeat is this old is over; it beats every third of it",
)
RECOVERY_SWEEP_SECONDS = Number(
    name="BOT_RECOVERY_SWEEP_SECONDS",
    attribute="recovery_sweep_seconds",
    default=30.0,
    low=1.0,
    high=3600.0,
    meaning="how often each instance looks for turns a stopped run left unanswered",
)
RETAIN_TURNS_DAYS = Number(
    name="BOT_RETAIN_TURNS_DAYS", default=2.0, low=1.0, high=365.0, meaning="how long answered turns are kept"
)
RETAIN_NOTICES_DAYS = Number(
    name="BOT_RETAIN_NOTICES_DAYS",
    default=30.0,
    low=1.0,
    high=3650.0,
    meaning="how long resolved notices are kept",
)
RETAIN_AUDIT_DAYS = Number(
    name="BOT_RETAIN_AUDIT_DAYS",
    default=365.0,
    low=1.0,
    high=3650.0,
    meaning="how long audit entries are kept",
)
RETENTION_INTERVAL_SECONDS = Number(
    name="BOT_RETENTION_INTERVAL_SECONDS",
    attribute="retention_interval_seconds",
    default=3600.0,
    low=1.0,
    high=86400.0,
    meaning="how often the leader forgets what is past its period",
)
WATCH_INTERVAL_SECONDS = Number(
    name="BOT_WATCH_INTERVAL_SECONDS",
    attribute="watch_interval_seconds",
    default=60.0,
    low=1.0,
    high=86400.0,
    meaning="how often health is polled",
)
CHANGES_ACT_BY_DAYS = Number(
    name="BOT_CHANGES_ACT_BY_DAYS",
    attribute="changes_act_by_days",
    default=7.0,
    low=0.0,
    high=365.0,
    meaning="how near a message center act-by date makes the message a notice",
)
DEMO_TICK_SECONDS = Number(
    name="BOT_DEMO_TICK_SECONDS",
    attribute="demo_tick_seconds",
    default=120.0,
    low=0.0,
    high=86400.0,
    meaning="how often the demo world moves",
)

# Who may do what, and what the operator sees.
NOTIFY_TOKEN = Text(
    name="NOTIFY_TOKEN",
    attribute="notify_token",
    meaning="the bearer token of POST /api/notify; empty turns it off",
)
ALLOWED_TENANTS = Ids(name="ALLOWED_TENANTS", meaning="the tenants whose users may use the bot")
OPERATORS = Ids(name="BOT_OPERATORS", meaning="who may run operator commands")
OPERATORS_GROUP = Text(name="BOT_OPERATORS_GROUP", meaning="an Entra group whose members are operators")
ACCESS_CONTACT = Text(name="BOT_ACCESS_CONTACT", meaning="who can grant access, as a refusal names them")
PEOPLE_ACCESS = Choice(
    name="BOT_ACCESS",
    default=AccessMode.EVERYONE.value,
    allowed=tuple(AccessMode),
    shown="`everyone` on the demo backend, `gdap` on live",
    meaning="whether each person sees only the customers GDAP grants them",
)
ACCESS_CACHE_SECONDS = Number(
    name="BOT_ACCESS_CACHE_SECONDS",
    default=300.0,
    low=10.0,
    high=3600.0,
    meaning="how long GDAP relationships and a person's groups are kept",
)
TELEMETRY = Text(
    name="APPLICATIONINSIGHTS_CONNECTION_STRING",
    attribute="telemetry_connection_string",
    meaning="where traces and metrics go",
)
LOG_LEVEL = Choice(
    name="LOG_LEVEL",
    attribute="log_level",
    default="INFO",
    allowed=("DEBUG", "INFO", "WARNING", "ERROR"),
    meaning="how much is logged",
)

# BOT_BACKEND=live.
PARTNER_TENANT_ID = Required(name="PARTNER_TENANT_ID", meaning="the partner's tenant id")
PARTNER_CLIENT_ID = Required(name="PARTNER_CLIENT_ID", meaning="the Entra app's client id")
CREDENTIAL = "exactly one"
PARTNER_CLIENT_SECRET = Text(
    name="PARTNER_CLIENT_SECRET", secret=True, shown=CREDENTIAL, meaning="the app's client secret"
)
PARTNER_CLIENT_CERTIFICATE = Text(
    name="PARTNER_CLIENT_CERTIFICATE",
    shown=CREDENTIAL,
    meaning="a PEM file with the app's key and certificate",
)
PARTNER_CLIENT_CERTIFICATE_PASSWORD = Text(
    name="PARTNER_CLIENT_CERTIFICATE_PASSWORD", secret=True, meaning="the certificate's passphrase"
)
PARTNER_MANAGED_IDENTITY = Text(
    name="PARTNER_MANAGED_IDENTITY", shown=CREDENTIAL, meaning="a managed identity federated with the app"
)
CUSTOMER_ACCESS_MODE = Choice(
    name="CUSTOMER_ACCESS",
    default=CustomerAccess.APP_ONLY.value,
    allowed=tuple(CustomerAccess),
    meaning="how customer tenants are reached",
)
TOKEN_CACHE_KEY = Required(
    name="TOKEN_CACHE_KEY", shown="required for `gdap`", meaning="Fernet key encrypting the token cache"
)
TOKEN_CACHE_PATH = Text(
    name="TOKEN_CACHE_PATH", shown="`$BOT_DATA_DIR/token-cache.bin`", meaning="the persisted token cache"
)
AUTHORITY_HOST = HttpsUrl(
    name="AZURE_AUTHORITY_HOST", default=Endpoints.authority_host, meaning="Entra sign-in host"
)
PARTNER_CENTER_URL = HttpsUrl(
    name="PARTNER_CENTER_URL", default=Endpoints.partner_center, meaning="Partner Center REST API"
)
GRAPH_URL = HttpsUrl(name="GRAPH_URL", default=Endpoints.graph, meaning="Microsoft Graph")
MANAGEMENT_URL = HttpsUrl(
    name="AZURE_MANAGEMENT_URL", default=Endpoints.management, meaning="Azure Resource Manager"
)
CA_BUNDLE = Text(
    name="REQUESTS_CA_BUNDLE", shown="system trust store", meaning="a CA bundle to trust instead"
)
CERT_FILE = Text(
    name="SSL_CERT_FILE", shown="system trust store", meaning="the same, when REQUESTS_CA_BUNDLE isn't set"
)
AZURE_SUBSCRIPTIONS = Text(
    name="AZURE_SUBSCRIPTIONS",
    shown="none",
    meaning="each customer's Azure subscriptions: service health read, tickets filed in the first",
)
# The name before Azure service health shared it; still read when AZURE_SUBSCRIPTIONS isn't set.
AZURE_SUPPORT_SUBSCRIPTIONS = Text(
    name="AZURE_SUPPORT_SUBSCRIPTIONS", shown="none", meaning="the former name of AZURE_SUBSCRIPTIONS"
)
AZURE_SUPPORT_ON_BEHALF_OF = Choice(
    name="AZURE_SUPPORT_ON_BEHALF_OF", default="off", allowed=("on", "off"), meaning="CSP on-behalf-of calls"
)
AZURE_SUPPORT_SERVICES = Text(
    name="AZURE_SUPPORT_SERVICES", shown="none (no Azure products offered)", meaning="Azure services offered"
)
SUPPORT_TOPICS_FILE = Text(
    name="SUPPORT_TOPICS_FILE",
    shown="the shipped `services/backends/demo/data/supporttopics.json`",
    meaning="the Microsoft 365 support topics",
)


def _credential(env: Mapping[str, str]) -> Credential:
    """Exactly one of a secret, a certificate (PEM with key and certificate) or a managed identity."""
    secret = PARTNER_CLIENT_SECRET.read(env)
    certificate = PARTNER_CLIENT_CERTIFICATE.read(env)
    identity = PARTNER_MANAGED_IDENTITY.read(env)
    if sum(bool(given) for given in (secret, certificate, identity)) != 1:
        raise SettingsError(
            "BOT_BACKEND=live needs exactly one of PARTNER_CLIENT_SECRET, PARTNER_CLIENT_CERTIFICATE "
            "and PARTNER_MANAGED_IDENTITY"
        )
    if secret:
        return Credential(CredentialKind.SECRET, secret=secret)
    if certificate:
        path = Path(certificate)
        if not path.is_file():
            raise SettingsError(f"PARTNER_CLIENT_CERTIFICATE={certificate}: no such file")
        passphrase = PARTNER_CLIENT_CERTIFICATE_PASSWORD.read(env)
        return Credential(
            CredentialKind.CERTIFICATE, certificate_path=path, certificate_passphrase=passphrase
        )
    client_id = "" if identity.casefold() == "system" else identity
    return Credential(CredentialKind.MANAGED_IDENTITY, managed_identity_client_id=client_id)


def _azure_subscriptions(env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """`<customer tenant id or customer id>=<subscription id>, ...`, a customer named once per
    subscription: where its Azure service health is read, and (the first) where its tickets are filed."""
    current, former = AZURE_SUBSCRIPTIONS.read(env), AZURE_SUPPORT_SUBSCRIPTIONS.read(env)
    if current and former:
        raise SettingsError(
            f"{AZURE_SUPPORT_SUBSCRIPTIONS.name} is the former name of {AZURE_SUBSCRIPTIONS.name}: set one"
        )
    name = AZURE_SUBSCRIPTIONS.name if current else AZURE_SUPPORT_SUBSCRIPTIONS.name
    pairs: dict[str, tuple[str, ...]] = {}
    for entry in filter(None, (e.strip() for e in (current or former).split(","))):
        customer, _, subscription = (part.strip() for part in entry.partition("="))
        try:
            uuid.UUID(subscription)
        except ValueError:
            raise SettingsError(
                f"{name} takes <customer tenant id>=<subscription id> pairs separated by commas, "
                f"not {entry!r}"
            ) from None
        if not customer:
            raise SettingsError(f"{name}: {entry!r} names no customer")
        known = pairs.get(customer, ())
        pairs[customer] = known if subscription in known else (*known, subscription)
    return pairs


def _live_config(env: Mapping[str, str], data_dir: Path) -> LiveConfig:
    why = "when BOT_BACKEND=live"
    access = CustomerAccess(CUSTOMER_ACCESS_MODE.read(env))
    key = TOKEN_CACHE_KEY.raw(env)
    if access is CustomerAccess.GDAP:
        TOKEN_CACHE_KEY.need(env, "when CUSTOMER_ACCESS=gdap")
        try:
            Fernet(key.encode("ascii"))
        except ValueError:
            raise SettingsError(
                "TOKEN_CACHE_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    ca_bundle = CA_BUNDLE.read(env) or CERT_FILE.read(env)
    topics = SUPPORT_TOPICS_FILE.read(env)
    subscriptions = _azure_subscriptions(env)
    if topics and not Path(topics).is_file():
        raise SettingsError(f"SUPPORT_TOPICS_FILE={topics}: no such file")
    return LiveConfig(
        client_id=PARTNER_CLIENT_ID.need(env, why),
        partner_tenant_id=PARTNER_TENANT_ID.need(env, why),
        credential=_credential(env),
        customer_access=access,
        endpoints=Endpoints(
            authority_host=AUTHORITY_HOST.read(env),
            partner_center=PARTNER_CENTER_URL.read(env),
            graph=GRAPH_URL.read(env),
            management=MANAGEMENT_URL.read(env),
        ),
        ca_bundle=Path(ca_bundle) if ca_bundle else None,
        token_cache_path=Path(TOKEN_CACHE_PATH.read(env) or data_dir / "token-cache.bin"),
        token_cache_key=key,
        azure_subscriptions={c: found[0] for c, found in subscriptions.items()},
        azure_subscription_lists=subscriptions,
        azure_support_services=tuple(
            s.strip() for s in AZURE_SUPPORT_SERVICES.read(env).split(",") if s.strip()
        ),
        support_topics_path=Path(topics) if topics else None,
        azure_on_behalf_of=AZURE_SUPPORT_ON_BEHALF_OF.read(env) == "on",
        acting_as_people=bool(SSO_CONNECTION.read(env)),
    )


def _on_app_service_share(env: Mapping[str, str], data_dir: Path) -> bool:
    """Whether the data dir is on App Service's /home: one SMB share mounted by every instance (and the
    app's own directory, /home/site/wwwroot, is under it, so a relative BOT_DATA_DIR is too)."""
    on_app_service = bool(INSTANCE_ID.read(env))
    return on_app_service and Path.cwd().joinpath(data_dir).resolve().is_relative_to("/home")


def _blob_location(env: Mapping[str, str]) -> BlobLocation:
    """BOT_STORAGE=azureblob: a connection string, or an account URL reached with the managed identity."""
    container = STORAGE_CONTAINER.read(env)
    if not re.fullmatch(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]", container):
        raise SettingsError(
            "AZURE_STORAGE_CONTAINER must be 3 to 63 lowercase letters, digits and single hyphens, "
            f"not {container!r}"
        )
    connection_string = STORAGE_CONNECTION_STRING.read(env)
    account_url = STORAGE_ACCOUNT_URL.raw(env)
    if bool(connection_string) == bool(account_url):
        raise SettingsError(
            "BOT_STORAGE=azureblob needs exactly one of AZURE_STORAGE_CONNECTION_STRING and "
            "AZURE_STORAGE_ACCOUNT_URL (the latter with the app's managed identity)"
        )
    return BlobLocation(
        container=container,
        connection_string=connection_string,
        account_url=STORAGE_ACCOUNT_URL.read(env) if account_url else "",
        managed_identity_client_id=STORAGE_MANAGED_IDENTITY.read(env),
    )


def _this_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass(frozen=True)
class Settings:
    """What the app is built from; `from_env` reads it, tests construct it directly."""

    host: str = HOST.default
    port: int = PORT.default
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = APP_TYPE.default
    app_tenant_id: str = ""
    backend: str = BACKEND.default
    data_dir: Path = Path(DATA_DIR.default)
    max_body_bytes: int = MAX_BODY_BYTES.default
    reply_budget_seconds: float = REPLY_BUDGET_SECONDS.default
    typing_delay_seconds: float = TYPING_DELAY_SECONDS.default
    send_retry_seconds: float = SEND_RETRY_SECONDS.default
    connector_timeout_seconds: float = CONNECTOR_TIMEOUT_SECONDS.default
    # A post's answer lost to a timeout leaves its fate unknown: it gets longer than an update.
    connector_create_timeout_seconds: float = CONNECTOR_CREATE_TIMEOUT_SECONDS.default
    drain_seconds: float = DRAIN_SECONDS.default
    # A run whose heartbeat is this old is over (BOT_STORAGE=azureblob); it beats every third of it.
    instance_lease_seconds: float = INSTANCE_LEASE_SECONDS.default
    # How often each instance looks for turns a stopped or dead run left unanswered.
    recovery_sweep_seconds: float = RECOVERY_SWEEP_SECONDS.default
    # What is kept how long, and how often the leader forgets the rest.
    retention: RetentionPeriods = RetentionPeriods(
        journal=timedelta(days=RETAIN_TURNS_DAYS.default),
        notices=timedelta(days=RETAIN_NOTICES_DAYS.default),
        audit=timedelta(days=RETAIN_AUDIT_DAYS.default),
    )
    retention_interval_seconds: float = RETENTION_INTERVAL_SECONDS.default
    watch_interval_seconds: float = WATCH_INTERVAL_SECONDS.default
    changes_act_by_days: float = CHANGES_ACT_BY_DAYS.default
    demo_tick_seconds: float = DEMO_TICK_SECONDS.default
    notify_token: str = field(default="", repr=False)
    log_level: str = LOG_LEVEL.default
    live: LiveConfig | None = None
    # Where the Bot Connector publishes its token signing keys (a local double in tests).
    openid_metadata_url: str = OPENID_METADATA_URL.default
    # Teams SSO: the OAuth connection people sign in with (empty: off) and the token service holding it.
    sso_connection: str = ""
    token_service_url: str = TOKEN_SERVICE_URL.default
    # The overview tab: its public host, its refresh, extra hosts that may frame it, and the Entra sign-in
    # host whose tokens (Teams tab SSO) it accepts.
    tab_domain: str = ""
    tab_poll_seconds: float = TAB_POLL_SECONDS.default
    tab_board_seconds: float = TAB_BOARD_SECONDS.default
    tab_host_origins: frozenset[str] = frozenset()
    entra_authority_host: str = AUTHORITY_HOST.default
    access: AccessRules = AccessRules()
    # BOT_ACCESS: everyone sees everything, or each person their GDAP grants, read afresh after the TTL.
    people_access: AccessMode = AccessMode.EVERYONE
    access_cache_seconds: float = ACCESS_CACHE_SECONDS.default
    # BOT_STORAGE=azureblob: where the state shared by several instances lives.
    blob: BlobLocation | None = None
    # Names this instance as a leaseholder (App Service's WEBSITE_INSTANCE_ID, else host and pid).
    instance_id: str = field(default_factory=_this_instance)
    # Traces and metrics go to Application Insights only when this is set.
    telemetry_connection_string: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.app_id and not is_loopback_host(self.host):
            raise SettingsError(
                f"HOST={self.host} needs MicrosoftAppId: without it the bot runs unauthenticated, which is "
                "for local testing on a loopback address (127.0.0.1, ::1, localhost) only"
            )
        if self.backend == "live" and self.live is None:
            raise SettingsError("BOT_BACKEND=live needs the live settings (see README, Live backends)")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        app_id = APP_ID.read(env)
        # Azure creates no multi-tenant bots since 31 July 2025: an app id is single-tenant unless told.
        # Without one (local testing) botbuilder's anonymous mode is its MultiTenant configuration.
        app_type = APP_TYPE.read(env, default="SingleTenant" if app_id else "MultiTenant")
        app_tenant_id = APP_TENANT_ID.read(env)
        if (app_id or APP_TYPE.raw(env)) and app_type != "MultiTenant":
            if not (app_id and app_tenant_id):
                raise SettingsError(
                    f"MicrosoftAppType={app_type} needs MicrosoftAppId and MicrosoftAppTenantId"
                )
        if app_id and app_type != "UserAssignedMSI" and not APP_PASSWORD.read(env):
            raise SettingsError(
                f"MicrosoftAppType={app_type} needs MicrosoftAppPassword "
                "(on Azure App Service, MicrosoftAppType=UserAssignedMSI needs none)"
            )
        if SSO_CONNECTION.read(env) and app_type == "UserAssignedMSI":
            raise SettingsError(
                "BOT_SSO_CONNECTION needs an app registration with a secret for the OAuth connection: "
                "MicrosoftAppType=UserAssignedMSI has none (use SingleTenant)"
            )
        tab_domain = TAB_DOMAIN.read(env)
        if tab_domain and not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", tab_domain):
            raise SettingsError(
                f"BOT_TAB_DOMAIN must be a host name like support-bot.contoso.com, not {tab_domain!r}"
            )
        if tab_domain and app_type == "UserAssignedMSI":
            raise SettingsError(
                "BOT_TAB_DOMAIN needs an app registration for the tab's sign-in: "
                "MicrosoftAppType=UserAssignedMSI has none (use SingleTenant)"
            )
        backend = BACKEND.read(env)
        data_dir = Path(DATA_DIR.read(env))
        storage = STORAGE.read(env)
        if storage == "azureblob" and _on_app_service_share(env, data_dir):
            raise SettingsError(
                f"BOT_DATA_DIR={data_dir} is on App Service's /home, one network share for every instance, "
                "where SQLite's WAL can't work: with BOT_STORAGE=azureblob use local disk (/tmp/bot-data)"
            )
        plain = {setting.attribute: setting.read(env) for setting in DECLARED.values() if setting.attribute}
        return cls(
            **plain,
            app_id=app_id,
            app_type=app_type,
            app_tenant_id=app_tenant_id,
            backend=backend,
            data_dir=data_dir,
            retention=RetentionPeriods(
                journal=timedelta(days=RETAIN_TURNS_DAYS.read(env)),
                notices=timedelta(days=RETAIN_NOTICES_DAYS.read(env)),
                audit=timedelta(days=RETAIN_AUDIT_DAYS.read(env)),
            ),
            live=_live_config(env, data_dir) if backend == "live" else None,
            access=AccessRules(
                allowed_tenants=ALLOWED_TENANTS.read(env),
                operators=OPERATORS.read(env),
                operators_group=OPERATORS_GROUP.read(env),
                contact=ACCESS_CONTACT.read(env),
            ),
            people_access=AccessMode(
                PEOPLE_ACCESS.read(env, default=AccessMode.GDAP if backend == "live" else AccessMode.EVERYONE)
            ),
            access_cache_seconds=ACCESS_CACHE_SECONDS.read(env),
            tab_domain=tab_domain,
            tab_host_origins=TAB_HOST_ORIGINS.read(env),
            entra_authority_host=AUTHORITY_HOST.read(env),
            blob=_blob_location(env) if storage == "azureblob" else None,
            instance_id=INSTANCE_ID.read(env) or _this_instance(),
        )


def load_environment(environ: Mapping[str, str], dotenv: Path = Path(".env")) -> dict[str, str]:
    """`.env` values, overridden by the real environment."""
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None} if dotenv.is_file() else {}
    return {**values, **environ}


def stop(message: str) -> NoReturn:
    """A configuration the app can't run with: one line on stderr, exit code 2."""
    print(f"Configuration error: {message}", file=sys.stderr)
    raise SystemExit(2)


def settings_from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of `.env` and the environment (or `environ`); a bad value stops with one line."""
    try:
        return Settings.from_env(load_environment(os.environ if environ is None else environ))
    except SettingsError as error:
        stop(str(error))
