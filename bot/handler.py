"""The Teams activity handler: strip the mention, route, run the root dialog, save state, log the turn.

Teams gives a bot 10-15 s to answer. A turn still working after `reply_budget` seconds answers with a
short acknowledgement and finishes in the background, posting its card to the conversation when done.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from botbuilder.core import BotState, ConversationState, TurnContext, UserState
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogTurnStatus

from bot.conversation_locks import ConversationLocks
from bot.routing import command_name, route_submission, route_text, typed_text
from cards.actions import InvalidSubmission
from cards.notices import notice_card
from dialogs.ids import HELP, ROOT
from dialogs.replies import card_reply, text_reply
from dialogs.requests import HelpRequest, Route
from dialogs.root import RootDialog

logger = logging.getLogger("bot.turn")

GREETING = (
    "Hi! I'm the support desk's bot. I show your customers' Microsoft 365 service health and incidents."
)
STILL_WORKING = "Still working on that… I'll post the answer here in a moment."
_TURN_RECORD = "support.turn"

ErrorReporter = Callable[[TurnContext, Exception], Awaitable[None]]


@dataclass
class _TurnRecord:
    command: str = "-"
    outcome: str = "ok"


def conversation_hash(conversation_id: str) -> str:
    """Enough to correlate a conversation's turns in logs without revealing its id."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:12]


class SupportBot(TeamsActivityHandler):
    def __init__(
        self,
        conversation_state: ConversationState,
        user_state: UserState,
        root: RootDialog,
        report_error: ErrorReporter,
        reply_budget: float,
        dialog_state: BotState | None = None,
    ) -> None:
        self._conversation_state = conversation_state
        self._user_state = user_state
        # A guided dialog belongs to whoever started it: per user within the conversation when given
        # (PrivateConversationState), so in a channel thread nobody answers someone else's questions.
        self._dialog_state = dialog_state or conversation_state
        self._dialogs = DialogSet(self._dialog_state.create_property("DialogState"))
        self._dialogs.add(root)
        self.root = root
        self._welcomed = conversation_state.create_property("Welcomed")
        self._report_error = report_error
        self._reply_budget = reply_budget
        self._background: set[asyncio.Task[None]] = set()
        self._locks = ConversationLocks()

    async def on_turn(self, turn_context: TurnContext) -> None:
        record = _TurnRecord()
        turn_context.turn_state[_TURN_RECORD] = record
        started = time.monotonic()
        try:
            await super().on_turn(turn_context)
        except Exception:
            record.outcome = "error"
            raise
        finally:
            activity = turn_context.activity
            logger.info(
                "turn type=%s conversation=%s command=%s duration_ms=%d outcome=%s",
                activity.type,
                conversation_hash(activity.conversation.id if activity.conversation else ""),
                record.command,
                (time.monotonic() - started) * 1000,
                record.outcome,
            )

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        record: _TurnRecord = turn_context.turn_state[_TURN_RECORD]
        activity = turn_context.activity
        try:
            if activity.value is not None:
                route = route_submission(activity.value)
            else:
                if activity.text and activity.recipient:
                    TurnContext.remove_recipient_mention(activity)
                route = route_text(typed_text(activity.text or ""))
        except InvalidSubmission as error:
            record.command, record.outcome = "card", "rejected"
            await turn_context.send_activity(card_reply(notice_card("That didn't work", error.message)))
            return
        record.command = command_name(route)
        if record.command == "unknown":
            record.outcome = "unknown-command"
        await self._converse_within_budget(turn_context, route, record)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Deliberately not Teams' default, which fetches every added member from the rate-limited roster.
        added = turn_context.activity.members_added or []
        recipient = turn_context.activity.recipient
        if recipient and any(member.id == recipient.id for member in added):
            await self._welcome(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        async with self._exclusive(turn_context):
            await self._welcomed.delete(turn_context)
            await self._save(turn_context)

    async def drain(self) -> None:
        """Let turns finishing in the background complete (at shutdown)."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=30)

    async def _welcome(self, turn_context: TurnContext) -> None:
        """Teams announces an install twice (installationUpdate and conversationUpdate): greet once."""
        turn_context.turn_state[_TURN_RECORD].command = HELP
        async with self._exclusive(turn_context):
            if await self._welcomed.get(turn_context, False):
                turn_context.turn_state[_TURN_RECORD].outcome = "already-welcomed"
                return
            await self._welcomed.set(turn_context, True)
            await self._run_dialogs(turn_context, Route(HELP, HelpRequest(greeting=GREETING).to_options()))

    async def _converse_within_budget(
        self, turn_context: TurnContext, route: Route, record: _TurnRecord
    ) -> None:
        work = asyncio.ensure_future(self._converse(turn_context, route))
        done, _ = await asyncio.wait({work}, timeout=self._reply_budget)
        if work in done:
            work.result()
            return
        record.outcome = "deferred"
        # Owned before anything else can fail, so the work's outcome is always awaited and reported.
        finishing = asyncio.ensure_future(self._finish_in_background(turn_context, work))
        self._background.add(finishing)
        finishing.add_done_callback(self._background.discard)
        await turn_context.send_activity(text_reply(STILL_WORKING))

    async def _finish_in_background(self, turn_context: TurnContext, work: asyncio.Future[None]) -> None:
        try:
            await work
        except Exception as error:  # noqa: BLE001 - the turn is over; the global handler reports it
            await self._report_error(turn_context, error)

    def _exclusive(self, turn_context: TurnContext) -> AbstractAsyncContextManager[None]:
        conversation = turn_context.activity.conversation
        return self._locks.hold(conversation.id if conversation else "")

    async def _converse(self, turn_context: TurnContext, route: Route) -> None:
        async with self._exclusive(turn_context):
            await self._run_dialogs(turn_context, route)

    async def _run_dialogs(self, turn_context: TurnContext, route: Route) -> None:
        context = await self._dialogs.create_context(turn_context)
        result = await context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await context.begin_dialog(ROOT, route.to_options())
        await self._save(turn_context)

    async def _save(self, turn_context: TurnContext) -> None:
        await self._conversation_state.save_changes(turn_context)
        await self._user_state.save_changes(turn_context)
        if self._dialog_state is not self._conversation_state:
            await self._dialog_state.save_changes(turn_context)
