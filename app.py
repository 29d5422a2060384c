"""Composition root: settings -> storage -> backend -> dialogs -> bot -> routes.

It builds and wires; what it is built from comes from settings.py, which reads the environment. `python
app.py` serves the bot; `create_app(settings)` is what tests run.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from botbuilder.core import ConversationState, PrivateConversationState, Storage, UserState
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

from bot.edge.http import (
    ReadinessCheck,
    demo_tick_route,
    error_middleware,
    healthz_route,
    messages_route,
    notify_route,
    readyz_route,
)
from bot.edge.inbound_auth import InboundAuthentication, SigningKeys
from bot.edge.log_redaction import configure_logging
from bot.outbound.adapter import ChannelAuthorization, SupportAdapter
from bot.outbound.connector import Connector, ConnectorTimeouts, RetryPolicy
from bot.outbound.conversation_locks import ConversationLocks
from bot.outbound.framework_patches import apply_framework_patches
from bot.outbound.notice_delivery import NoticeDelivery
from bot.turn.access import AccessPolicy
from bot.turn.acknowledgements import NoticeAcknowledgements
from bot.turn.commands import HELP_DIALOG, DialogNeeds, command_dialogs
from bot.turn.compose_extension import ComposeExtension
from bot.turn.errors import report_turn_error
from bot.turn.handler import Notifications, SupportBot
from bot.turn.mentions import command_text
from bot.turn.routing import complete_command, page_route, recognised_command
from bot.turn.state_storage import DocumentStorage
from bot.turn.turns import TurnRunner
from bot.turn.typing_indicator import TypingIndicator
from dialogs.compose_search import ComposeSearch
from dialogs.language import LANGUAGE_PROPERTY
from dialogs.root import RootDialog
from services.backends.demo.backend import DATA_DIR, DemoBackend
from services.backends.demo.operators import DemoGroupMembership
from services.backends.demo.service_requests import DemoServiceRequests
from services.backends.demo.world import DemoWorld
from services.backends.live.backend import LiveBackend
from services.backends.live.escalation_ledger import EscalationLedger
from services.backends.live.operators import NoGroupLookup
from services.backends.live.service_requests import LiveServiceRequests
from services.backends.retrying_desk import RetryingDesk
from services.backends.tokens import TokenCacheInUse
from services.domain.ports import (
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
from services.instances.conversation_leases import BlobConversationLeases
from services.instances.instance_heartbeats import BlobHeartbeats, LocalHeartbeats
from services.instances.leadership import Leadership
from services.instances.turn_journal import TurnJournal
from services.notices.conversations import ConversationStore
from services.notices.notice_board import NoticeBoard
from services.notices.notify_events import take_event
from services.notices.subscriptions import SubscriptionStore
from services.notices.watcher import HealthWatcher
from services.storage.audit_log import AuditLog
from services.storage.blob_container import BlobContainer
from services.storage.document_store import BotStateDocuments
from services.storage.retention import Retention
from services.storage.sqlite_database import SqliteDatabase, StorageError
from services.telemetry import start_telemetry
from settings import Settings, SettingsError, settings_from_environment, stop

VERSION = "0.1.0"

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
    subscriptions: Subscriptions = SubscriptionStore(container or database)
    conversations: KnownConversations = ConversationStore(container or database)
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
        ledger = EscalationLedger(container or database)
        return RetryingDesk(LiveServiceRequests.for_backend(backend, ledger, clock, topics))
    return RetryingDesk(DemoServiceRequests.open(container or database, DATA_DIR, clock))


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
    user_state = UserState(storage)
    language = user_state.create_property(LANGUAGE_PROPERTY)
    needs = DialogNeeds(backend, desk, clock, audit, notifications, language)
    root = RootDialog(
        command_dialogs(needs),
        command=recognised_command,
        typed=command_text,
        complete=lambda text: complete_command(text, backend),
        page=page_route,
        help_id=HELP_DIALOG,
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
        compose=ComposeExtension(ComposeSearch(needs.backend, needs.desk, needs.clock)),
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
    documents: DocumentStore = BotStateDocuments(container or database)
    # This run: the instance and this start of its process. Turns it accepts are its own while it beats.
    run = f"{settings.instance_id}/{uuid.uuid4().hex[:8]}"
    journal: ActivityJournal = TurnJournal(container or database, run)
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
    audit: AuditRecords = AuditLog(container or database)
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
    tick = (
        demo_tick(DemoWorld(backend, clock), watcher, delivery) if isinstance(backend, DemoBackend) else None
    )

    async def take(body: object) -> int:
        heard = await take_event(backend, board, body, clock())
        delivery.wake()
        return heard

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
    if tick is not None:
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
        if tick is not None and settings.demo_tick_seconds:
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


def demo_tick(
    world: DemoWorld, watcher: HealthWatcher, delivery: NoticeDelivery
) -> Callable[[], Awaitable[dict[str, object]]]:
    """One step of the demo world, then a watcher poll and the outbox: `POST /api/demo/tick` and the demo
    loop; only a demo backend has a world to move."""

    async def tick() -> dict[str, object]:
        step = await world.tick()
        report = await watcher.poll_once()
        delivery.wake()
        return {
            "step": step.step,
            "changes": [c.incident_id for c in step.changes],
            "notices": len(report.notices),
        }

    return tick


async def _every(seconds: float, step: Callable[[], Awaitable[object]], what: str) -> None:
    """A background duty run every `seconds` for as long as the app runs (the demo world moving on its
    own, heartbeats, recovery sweeps); one failure is logged and the next round tries again."""
    while True:
        await asyncio.sleep(seconds)
        try:
            await step()
        except Exception as error:  # noqa: BLE001 - the duty must keep going
            logging.getLogger("bot.background").error("%s failed error=%s", what, type(error).__name__)


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
    settings = settings_from_environment()
    configure_logging(settings.log_level)
    if start_telemetry(settings.telemetry_connection_string):
        logging.getLogger("bot.startup").info("telemetry to Azure Monitor: on")
    try:
        app = create_app(settings)
    except StorageError as error:
        stop(f"BOT_DATA_DIR={settings.data_dir}: {error}")
    except TokenCacheInUse as error:
        stop(str(error))
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
        stop(f"can't listen on HOST={settings.host} PORT={settings.port}: {reason.lower()}")


if __name__ == "__main__":
    main()
