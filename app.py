"""Composition root: settings -> storage -> backend -> dialogs -> bot -> routes.

The only module that reads the environment. `python app.py` serves the bot; `create_app(settings)` is
what tests run.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import ConversationState, PrivateConversationState, Storage, UserState
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from cryptography.fernet import Fernet
from dotenv import dotenv_values

from bot.access import AccessPolicy, AccessRules
from bot.acknowledgements import NoticeAcknowledgements
from bot.adapter import ChannelAuthorization, SupportAdapter
from bot.commands import help_entries
from bot.connector import Connector, ConnectorTimeouts, RetryPolicy
from bot.conversation_locks import ConversationLocks
from bot.errors import report_turn_error
from bot.framework_patches import apply_framework_patches
from bot.handler import Notifications, SupportBot
from bot.http import (
    ReadinessCheck,
    demo_tick_route,
    error_middleware,
    healthz_route,
    messages_route,
    notify_route,
    readyz_route,
)
from bot.inbound_auth import CHANNEL_METADATA_URL, InboundAuthentication, SigningKeys, is_loopback_host
from bot.log_redaction import configure_logging
from bot.mentions import command_text
from bot.notice_delivery import NoticeDelivery
from bot.routing import complete_command, recognised_command
from bot.state_storage import DocumentStorage
from bot.turns import TurnRunner
from bot.typing_indicator import TypingIndicator
from dialogs.audit_dialog import AuditDialog
from dialogs.customers_dialog import CustomersDialog
from dialogs.escalation_dialog import EscalationDialog
from dialogs.health_dialog import HealthDialog
from dialogs.help_dialog import HelpDialog
from dialogs.incident_dialog import IncidentDialog
from dialogs.incidents_dialog import IncidentsDialog
from dialogs.language import LANGUAGE_PROPERTY
from dialogs.language_dialog import LanguageDialog
from dialogs.link_dialog import LinkDialog
from dialogs.note_dialog import NoteDialog
from dialogs.notices_dialog import NoticesDialog
from dialogs.overview_dialog import OverviewDialog
from dialogs.quiet_dialog import QuietDialog
from dialogs.request_dialog import RequestDialog
from dialogs.requests_list_dialog import RequestsListDialog
from dialogs.root import RootDialog
from dialogs.subscribe_dialog import SubscribeDialog
from dialogs.subscriptions_dialog import SubscriptionsDialog
from dialogs.teams_member import member_contact
from dialogs.unsubscribe_dialog import UnsubscribeDialog
from services.audit_log import AuditLog, BlobAuditLog
from services.blob_container import BlobContainer, BlobLocation
from services.blob_documents import BlobDocumentStore
from services.blob_turn_journal import BlobTurnJournal
from services.conversation_leases import BlobConversationLeases
from services.conversations import BlobConversationStore, ConversationStore
from services.demo.backend import DATA_DIR, DemoBackend
from services.demo.blob_service_requests import BlobDemoServiceRequests
from services.demo.operators import DemoGroupMembership
from services.demo.service_requests import DemoServiceRequests
from services.demo.world import DemoWorld
from services.doctor import Check, exit_code, render, run_doctor
from services.document_store import SqliteDocumentStore
from services.instance_heartbeats import BlobHeartbeats, LocalHeartbeats
from services.leadership import Leadership
from services.live.backend import LiveBackend
from services.live.config import (
    Credential,
    CredentialKind,
    CustomerAccess,
    Endpoints,
    LiveConfig,
)
from services.live.escalation_ledger import BlobEscalationLedger, EscalationLedger, SqliteEscalationLedger
from services.live.operators import NoGroupLookup
from services.live.service_requests import LiveServiceRequests
from services.notice_board import NoticeBoard
from services.notify_events import take_event
from services.ports import (
    ActivityJournal,
    AuditRecords,
    AuditTrail,
    Backend,
    DocumentStore,
    GroupMembership,
    Heartbeats,
    KnownConversations,
    ServiceRequestDesk,
    Subscriptions,
)
from services.retention import Retention, RetentionPeriods
from services.retrying_desk import RetryingDesk
from services.sqlite_database import SqliteDatabase, StorageError
from services.subscriptions import BlobSubscriptionStore, SubscriptionStore
from services.telemetry import start_telemetry
from services.tokens import MsalTokens, TokenCacheInUse, TokenError
from services.turn_journal import TurnJournal
from services.watcher import HealthWatcher

VERSION = "0.1.0"
BACKENDS = ("demo", "live")
STORAGES = ("sqlite", "azureblob")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")

BOT = web.AppKey("bot", SupportBot)
ADAPTER = web.AppKey("adapter", SupportAdapter)
RUNNER = web.AppKey("runner", TurnRunner)
WATCHER = web.AppKey("watcher", HealthWatcher)
DELIVERY = web.AppKey("delivery", NoticeDelivery)
LEADERSHIP = web.AppKey("leadership", Leadership)
SIGNING_KEYS = web.AppKey("signing_keys", SigningKeys)
ACCESS = web.AppKey("access", AccessPolicy)


@dataclass
class Lifetime:
    """Whether the app served: a start-up that couldn't bind its port stops with one line, and no
    shutdown report follows it. `python app.py` sets it once the socket is bound; tests serve at once."""

    served: bool = True


LIFETIME = web.AppKey("lifetime", Lifetime)


ANONYMOUS_MODE = (
    "AUTHENTICATION IS OFF: MicrosoftAppId is not set, so this bot accepts activities from anyone who can "
    "reach it. For local testing only: it listens on loopback and replies to loopback serviceUrls only."
)


EVERYONE_OPERATES = (
    "BOT_OPERATORS and BOT_OPERATORS_GROUP are not set: everyone who can talk to the bot is an operator "
    "(may file service requests, add notes, change subscriptions). Set them before real use."
)


class SettingsError(ValueError):
    """A bad configuration value; its message names the variable."""


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise SettingsError(f"{name} must be a number from {low:g} to {high:g}, not {raw!r}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip() or default
    for option in allowed:
        if raw.casefold() == option.casefold():
            return option
    raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")


def _https_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip().rstrip("/") or default
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.netloc:
        raise SettingsError(f"{name} must be an https:// URL, not {raw!r}")
    return raw


def _id_list(env: Mapping[str, str], name: str) -> frozenset[str]:
    """Comma-separated ids or UPNs, compared case-insensitively."""
    return frozenset(part.strip().casefold() for part in env.get(name, "").split(",") if part.strip())


def _required(env: Mapping[str, str], name: str, why: str) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        raise SettingsError(f"{name} is needed {why}")
    return raw


def _credential(env: Mapping[str, str]) -> Credential:
    """Exactly one of a secret, a certificate (PEM with key and certificate) or a managed identity."""
    secret = env.get("PARTNER_CLIENT_SECRET", "")
    certificate = env.get("PARTNER_CLIENT_CERTIFICATE", "").strip()
    identity = env.get("PARTNER_MANAGED_IDENTITY", "").strip()
    given = [n for n, v in (("SECRET", secret), ("CERTIFICATE", certificate), ("MI", identity)) if v]
    if len(given) != 1:
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
        passphrase = env.get("PARTNER_CLIENT_CERTIFICATE_PASSWORD", "")
        return Credential(
            CredentialKind.CERTIFICATE, certificate_path=path, certificate_passphrase=passphrase
        )
    client_id = "" if identity.casefold() == "system" else identity
    return Credential(CredentialKind.MANAGED_IDENTITY, managed_identity_client_id=client_id)


def _azure_subscriptions(env: Mapping[str, str]) -> dict[str, str]:
    """`<customer tenant id or customer id>=<subscription id>, ...`: where Azure tickets go."""
    name = "AZURE_SUPPORT_SUBSCRIPTIONS"
    pairs: dict[str, str] = {}
    for entry in filter(None, (e.strip() for e in env.get(name, "").split(","))):
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
        pairs[customer] = subscription
    return pairs


def _live_config(env: Mapping[str, str], data_dir: Path) -> LiveConfig:
    why = "when BOT_BACKEND=live"
    access = CustomerAccess(_choice(env, "CUSTOMER_ACCESS", "app-only", tuple(CustomerAccess)))
    key = env.get("TOKEN_CACHE_KEY", "").strip()
    if access is CustomerAccess.GDAP:
        _required(env, "TOKEN_CACHE_KEY", "when CUSTOMER_ACCESS=gdap")
        try:
            Fernet(key.encode("ascii"))
        except ValueError:
            raise SettingsError(
                "TOKEN_CACHE_KEY must be a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    ca_bundle = (env.get("REQUESTS_CA_BUNDLE", "") or env.get("SSL_CERT_FILE", "")).strip()
    topics = env.get("SUPPORT_TOPICS_FILE", "").strip()
    if topics and not Path(topics).is_file():
        raise SettingsError(f"SUPPORT_TOPICS_FILE={topics}: no such file")
    return LiveConfig(
        client_id=_required(env, "PARTNER_CLIENT_ID", why),
        partner_tenant_id=_required(env, "PARTNER_TENANT_ID", why),
        credential=_credential(env),
        customer_access=access,
        endpoints=Endpoints(
            authority_host=_https_url(env, "AZURE_AUTHORITY_HOST", Endpoints.authority_host),
            partner_center=_https_url(env, "PARTNER_CENTER_URL", Endpoints.partner_center),
            graph=_https_url(env, "GRAPH_URL", Endpoints.graph),
            management=_https_url(env, "AZURE_MANAGEMENT_URL", Endpoints.management),
        ),
        ca_bundle=Path(ca_bundle) if ca_bundle else None,
        token_cache_path=Path(env.get("TOKEN_CACHE_PATH", "").strip() or data_dir / "token-cache.bin"),
        token_cache_key=key,
        azure_subscriptions=_azure_subscriptions(env),
        azure_support_services=tuple(
            s.strip() for s in env.get("AZURE_SUPPORT_SERVICES", "").split(",") if s.strip()
        ),
        support_topics_path=Path(topics) if topics else None,
        azure_on_behalf_of=_choice(env, "AZURE_SUPPORT_ON_BEHALF_OF", "off", ("on", "off")) == "on",
    )


def _on_app_service_share(env: Mapping[str, str], data_dir: Path) -> bool:
    """Whether the data dir is on App Service's /home: one SMB share mounted by every instance (and the
    app's own directory, /home/site/wwwroot, is under it, so a relative BOT_DATA_DIR is too)."""
    on_app_service = bool(env.get("WEBSITE_INSTANCE_ID", "").strip())
    return on_app_service and Path.cwd().joinpath(data_dir).resolve().is_relative_to("/home")


