"""The bot put together: every command's dialog under the root dialog, and the notices' side of the
handler, over the stores the app opened (tests build both on an in-memory SQLite file)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from botbuilder.core import ConversationState, PrivateConversationState, Storage, UserState

from bot.outbound.conversation_locks import ConversationLocks
from bot.turn.access import AccessPolicy
from bot.turn.acknowledgements import NoticeAcknowledgements
from bot.turn.commands import HELP_DIALOG, command_dialogs, scoped_needs
from bot.turn.compose_extension import ComposeExtension
from bot.turn.handler import Notifications, SupportBot
from bot.turn.mentions import command_text
from bot.turn.routing import complete_command, page_route, recognised_command
from dialogs.compose_search import ComposeSearch
from dialogs.language import LANGUAGE_PROPERTY
from dialogs.root import RootDialog
from services.domain.ports import AuditRecords, Backend, PeopleAccess, ServiceRequestDesk
from services.notices.message_center_watch import MessageCenterWatch
from services.notices.watcher import HealthWatcher
from services.notices.weekly_changes import WeeklyChangesStore
from services.stores import Stores


def build_notifications(
    stores: Stores,
    backend: Backend,
    clock: Callable[[], datetime],
    refresh: Callable[[], None],
    act_by_within: timedelta = timedelta(days=7),
) -> Notifications:
    """The watcher and the Acknowledge button over the stores' subscriptions, conversations and notice
    board; `refresh` asks the delivery loop to look at the outbox; `act_by_within`: how near an act-by
    date makes a message center message a notice."""
    board = stores.board
    message_center = MessageCenterWatch(stores.place)
    watcher = HealthWatcher(
        backend,
        stores.subscriptions,
        board,
        clock,
        message_center=message_center,
        act_by_within=act_by_within,
    )
    acknowledgements = NoticeAcknowledgements(
        board, stores.conversations, backend, clock, refresh, stores.audit
    )
    return Notifications(
        stores.conversations,
        stores.subscriptions,
        board,
        watcher,
        acknowledgements,
        clock,
        refresh,
        stores.owners,
        WeeklyChangesStore(stores.place),
        message_center,
    )


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
    people: PeopleAccess | None = None,
) -> SupportBot:
    """The bot with every flow wired in; tests build it on MemoryStorage. `people`: what each person may
    reach (none: everyone reaches everything); the dialogs read customers as the turn's person sees them."""
    user_state = UserState(storage)
    language = user_state.create_property(LANGUAGE_PROPERTY)
    needs = scoped_needs(backend, desk, clock, audit, notifications, language, access.rules.contact)
    root = RootDialog(
        command_dialogs(needs),
        command=recognised_command,
        typed=command_text,
        complete=lambda text: complete_command(text, needs.backend),
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
        people=people,
        # The message extension reads as the person too: what the dialogs can't show, it doesn't either.
        compose=ComposeExtension(ComposeSearch(needs.backend, needs.desk, needs.clock)),
    )
