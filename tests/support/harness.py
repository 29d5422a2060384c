"""Drive the real bot (every dialog, routing, state) through botbuilder's TestAdapter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botbuilder.core import MemoryStorage, Storage
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    Entity,
)

from bot.turn.access import AccessPolicy, AccessRules
from bot.turn.assembly import build_bot, build_notifications
from bot.turn.errors import report_turn_error
from chatclient.card_text import Button
from services.backends.choice import backends_around
from services.backends.demo.backend import DemoBackend
from services.backends.demo.operators import DemoGroupMembership
from services.domain.ports import Backend, ServiceRequestDesk
from services.storage.sqlite_database import SqliteDatabase
from services.stores import open_sqlite_stores

# The demo dataset's asOf: with the clock here, demo timestamps are exactly as written in the files.
DEMO_NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BOT = ChannelAccount(id="28:support-bot", name="Support Bot")
USER = ChannelAccount(id="29:ana", name="Ana Bowman")


def demo_backend() -> DemoBackend:
    return DemoBackend.load(now=lambda: DEMO_NOW)


def default_backend() -> Backend:
    """The backend a bot gets when a test names none: the demo, or (under the `each_backend` fixture)
    the live backend against the https doubles serving the same dataset."""
    return demo_backend()


class BotHarness:
    def __init__(
        self,
        storage: Storage | None = None,
        backend: Backend | None = None,
        conversation_id: str = "19:support@thread.tacv2",
        desk: ServiceRequestDesk | None = None,
        database: SqliteDatabase | None = None,
        clock: Callable[[], datetime] = lambda: DEMO_NOW,
        access: AccessRules | None = None,
        locale: str | None = None,
        time_zone: str | None = None,
    ) -> None:
        """`locale`, `time_zone`: what the person's Teams client sends (`ko-KR`, `Asia/Seoul`)."""
        self.locale = locale
        self.time_zone = time_zone
        self.storage = storage or MemoryStorage()
        backend = backend or default_backend()
        self.database = database or SqliteDatabase(Path(":memory:"))
        stores = open_sqlite_stores(self.database, "harness")
        self.desk = desk or backends_around(backend, self.database, clock).desk
        self.audit = stores.audit
        self.access = AccessPolicy(access or AccessRules(), DemoGroupMembership(), self.audit)
        self.notifications = build_notifications(stores, backend, clock, lambda: None)
        self.bot = build_bot(
            self.storage,
            backend,
            clock,
            self.notifications,
            desk=self.desk,
            audit=self.audit,
            access=self.access,
        )
        template = Activity(
            channel_id="msteams",
            service_url="https://smba.example.test/amer/",
            from_property=USER,
            recipient=BOT,
            conversation=ConversationAccount(id=conversation_id, conversation_type="channel", is_group=True),
        )
        self.adapter = TestAdapter(self.bot.on_turn, template)
        self.adapter.on_turn_error = report_turn_error

    async def receive(self, activity: Activity) -> list[Activity]:
        """Every message the bot sent in answer (typing indicators left out)."""
        activity.locale = activity.locale or self.locale
        if self.time_zone:
            activity.local_timezone = self.time_zone
            client = {"type": "clientInfo", "locale": self.locale, "timezone": self.time_zone}
            # As botbuilder reads Teams' JSON: the entity's other fields in additional_properties.
            info = Entity().deserialize(client)
            info.additional_properties = {k: v for k, v in client.items() if k != "type"}
            activity.entities = [*(activity.entities or []), info]
        before = len(self.adapter.activity_buffer)
        await self.adapter.receive_activity(activity)
        sent = self.adapter.activity_buffer[before:]
        del self.adapter.activity_buffer[before:]
        return [a for a in sent if a.type == ActivityTypes.message]

    async def say(self, text: str, mention: bool = False) -> list[Activity]:
        entities = None
        if mention:
            tag = f"<at>{BOT.name}</at>"
            text = f"{tag} {text}"
            mentioned = {"type": "mention", "mentioned": {"id": BOT.id, "name": BOT.name}, "text": tag}
            entities = [Entity().deserialize(mentioned)]
        return await self.receive(Activity(type=ActivityTypes.message, text=text, entities=entities))

    async def press(self, button: Button) -> list[Activity]:
        return await self.receive(Activity(type=ActivityTypes.message, value=button.action.get("data")))

    async def submit(self, value: Any) -> list[Activity]:
        return await self.receive(Activity(type=ActivityTypes.message, value=value))

    async def one(self, text: str, mention: bool = False) -> Activity:
        replies = await self.say(text, mention)
        assert len(replies) == 1, f"expected one reply, got {len(replies)}"
        return replies[0]