def _blob_location(env: Mapping[str, str]) -> BlobLocation:
    """BOT_STORAGE=azureblob: a connection string, or an account URL reached with the managed identity."""
    container = env.get("AZURE_STORAGE_CONTAINER", "").strip() or "bot-state"
    if not re.fullmatch(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]", container):
        raise SettingsError(
            "AZURE_STORAGE_CONTAINER must be 3 to 63 lowercase letters, digits and single hyphens, "
            f"not {container!r}"
        )
    connection_string = env.get("AZURE_STORAGE_CONNECTION_STRING", "").strip()
    account_url = env.get("AZURE_STORAGE_ACCOUNT_URL", "").strip()
    if bool(connection_string) == bool(account_url):
        raise SettingsError(
            "BOT_STORAGE=azureblob needs exactly one of AZURE_STORAGE_CONNECTION_STRING and "
            "AZURE_STORAGE_ACCOUNT_URL (the latter with the app's managed identity)"
        )
    return BlobLocation(
        container=container,
        connection_string=connection_string,
        account_url=_https_url(env, "AZURE_STORAGE_ACCOUNT_URL", "") if account_url else "",
        managed_identity_client_id=env.get("AZURE_STORAGE_MANAGED_IDENTITY", "").strip(),
    )


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 3978
    app_id: str = ""
    app_password: str = field(default="", repr=False)
    app_type: str = "MultiTenant"
    app_tenant_id: str = ""
    backend: str = "demo"
    data_dir: Path = Path("data")
    max_body_bytes: int = 256 * 1024
    reply_budget_seconds: float = 4.0
    typing_delay_seconds: float = 2.0
    send_retry_seconds: float = 30.0
    connector_timeout_seconds: float = 15.0
    # A post's answer lost to a timeout leaves its fate unknown: it gets longer than an update.
    connector_create_timeout_seconds: float = 60.0
    drain_seconds: float = 20.0
    # A run whose heartbeat is this old is over (BOT_STORAGE=azureblob); it beats every third of it.
    instance_lease_seconds: float = 15.0
    # How often each instance looks for turns a stopped or dead run left unanswered.
    recovery_sweep_seconds: float = 30.0
    # What is kept how long, and how often the leader forgets the rest.
    retention: RetentionPeriods = RetentionPeriods()
    retention_interval_seconds: float = 3600.0
    watch_interval_seconds: float = 60.0
    demo_tick_seconds: float = 120.0
    notify_token: str = field(default="", repr=False)
    log_level: str = "INFO"
    live: LiveConfig | None = None
    # Where the Bot Connector publishes its token signing keys (a local double in tests).
    openid_metadata_url: str = CHANNEL_METADATA_URL
    access: AccessRules = AccessRules()
    # BOT_STORAGE=azureblob: where the state shared by several instances lives.
    blob: BlobLocation | None = None
    # Names this instance as a leaseholder (App Service's WEBSITE_INSTANCE_ID, else host and pid).
    instance_id: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    # Traces and metrics go to Application Insights only when this is set.
    telemetry_connection_string: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not self.app_id and not is_loopback_host(self.host):
            raise SettingsError(
                f"HOST={self.host} needs MicrosoftAppId: without it the bot runs unauthenticated, which is "
                "for local testing on a loopback address (127.0.0.1, ::1, localhost) only"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        app_id = env.get("MicrosoftAppId", "").strip()
        # Azure creates no multi-tenant bots since 31 July 2025: an app id is single-tenant unless told.
        # Without one (local testing) botbuilder's anonymous mode is its MultiTenant configuration.
        app_type = _choice(env, "MicrosoftAppType", "SingleTenant" if app_id else "MultiTenant", APP_TYPES)
        app_tenant_id = env.get("MicrosoftAppTenantId", "").strip()
        if (app_id or env.get("MicrosoftAppType", "").strip()) and app_type != "MultiTenant":
            if not (app_id and app_tenant_id):
                raise SettingsError(
                    f"MicrosoftAppType={app_type} needs MicrosoftAppId and MicrosoftAppTenantId"
                )
        if app_id and app_type != "UserAssignedMSI" and not env.get("MicrosoftAppPassword"):
            raise SettingsError(
                f"MicrosoftAppType={app_type} needs MicrosoftAppPassword "
                "(on Azure App Service, MicrosoftAppType=UserAssignedMSI needs none)"
            )
        backend = _choice(env, "BOT_BACKEND", "demo", BACKENDS)
        data_dir = Path(env.get("BOT_DATA_DIR", "").strip() or "data")
        storage = _choice(env, "BOT_STORAGE", "sqlite", STORAGES)
        if storage == "azureblob" and _on_app_service_share(env, data_dir):
            raise SettingsError(
                f"BOT_DATA_DIR={data_dir} is on App Service's /home, one network share for every instance, "
                "where SQLite's WAL can't work: with BOT_STORAGE=azureblob use local disk (/tmp/bot-data)"
            )
        instance = env.get("WEBSITE_INSTANCE_ID", "").strip() or f"{socket.gethostname()}-{os.getpid()}"
        return cls(
            host=env.get("HOST", "").strip() or "127.0.0.1",
            port=_integer(env, "PORT", 3978, 1, 65535),
            app_id=app_id,
            app_password=env.get("MicrosoftAppPassword", ""),
            app_type=app_type,
            app_tenant_id=app_tenant_id,
            backend=backend,
            data_dir=data_dir,
            max_body_bytes=_integer(env, "BOT_MAX_BODY_BYTES", 256 * 1024, 1024, 16 * 1024 * 1024),
            reply_budget_seconds=_number(env, "BOT_REPLY_BUDGET_SECONDS", 4.0, 0.0, 10.0),
            typing_delay_seconds=_number(env, "BOT_TYPING_DELAY_SECONDS", 2.0, 0.0, 10.0),
            send_retry_seconds=_number(env, "BOT_SEND_RETRY_SECONDS", 30.0, 0.0, 600.0),
            connector_timeout_seconds=_number(env, "BOT_CONNECTOR_TIMEOUT_SECONDS", 15.0, 1.0, 120.0),
            connector_create_timeout_seconds=_number(
                env, "BOT_CONNECTOR_CREATE_TIMEOUT_SECONDS", 60.0, 1.0, 300.0
            ),
            drain_seconds=_number(env, "BOT_DRAIN_SECONDS", 20.0, 0.0, 600.0),
            instance_lease_seconds=_number(env, "BOT_INSTANCE_LEASE_SECONDS", 15.0, 3.0, 600.0),
            recovery_sweep_seconds=_number(env, "BOT_RECOVERY_SWEEP_SECONDS", 30.0, 1.0, 3600.0),
            retention=RetentionPeriods(
                journal=timedelta(days=_number(env, "BOT_RETAIN_TURNS_DAYS", 2.0, 1.0, 365.0)),
                notices=timedelta(days=_number(env, "BOT_RETAIN_NOTICES_DAYS", 30.0, 1.0, 3650.0)),
                audit=timedelta(days=_number(env, "BOT_RETAIN_AUDIT_DAYS", 365.0, 1.0, 3650.0)),
            ),
            retention_interval_seconds=_number(env, "BOT_RETENTION_INTERVAL_SECONDS", 3600.0, 1.0, 86400.0),
            watch_interval_seconds=_number(env, "BOT_WATCH_INTERVAL_SECONDS", 60.0, 1.0, 86400.0),
            demo_tick_seconds=_number(env, "BOT_DEMO_TICK_SECONDS", 120.0, 0.0, 86400.0),
            notify_token=env.get("NOTIFY_TOKEN", "").strip(),
            log_level=_choice(env, "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
            live=_live_config(env, data_dir) if backend == "live" else None,
            openid_metadata_url=_https_url(env, "BOT_OPENID_METADATA_URL", CHANNEL_METADATA_URL),
            access=AccessRules(
                allowed_tenants=_id_list(env, "ALLOWED_TENANTS"),
                operators=_id_list(env, "BOT_OPERATORS"),
                operators_group=env.get("BOT_OPERATORS_GROUP", "").strip(),
                contact=env.get("BOT_ACCESS_CONTACT", "").strip(),
            ),
            blob=_blob_location(env) if storage == "azureblob" else None,
            instance_id=instance,
            telemetry_connection_string=env.get("APPLICATIONINSIGHTS_CONNECTION_STRING", "").strip(),
        )


class _BotFrameworkConfig:
    """The attribute names botbuilder's configuration classes read."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id


def create_backend(settings: Settings) -> Backend:
    """The live backend holds an HTTP session and MSAL's: the app's cleanup must `await backend.close()`."""
    if settings.backend == "live":
        if settings.live is None:
            raise SettingsError("BOT_BACKEND=live needs the live settings (see README, Live backends)")
        return LiveBackend(settings.live)
    return DemoBackend.load()


def build_notifications(
    database: SqliteDatabase,
    backend: Backend,
    clock: Callable[[], datetime],
    refresh: Callable[[], None],
    audit: AuditTrail,
    container: BlobContainer | None = None,
) -> Notifications:
    """The stores behind proactive notices, in the SQLite file or, given a container, on shared blobs;
    `refresh` asks the delivery loop to look at the outbox."""
    subscriptions: Subscriptions
    conversations: KnownConversations
    if container is None:
        subscriptions, conversations = SubscriptionStore(database), ConversationStore(database)
    else:
        subscriptions, conversations = BlobSubscriptionStore(container), BlobConversationStore(container)
    board = NoticeBoard(container or database, subscriptions, conversations)
    watcher = HealthWatcher(backend, subscriptions, board, clock)
    acknowledgements = NoticeAcknowledgements(board, conversations, backend, clock, refresh, audit)
    return Notifications(conversations, subscriptions, board, watcher, acknowledgements, clock, refresh)


def create_request_desk(
    database: SqliteDatabase,
    clock: Callable[[], datetime],
    backend: Backend,
    container: BlobContainer | None = None,
) -> ServiceRequestDesk:
    """The live desk beside the live backend (sharing its HTTP session and tokens), else the demo desk;
    what they record is on shared blobs, given a container."""
    if isinstance(backend, LiveBackend):
        topics = DATA_DIR / "supporttopics.json"
        ledger: EscalationLedger = (
            BlobEscalationLedger(container) if container else SqliteEscalationLedger(database)
        )
        return RetryingDesk(LiveServiceRequests.for_backend(backend, ledger, clock, topics))
    if container is not None:
        return RetryingDesk(BlobDemoServiceRequests.open(container, DATA_DIR, clock))
    return RetryingDesk(DemoServiceRequests.open(database, DATA_DIR, clock))


def doctor_main(environ: Mapping[str, str] | None = None) -> int:
    """`make doctor`: what works and what is missing for BOT_BACKEND=live, with the fix for each."""
    try:
        settings = Settings.from_env(load_environment(os.environ if environ is None else environ))
    except SettingsError as error:
        _stop(str(error))
    if settings.live is None:
        _stop("make doctor checks the live backend: set BOT_BACKEND=live and its settings")
    try:
        backend = LiveBackend(settings.live)
    except TokenCacheInUse as error:
        _stop(str(error))

    async def check() -> list[Check]:
        try:
            return await run_doctor(backend)
        finally:
            await backend.close()

    checks = asyncio.run(check())
    print(render(checks))
    return exit_code(checks)


def consent_main(environ: Mapping[str, str] | None = None) -> int:
    """`make consent`: a partner admin signs in once by device code (GDAP); the refresh token is stored
    in the encrypted token cache."""
    try:
        settings = Settings.from_env(load_environment(os.environ if environ is None else environ))
    except SettingsError as error:
        _stop(str(error))
    if settings.live is None or settings.live.customer_access is not CustomerAccess.GDAP:
        _stop("make consent is for BOT_BACKEND=live with CUSTOMER_ACCESS=gdap")
    try:
        tokens = MsalTokens(settings.live, for_consent=True)
    except TokenCacheInUse as error:
        print(f"Consent not started: {error}", file=sys.stderr)
        return 1
    try:
        prompt, wait = asyncio.run(tokens.start_consent())
        print(prompt.message, flush=True)
        result = wait()
    except TokenError as error:
        print(f"Consent failed: {error.error} {error.codes}", file=sys.stderr)
        return 1
    finally:
        tokens.close()
    if "access_token" not in result:
        print(f"Consent failed: {result.get('error')}: {result.get('error_description')}", file=sys.stderr)
        return 1
    print(f"Consent stored (encrypted) in {settings.live.token_cache_path}")
    return 0


def build_bot(
    storage: Storage,
    backend: Backend,
    clock: Callable[[], datetime],
    notifications: Notifications,
    *,
    desk: ServiceRequestDesk,
    audit: AuditRecords,
    access: AccessPolicy,
    turn_locks: ConversationLocks | None = None,
) -> SupportBot:
    """The bot with every flow wired in; tests build it on MemoryStorage."""
    conversations, subscriptions = notifications.conversations, notifications.subscriptions
    user_state = UserState(storage)
    language = user_state.create_property(LANGUAGE_PROPERTY)
    root = RootDialog(
        [
            HelpDialog(help_entries, backend, desk),
            LanguageDialog(language),
            CustomersDialog(backend),
            HealthDialog(backend),
            IncidentsDialog(backend, clock),
            IncidentDialog(backend, clock, notifications.board),
            OverviewDialog(backend, clock),
            SubscribeDialog(backend, subscriptions, conversations, notifications.watcher, clock, audit),
            SubscriptionsDialog(backend, subscriptions, conversations, clock),
            UnsubscribeDialog(backend, subscriptions, audit, clock),
            QuietDialog(conversations, clock, notifications.refresh, audit),
            NoticesDialog(backend, notifications.board, clock),
            EscalationDialog(backend, desk, clock, member_contact, audit),
            RequestsListDialog(backend, desk, clock),
            RequestDialog(desk, clock),
            NoteDialog(desk, clock, audit),
            LinkDialog(desk, clock, audit),
            AuditDialog(audit, clock),
        ],
        command=recognised_command,
        typed=command_text,
        complete=lambda text: complete_command(text, backend),
    )
    return SupportBot(
        ConversationState(storage),
        user_state,
        root,
        notifications,
        access,
        dialog_state=PrivateConversationState(storage),
        language=language,
        turn_locks=turn_locks,
    )


def create_app(
    settings: Settings,
    *,
    backend: Backend | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    channel_credentials: Any = None,
    wall_clock: Callable[[], float] = time.time,
) -> web.Application:
    """Raises StorageError when the data directory or database can't be used.

    `channel_credentials` replaces the MSAL credentials factory of outbound calls (tests); `wall_clock`
    is what heartbeats are stamped with (a test stops it to play a killed instance)."""
    apply_framework_patches()
    database = SqliteDatabase(settings.data_dir / "bot-state.sqlite3")
    # BOT_STORAGE=azureblob puts every store several instances share on blobs (see README, Running
    # several instances); the SQLite file then holds nothing another instance needs.
    container = BlobContainer(settings.blob) if settings.blob else None
    documents: DocumentStore = BlobDocumentStore(container) if container else SqliteDocumentStore(database)
    # This run: the instance and this start of its process. Turns it accepts are its own while it beats.
    run = f"{settings.instance_id}/{uuid.uuid4().hex[:8]}"
    journal: ActivityJournal = BlobTurnJournal(container, run) if container else TurnJournal(database, run)
    heartbeats: Heartbeats = (
        BlobHeartbeats(container, run, timedelta(seconds=settings.instance_lease_seconds), wall_clock)
        if container
        else LocalHeartbeats(run)
    )
    backend = backend or create_backend(settings)
    desk = create_request_desk(database, clock, backend, container)
    config = _BotFrameworkConfig(settings)
    authorization = ChannelAuthorization(config, channel_credentials)
    timeouts = ConnectorTimeouts(
        read_seconds=settings.connector_timeout_seconds,
        create_read_seconds=settings.connector_create_timeout_seconds,
    )
    connector = Connector(
        authorization,
        RetryPolicy(total_seconds=settings.send_retry_seconds),
        timeouts,
    )
    audit: AuditRecords = BlobAuditLog(container) if container else AuditLog(database)
    groups: GroupMembership = NoGroupLookup() if isinstance(backend, LiveBackend) else DemoGroupMembership()
    access = AccessPolicy(settings.access, groups, audit)
    notifications = build_notifications(database, backend, clock, lambda: delivery.wake(), audit, container)
    board = notifications.board
    delivery = NoticeDelivery(
        connector,
        board,
        notifications.conversations,
        backend,
        clock,
        allowed_tenants=settings.access.allowed_tenants,
        holder=settings.instance_id,
        # A claim outlasts a send with every retry and timeout (a post, or an update and its thread reply);
        # then it is taken for abandoned.
        claim_for=timedelta(seconds=settings.send_retry_seconds + timeouts.longest_send_seconds + 15),
    )
    storage = DocumentStorage(documents)
    turn_locks = ConversationLocks(BlobConversationLeases(container)) if container else None
    bot = build_bot(
        storage, backend, clock, notifications, desk=desk, audit=audit, access=access, turn_locks=turn_locks
    )
    sdk_authentication = ConfigurationBotFrameworkAuthentication(config)
    adapter = SupportAdapter(sdk_authentication, connector)
    keys = SigningKeys(settings.openid_metadata_url)
    authentication = InboundAuthentication(settings.app_id, sdk_authentication, keys)
    adapter.on_turn_error = report_turn_error
    adapter.use(TypingIndicator(delay=settings.typing_delay_seconds))
    runner = TurnRunner(
        adapter,
        bot,
        journal,
        report_turn_error,
        settings.reply_budget_seconds,
        clock,
        allowed_tenants=settings.access.allowed_tenants,
        heartbeats=heartbeats,
        storage=storage,
    )
    watcher = notifications.watcher
    world = DemoWorld(backend, clock) if isinstance(backend, DemoBackend) else None

    async def take(body: object) -> int:
        heard = await take_event(backend, board, body, clock())
        delivery.wake()
        return heard

    async def tick() -> dict[str, object]:
        assert world is not None
        step = await world.tick()
        report = await watcher.poll_once()
        delivery.wake()
        return {
            "step": step.step,
            "changes": [c.incident_id for c in step.changes],
            "notices": len(report.notices),
        }

    app = web.Application(middlewares=[error_middleware], client_max_size=settings.max_body_bytes)
    lifetime = Lifetime()
    app[LIFETIME] = lifetime
    app[BOT] = bot
    app[ADAPTER] = adapter
    app[RUNNER] = runner
    app[WATCHER] = watcher
    app[DELIVERY] = delivery
    app[SIGNING_KEYS] = keys
    app[ACCESS] = access
    app.router.add_post("/api/messages", messages_route(runner, settings.max_body_bytes, authentication))
    app.router.add_post("/api/notify", notify_route(settings.notify_token, take, settings.max_body_bytes))
    if world is not None:
        app.router.add_post("/api/demo/tick", demo_tick_route(settings.notify_token, tick))
    app.router.add_get("/healthz", healthz_route(VERSION, backend.name))
    readiness: dict[str, ReadinessCheck] = {"storage": database.problem}
    if container is not None:
        readiness["blob_storage"] = container.problem
    app.router.add_get("/readyz", readyz_route(readiness))
    leadership = Leadership(container, "notices", settings.instance_id) if container else None
    if leadership is not None:
        app[LEADERSHIP] = leadership

    retention = Retention(journal, board, audit, settings.retention, clock)

    async def lead_notices() -> None:
        """The watcher, the outbox and retention: on every instance with SQLite, on the leader only with
        blobs."""
        await asyncio.gather(
            delivery.run(),
            watcher.run(settings.watch_interval_seconds, delivery.wake),
            _every(settings.retention_interval_seconds, retention.forget, "retention"),
        )

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        if container is not None:
            await container.open()
        # Alive before serving, so no sweep elsewhere takes this run's first turns for abandoned ones.
        await heartbeats.beat()
        await runner.recover()
        loops = [
            asyncio.ensure_future(leadership.run(lead_notices) if leadership else lead_notices()),
            asyncio.ensure_future(keys.run(prefetch=bool(settings.app_id))),
            asyncio.ensure_future(_every(settings.recovery_sweep_seconds, runner.sweep, "recovery sweep")),
        ]
        if heartbeats.interval:
            loops.append(asyncio.ensure_future(_every(heartbeats.interval, heartbeats.beat, "heartbeat")))
        if world is not None and settings.demo_tick_seconds:
            loops.append(asyncio.ensure_future(_every(settings.demo_tick_seconds, tick, "demo tick")))
        yield
        # Sends on their way get their answer (no shutdown cuts a post whose fate would then be unknown).
        await delivery.close(timeouts.longest_call_seconds + 1)
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        drained, cut_off = await runner.drain(settings.drain_seconds)
        if lifetime.served:
            logging.getLogger("bot.shutdown").log(
                logging.WARNING if cut_off else logging.INFO,
                "shutdown turns drained=%d cut_off=%d drain_seconds=%g",
                drained,
                cut_off,
                settings.drain_seconds,
            )
        try:
            # What the drain cut off is any instance's to answer at once, not after the heartbeat lapses.
            await asyncio.wait_for(heartbeats.stop(), 5)
        except Exception as error:  # noqa: BLE001 - it lapses on its own
            logging.getLogger("bot.startup").warning("heartbeat not removed error=%s", type(error).__name__)
        await connector.close()
        await keys.close()
        authorization.close()
        if isinstance(backend, LiveBackend):
            await backend.close()
        if container is not None:
            await container.close()
        database.close()

    app.cleanup_ctx.append(lifecycle)
    return app


async def _every(seconds: float, step: Callable[[], Awaitable[object]], what: str) -> None:
    """A background duty run every `seconds` for as long as the app runs (the demo world moving on its
    own, heartbeats, recovery sweeps); one failure is logged and the next round tries again."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await step()
        except Exception as error:  # noqa: BLE001 - the duty must keep going
            logging.getLogger("bot.background").error("%s failed error=%s", what, type(error).__name__)


def load_environment(environ: Mapping[str, str], dotenv: Path = Path(".env")) -> dict[str, str]:
    """`.env` values, overridden by the real environment."""
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None} if dotenv.is_file() else {}
    return {**values, **environ}


def _stop(message: str) -> NoReturn:
    print(f"Configuration error: {message}", file=sys.stderr)
    raise SystemExit(2)


def settle_heap() -> None:
    """Keep what start-up built (modules, the demo world, cards' models) out of every later collection.

    CPython's full collections walk every tracked object; after start-up that is mostly what lives as long
    as the process, so each one paused all conversations for tens of milliseconds and cost about a fifth
    of a turn's CPU (`make bench`: p99 at 20 conversations about 130 ms with them, about 65 ms without).
    Collecting first means no start-up garbage is kept for good. Only the served process does this, not
    `create_app`, which tests call many times in one process."""
    gc.collect()
    gc.freeze()


def main() -> None:
    try:
        settings = Settings.from_env(load_environment(os.environ))
    except SettingsError as error:
        _stop(str(error))
    configure_logging(settings.log_level)
    if start_telemetry(settings.telemetry_connection_string):
        logging.getLogger("bot.startup").info("telemetry to Azure Monitor: on")
    try:
        app = create_app(settings)
    except StorageError as error:
        _stop(f"BOT_DATA_DIR={settings.data_dir}: {error}")
    except TokenCacheInUse as error:
        _stop(str(error))
    settle_heap()
    app[LIFETIME].served = False

    def serving(_: str) -> None:
        # aiohttp calls this once the socket is bound, so the line is only written when it is true.
        app[LIFETIME].served = True
        logging.getLogger("bot.startup").info(
            "serving http://%s:%d/api/messages backend=%s auth=%s",
            settings.host,
            settings.port,
            settings.backend,
            "on" if settings.app_id else "off (local testing only)",
        )
        if not settings.app_id:
            logging.getLogger("bot.startup").warning(ANONYMOUS_MODE)
        if settings.access.everyone_operates:
            logging.getLogger("bot.startup").warning(EVERYONE_OPERATES)
        if not settings.access.allowed_tenants:
            logging.getLogger("bot.startup").info("ALLOWED_TENANTS is not set: every tenant may use the bot")

    try:
        web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=serving)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        _stop(f"can't listen on HOST={settings.host} PORT={settings.port}: {reason.lower()}")


if __name__ == "__main__":
    main()
