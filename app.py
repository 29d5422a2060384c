"""Composition root: settings -> storage -> backend -> dialogs -> bot -> routes.

It builds and wires; what it is built from comes from settings.py, which reads the environment. `python
app.py` serves the bot; `create_app(settings)` is what tests run.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

from bot.edge.http import (
    demo_tick_route,
    error_middleware,
    healthz_route,
    messages_route,
    notify_route,
    readyz_route,
)
from bot.edge.inbound_auth import InboundAuthentication, SigningKeys
from bot.edge.log_redaction import configure_logging
from bot.edge.serving import Lifetime, announce_serving, demo_tick, every, settle_heap
from bot.edge.tab import TabSite, board_cache
from bot.edge.tab_auth import TabTokens, entra_metadata_url
from bot.outbound.adapter import BotFrameworkConfig, ChannelAuthorization, SupportAdapter
from bot.outbound.connector import Connector, ConnectorTimeouts, RetryPolicy
from bot.outbound.conversation_locks import ConversationLocks
from bot.outbound.framework_patches import apply_framework_patches
from bot.outbound.notice_delivery import NoticeDelivery
from bot.outbound.weekly_changes_delivery import WeeklyChangesDelivery
from bot.turn.access import AccessPolicy
from bot.turn.assembly import build_bot, build_notifications
from bot.turn.errors import report_turn_error
from bot.turn.handler import SupportBot
from bot.turn.sign_in import open_sign_in
from bot.turn.state_storage import DocumentStorage
from bot.turn.turns import TurnRunner
from bot.turn.typing_indicator import TypingIndicator
from services.access.people import open_people_access
from services.access.scoped import ScopedBackend, ScopedDesk
from services.backends.choice import backends_around, open_backends
from services.backends.tokens import TokenCacheInUse
from services.domain.ports import Backend, PeopleAccess
from services.instances.leadership import Leadership
from services.notices.notify_events import take_event
from services.notices.watcher import HealthWatcher
from services.storage.blob_container import BlobContainer
from services.storage.retention import Retention
from services.storage.sqlite_database import SqliteDatabase, StorageError
from services.stores import open_blob_stores, open_sqlite_stores
from services.telemetry import start_telemetry
from settings import Settings, settings_from_environment, stop

VERSION = "0.1.0"

BOT = web.AppKey("bot", SupportBot)
ADAPTER = web.AppKey("adapter", SupportAdapter)
RUNNER = web.AppKey("runner", TurnRunner)
# How often the leader looks for weekly message center digests due (they go out on the hour).
WEEKLY_ROUND_SECONDS = 60.0
WEEKLY = web.AppKey("weekly_changes", WeeklyChangesDelivery)
WATCHER = web.AppKey("watcher", HealthWatcher)
DELIVERY = web.AppKey("delivery", NoticeDelivery)
LEADERSHIP = web.AppKey("leadership", Leadership)
SIGNING_KEYS = web.AppKey("signing_keys", SigningKeys)
ACCESS = web.AppKey("access", AccessPolicy)
LIFETIME = web.AppKey("lifetime", Lifetime)


def create_app(
    settings: Settings,
    *,
    backend: Backend | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    channel_credentials: Any = None,
    wall_clock: Callable[[], float] = time.time,
    people: PeopleAccess | None = None,
) -> web.Application:
    """Raises StorageError when the data directory or database can't be used.

    `channel_credentials` replaces the MSAL credentials factory of outbound calls (tests); `wall_clock`
    is what heartbeats are stamped with (a test stops it to play a killed instance); `people` what each
    person may reach (BOT_ACCESS; none: everyone reaches everything)."""
    apply_framework_patches()
    database = SqliteDatabase(settings.data_dir / "bot-state.sqlite3")
    # This run: the instance and this start of its process. Turns it accepts are its own while it beats.
    run = f"{settings.instance_id}/{uuid.uuid4().hex[:8]}"
    # BOT_STORAGE=azureblob puts every store several instances share on blobs (see README, Running
    # several instances); the SQLite file then holds nothing another instance needs.
    stores = (
        open_blob_stores(
            database,
            BlobContainer(settings.blob),
            run,
            holder=settings.instance_id,
            lease=timedelta(seconds=settings.instance_lease_seconds),
            wall_clock=wall_clock,
        )
        if settings.blob
        else open_sqlite_stores(database, run)
    )
    # Tests pass their own backend (the demo at a fixed moment, the live one against the doubles, ...).
    backends = (
        backends_around(backend, stores.place, clock)
        if backend is not None
        else open_backends(settings.live, stores.place, clock)
    )
    backend, desk = backends.backend, backends.desk
    # What each person may reach (BOT_ACCESS): GDAP read from the backend's directory, or everything.
    people = people or open_people_access(
        settings.people_access, backends.directory, clock, settings.access_cache_seconds
    )
    config = BotFrameworkConfig(
        settings.app_id, settings.app_password, settings.app_type, settings.app_tenant_id
    )
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
    audit = stores.audit
    access = AccessPolicy(settings.access, backends.groups, audit)
    notifications = build_notifications(
        stores,
        backend,
        clock,
        lambda: delivery.wake(),
        timedelta(days=settings.changes_act_by_days),
    )
    board = notifications.board
    delivery = NoticeDelivery(
        connector,
        board,
        notifications.conversations,
        backend,
        clock,
        allowed_tenants=settings.access.allowed_tenants,
        holder=settings.instance_id,
        owners=stores.owners,
        # A claim outlasts a send with every retry and timeout (a post, or an update and its thread reply);
        # then it is taken for abandoned.
        claim_for=timedelta(seconds=settings.send_retry_seconds + timeouts.longest_send_seconds + 15),
    )
    storage = DocumentStorage(stores.documents)
    leases = stores.conversation_leases
    turn_locks = ConversationLocks(leases) if leases else None
    bot = build_bot(
        storage,
        backend,
        clock,
        notifications,
        desk=desk,
        audit=audit,
        access=access,
        turn_locks=turn_locks,
        people=people,
    )
    # Teams SSO, off unless BOT_SSO_CONNECTION is set (bot/turn/sign_in.py).
    bot.sign_in = open_sign_in(
        settings.sso_connection,
        settings.token_service_url,
        settings.app_id,
        authorization,
        stores.place,
        clock,
        backends.forget_person,
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
        stores.journal,
        report_turn_error,
        settings.reply_budget_seconds,
        clock,
        allowed_tenants=settings.access.allowed_tenants,
        heartbeats=stores.heartbeats,
        storage=storage,
    )
    watcher = notifications.watcher
    tick = demo_tick(backends.world, watcher, delivery) if backends.world else None

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
    # The overview tab (Teams tab SSO, the same app registration): customers as each person sees them.
    tab_keys = SigningKeys(entra_metadata_url(settings.entra_authority_host, settings.app_tenant_id))
    tab_tenants = settings.access.allowed_tenants or frozenset({settings.app_tenant_id} - {""})
    contact = settings.access.contact
    TabSite(
        TabTokens(settings.app_id, settings.tab_domain, settings.entra_authority_host, tab_tenants, tab_keys),
        people,
        ScopedBackend(backend, clock, contact),
        ScopedDesk(desk, backend, clock, contact),
        clock,
        settings.tab_poll_seconds,
        settings.tab_host_origins,
        board_cache(settings.tab_board_seconds, wall_clock),
    ).add_routes(app)
    app.router.add_get("/readyz", readyz_route(stores.readiness))
    leadership = stores.leadership
    if leadership is not None:
        app[LEADERSHIP] = leadership

    weekly_changes = WeeklyChangesDelivery(
        delivery,
        notifications.weekly_changes,
        notifications.subscriptions,
        board,
        notifications.message_center,
        notifications.conversations,
        backend,
        clock,
        timedelta(days=settings.changes_act_by_days),
    )
    app[WEEKLY] = weekly_changes
    sso_rounds = [bot.sign_in.forget_expired] if bot.sign_in is not None else []
    retention = Retention(stores.journal, board, audit, settings.retention, clock, also=sso_rounds)

    async def lead_notices() -> None:
        """The watcher, the outbox and retention: on every instance with SQLite, on the leader only with
        blobs."""
        await asyncio.gather(
            delivery.run(),
            watcher.run(settings.watch_interval_seconds, delivery.wake),
            every(settings.retention_interval_seconds, retention.forget, "retention"),
            every(WEEKLY_ROUND_SECONDS, weekly_changes.post_due, "weekly changes"),
        )

    heartbeats = stores.heartbeats

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await stores.open()
        # Alive before serving, so no sweep elsewhere takes this run's first turns for abandoned ones.
        await heartbeats.beat()
        await runner.recover()
        loops = [
            asyncio.ensure_future(leadership.run(lead_notices) if leadership else lead_notices()),
            asyncio.ensure_future(keys.run(prefetch=bool(settings.app_id))),
            asyncio.ensure_future(tab_keys.run(prefetch=bool(settings.app_id and settings.tab_domain))),
            asyncio.ensure_future(every(settings.recovery_sweep_seconds, runner.sweep, "recovery sweep")),
        ]
        if heartbeats.interval:
            loops.append(asyncio.ensure_future(every(heartbeats.interval, heartbeats.beat, "heartbeat")))
        if tick is not None and settings.demo_tick_seconds:
            loops.append(asyncio.ensure_future(every(settings.demo_tick_seconds, tick, "demo tick")))
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
        if bot.sign_in is not None:
            await bot.sign_in.close()
        await keys.close()
        await tab_keys.close()
        authorization.close()
        await backends.close()
        await stores.close()

    app.cleanup_ctx.append(lifecycle)
    return app


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
        # aiohttp calls this once the socket is bound, so the lines are only written when they are true.
        app[LIFETIME].served = True
        announce_serving(
            settings.host, settings.port, settings.backend, bool(settings.app_id), settings.access
        )

    try:
        web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=serving)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        stop(f"can't listen on HOST={settings.host} PORT={settings.port}: {reason.lower()}")


if __name__ == "__main__":
    main()
