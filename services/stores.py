"""Every store the bot keeps, built once for BOT_STORAGE: the one place that chooses SQLite or blobs.

With SQLite one process has the file to itself: only its own run is alive, its conversations need no
lease and it leads the notices alone. With blobs several instances share the container: runs beat,
turns hold a lease on their conversation, and one instance at a time leads the notices. Each store
opened on an SQLite file written by an earlier release moves that release's tables into records once
(its module's `migrate_<table>_rows`), whoever opens it: the bundle or an upgrade test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from services.domain.ports import (
    ActivityJournal,
    AuditRecords,
    CustomerOwners,
    DocumentStore,
    Heartbeats,
    KnownConversations,
    Subscriptions,
)
from services.instances.conversation_leases import BlobConversationLeases
from services.instances.instance_heartbeats import BlobHeartbeats, LocalHeartbeats
from services.instances.leadership import Leadership
from services.instances.turn_journal import TurnJournal
from services.notices.conversations import ConversationStore
from services.notices.notice_board import NoticeBoard
from services.notices.owners import OwnerStore
from services.notices.subscriptions import SubscriptionStore
from services.storage.audit_log import AuditLog
from services.storage.blob_container import BlobContainer
from services.storage.document_store import BotStateDocuments
from services.storage.places import Place
from services.storage.sqlite_database import SqliteDatabase


@dataclass(frozen=True)
class Stores:
    """The stores of one run, all in one place; `open()` before serving, `close()` after."""

    # Where the desks keep what they record (the demo desk's requests, the live desk's ledger).
    place: Place
    documents: DocumentStore
    journal: ActivityJournal
    heartbeats: Heartbeats
    audit: AuditRecords
    subscriptions: Subscriptions
    conversations: KnownConversations
    board: NoticeBoard
    # Who looks after which customer (mentioned on its notices).
    owners: CustomerOwners
    # Blobs only: a turn holds its conversation's lease, and one instance leads the notices.
    conversation_leases: BlobConversationLeases | None
    leadership: Leadership | None
    # What /readyz asks of each place (None when it can be used, else why not).
    readiness: Mapping[str, Callable[[], Awaitable[str | None]]]
    database: SqliteDatabase = field(repr=False)
    container: BlobContainer | None = field(default=None, repr=False)

    async def open(self) -> None:
        if self.container is not None:
            await self.container.open()

    async def close(self) -> None:
        if self.container is not None:
            await self.container.close()
        self.database.close()


def open_sqlite_stores(database: SqliteDatabase, run: str) -> Stores:
    """Everything in the SQLite file, for one process; `run` names this start of it in what it accepts."""
    subscriptions = SubscriptionStore(database)
    conversations = ConversationStore(database)
    return Stores(
        place=database,
        documents=BotStateDocuments(database),
        journal=TurnJournal(database, run),
        heartbeats=LocalHeartbeats(run),
        audit=AuditLog(database),
        subscriptions=subscriptions,
        conversations=conversations,
        board=NoticeBoard(database, subscriptions, conversations),
        owners=OwnerStore(database),
        conversation_leases=None,
        leadership=None,
        readiness={"storage": database.problem},
        database=database,
    )


def open_blob_stores(
    database: SqliteDatabase,
    container: BlobContainer,
    run: str,
    *,
    holder: str,
    lease: timedelta,
    wall_clock: Callable[[], float],
) -> Stores:
    """Everything several instances share, in the blob container: `holder` names this instance as the
    notices' leader, `lease` is how long a run's heartbeat lasts, stamped by `wall_clock`. The SQLite
    file then holds nothing another instance needs; it is still checked by /readyz and closed."""
    subscriptions = SubscriptionStore(container)
    conversations = ConversationStore(container)
    return Stores(
        place=container,
        documents=BotStateDocuments(container),
        journal=TurnJournal(container, run),
        heartbeats=BlobHeartbeats(container, run, lease, wall_clock),
        audit=AuditLog(container),
        subscriptions=subscriptions,
        conversations=conversations,
        board=NoticeBoard(container, subscriptions, conversations),
        owners=OwnerStore(container),
        conversation_leases=BlobConversationLeases(container),
        leadership=Leadership(container, "notices", holder),
        readiness={"storage": database.problem, "blob_storage": container.problem},
        database=database,
        container=container,
    )
