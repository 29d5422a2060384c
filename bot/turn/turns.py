"""Run each incoming activity's turn: answered within Teams' budget, never twice, never forgotten.

- The HTTP request is answered within `budget` seconds whatever the connector or a backend does. A turn
  still working then goes on in the background, and the conversation is told it is still working
  (ordered before the answer by the Connector, and not at all if the answer already went out).
- Each accepted activity is written to the turn journal before it is handled, under this run's name: a
  redelivered id is not handled again, and one accepted but unanswered when its run stopped or died is
  answered by the next sweep of any instance once that run's heartbeat lapsed ("I restarted before I
  could answer…", with a button that asks again), claimed first so it is told once. When the answer had
  been handed to the Connector it says the answer may have arrived; when the Connector confirmed it,
  nothing is said.
- At shutdown, background turns get `drain_seconds` to finish; each one that doesn't is logged and left
  in the journal for a sweep.
- One log line per turn, written when the turn is really over, with its final outcome.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botbuilder.core import Bot, InvokeResponse, MessageFactory, Storage, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ConversationReference

from bot.outbound.activity_json import activity_json
from bot.outbound.adapter import ANSWER_LOG, ANSWERED, SupportAdapter
from bot.outbound.connector import Connector, ConnectorError
from bot.outbound.log_ids import activity_hash, activity_type_for_log, conversation_hash
from bot.outbound.proactive import tenant_allowed, tenant_of
from bot.turn.handler import TURN_RECORD, TurnRecord
from bot.turn.mentions import command_text
from cards.actions import MAX_COMMAND_LENGTH, run_command
from cards.notices import notice_card
from cards.parts import echo
from dialogs.language import stored_language, translator_of
from dialogs.replies import card_reply
from locales.translator import Translator, language_of
from services.domain.models import Acceptance, Answer, UnfinishedTurn
from services.domain.ports import ActivityJournal, Heartbeats
from services.instances.instance_heartbeats import LocalHeartbeats
from services.telemetry import TRACER, TURNS

logger = logging.getLogger("bot.turn")

ErrorReporter = Callable[[TurnContext, Exception], Awaitable[str]]
MIN_SLICE_SECONDS = 0.2

# Where a journalled turn's reference keeps its conversation's tenant (Teams' spelling).
_TENANT = "tenantId"


def invoke_still_working(t: Translator) -> dict[str, object]:
    return {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": t("edge.still_working"),
    }


def _asked(activity: Activity) -> str | None:
    """What an apology after a restart should quote: the typed command (empty means help), '' for a
    button press, None for events nobody waits on (installs, members joining)."""
    if activity.type == ActivityTypes.invoke or (
        activity.type == ActivityTypes.message and activity.value is not None
    ):
        return ""
    if activity.type == ActivityTypes.message:
        return (command_text(activity) or "help")[:MAX_COMMAND_LENGTH]
    return None


class StorageUnavailable(Exception):
    """The turn journal couldn't record an activity in time; the message names the failure."""


class AuthenticationTimeout(Exception):
    """The activity could not be authenticated and recorded within the reply budget; Teams will retry."""


@dataclass
class _Turn:
    activity: Activity
    record: TurnRecord = field(default_factory=TurnRecord)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    context: TurnContext | None = None


class TurnRunner:
    def __init__(
        self,
        adapter: SupportAdapter,
        bot: Bot,
        journal: ActivityJournal,
        report_error: ErrorReporter,
        budget: float,
        clock: Callable[[], datetime],
        allowed_tenants: frozenset[str] = frozenset(),
        heartbeats: Heartbeats | None = None,
        storage: Storage | None = None,
        storage_timeout: float | None = None,
    ) -> None:
        """`storage`: where user state is, to read the language someone chose for the restart apology.
        `storage_timeout`: how long recording an activity may take before the person is told storage is
        out of reach (default: half the budget, at least a second)."""
        self._storage_timeout = storage_timeout or max(budget / 2, 1.0)
        self._storage = storage
        self._adapter = adapter
        # ALLOWED_TENANTS: the restart apology is a proactive send, so it goes to no other tenant.
        self._allowed_tenants = allowed_tenants
        self._connector: Connector = adapter.connector
        self._bot = bot
        self._journal = journal
        self._report_error = report_error
        self._budget = budget
        self._clock = clock
        # Which runs are alive: their unfinished turns are theirs; every other run's are abandoned.
        self._heartbeats = heartbeats or LocalHeartbeats("")
        self._background: set[asyncio.Future[object]] = set()
        # The turns among them (deferred past the budget), counted at shutdown.
        self._deferred: set[asyncio.Future[object]] = set()
        # Activities whose turn runs in this process, so a redelivery of one of them is a duplicate.
        self._in_flight: set[tuple[str, str]] = set()

    @property
    def budget(self) -> float:
        return self._budget

    async def run(
        self, authenticated: Any, activity: Activity, arrived: float | None = None
    ) -> InvokeResponse | None:
        """The turn's invoke response (None for other activities), within the budget.

        `authenticated` is botbuilder's AuthenticateRequestResult (bot/edge/inbound_auth.py proved the
        request) or, in tests that drive the runner directly, an Authorization header for botbuilder to check.
        `arrived` (the loop's clock when the request came in) makes time spent before this count too."""
        turn = _Turn(activity)

        async def logic(context: TurnContext) -> None:
            await self._handle(turn, context)

        loop = asyncio.get_running_loop()
        left = self._budget - (loop.time() - arrived if arrived is not None else 0.0)
        work = asyncio.ensure_future(self._adapter.process_activity(authenticated, activity, logic))
        # However late it arrived, give the turn a moment to be authenticated and recorded.
        done, _ = await asyncio.wait({work}, timeout=max(left, MIN_SLICE_SECONDS))
        if work in done:
            return work.result()
        if not turn.started.is_set():
            work.cancel()
            raise AuthenticationTimeout()
        turn.record.deferred = True
        self._keep(work)
        self._deferred.add(work)
        work.add_done_callback(self._deferred.discard)
        if activity.type == ActivityTypes.invoke:
            t = (
                translator_of(turn.context)
                if turn.context is not None
                else Translator(language_of(activity.locale))
            )
            return InvokeResponse(status=200, body=invoke_still_working(t))
        if activity.type == ActivityTypes.message and turn.context is not None:
            self._keep(asyncio.ensure_future(self._announce_still_working(turn.context)))
        return None

    async def drain(self, seconds: float) -> tuple[int, int]:
        """At shutdown: let background turns finish; log and keep in the journal the rest. How many
        turns finished in the drain and how many it cut off (each of those also has its own line)."""
        pending = set(self._background)
        turns = pending & self._deferred
        if pending:
            _, pending = await asyncio.wait(pending, timeout=seconds)
        for work in pending:
            work.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        cut_off = len(turns & pending)
        return len(turns) - cut_off, cut_off

    async def recover(self) -> None:
        """At start: sweep in the background (the connector may be slow), so serving isn't held up."""
        self._keep(asyncio.ensure_future(self.sweep()))

    async def sweep(self) -> None:
        """Tell each person whose turn a stopped or dead run left unanswered, once: each turn is claimed
        just before it is told, so two instances sweeping at once tell nobody twice, and a sweep cut off
        at shutdown leaves the rest for the next."""
        unfinished = await self._journal.unfinished()
        if not unfinished:
            return
        alive = await self._heartbeats.alive()
        abandoned = [turn for turn in unfinished if turn.owner not in alive]
        for done, turn in enumerate(abandoned):
            try:
                if await self._journal.claim(turn.conversation, turn.activity_id):
                    await self._apologise(turn)
            except asyncio.CancelledError:
                logger.warning(
                    "apologies cut off at shutdown left=%d kept for the next sweep", len(abandoned) - done
                )
                raise
            except Exception as error:  # noqa: BLE001 - one failed apology must not stop the others
                logger.error(
                    "apology failed conversation=%s error=%s",
                    conversation_hash(turn.conversation),
                    type(error).__name__,
                )

    def _keep(self, work: asyncio.Future[object]) -> None:
        self._background.add(work)
        work.add_done_callback(self._background.discard)

    async def _handle(self, turn: _Turn, context: TurnContext) -> None:
        """One span per turn, named by what the turn was, never by what was said."""
        with TRACER.start_as_current_span("turn") as span:
            try:
                await self._handle_turn(turn, context)
            finally:
                record = turn.record
                kind = {"activity.type": str(context.activity.type), "outcome": record.outcome}
                span.set_attributes({**kind, "command": record.command, "deferred": record.deferred})
                TURNS.add(1, kind)

    async def _handle_turn(self, turn: _Turn, context: TurnContext) -> None:
        turn.context = context
        record = turn.record
        context.turn_state[TURN_RECORD] = record
        activity = context.activity
        conversation = activity.conversation.id if activity.conversation else ""
        key = (conversation, activity.id or "")
        began = time.monotonic()
        owned = False
        try:
            try:
                accepted = await self._accept(context, key)
            except StorageUnavailable as error:
                record.outcome = f"storage-unavailable error={error}"
                turn.started.set()
                await self._say_storage_unavailable(context)
                return
            if not accepted:
                record.outcome = "duplicate"
                await self._acknowledge_duplicate(context)
                return
            owned = True
            if activity.id:
                context.turn_state[ANSWER_LOG] = _AnswerLog(self._journal, key, self._storage_timeout)
            # Only now, with the activity on disk, may the HTTP request be answered before the turn ends.
            turn.started.set()
            try:
                await self._bot.on_turn(context)
            except Exception as error:  # noqa: BLE001 - reported to the user with a reference, logged once
                record.outcome = "error"
                record.reference = await self._report_error(context, error)
            if activity.id:
                await self._journal.finish(conversation, activity.id)
        except asyncio.CancelledError:
            record.outcome = "dropped"
            raise
        except Exception as error:  # noqa: BLE001 - the journal itself failed (storage)
            record.outcome = "error"
            record.reference = await self._report_error(context, error)
        finally:
            if owned:
                self._in_flight.discard(key)
            logger.log(
                logging.WARNING if record.outcome in ("dropped", "error") else logging.INFO,
                "turn type=%s conversation=%s activity=%s command=%s duration_ms=%d deferred=%s outcome=%s%s",
                activity_type_for_log(activity.type),
                conversation_hash(conversation),
                activity_hash(activity.id or ""),
                record.command,
                (time.monotonic() - began) * 1000,
                "yes" if record.deferred else "no",
                record.outcome,
                f" reference={record.reference}" if record.reference else "",
            )

    async def _accept(self, context: TurnContext, key: tuple[str, str]) -> bool:
        """Whether to handle this activity: a new id, or one whose earlier attempt here was cut off
        (not a duplicate of a turn this process is still running or has answered).

        Raises StorageUnavailable when the journal can't record it in time: nothing is handled that
        isn't on record, and the person hears why rather than nothing."""
        activity = context.activity
        if not activity.id or not activity.conversation:
            return True
        reference = activity_json(TurnContext.get_conversation_reference(activity))
        # The SDK reads a conversation's tenant from 'tenantID', Teams writes 'tenantId' (and the tenant in
        # channelData): kept here in Teams' spelling, for ALLOWED_TENANTS' check before a restart apology.
        reference.setdefault("conversation", {})[_TENANT] = tenant_of(activity)
        conversation, activity_id = activity.conversation.id, activity.id
        recording = asyncio.ensure_future(
            self._journal.accept(conversation, activity_id, reference, _asked(activity), self._clock())
        )
        try:
            # A timeout around the wait rather than wait_for's task around it: the same, at half the cost.
            async with asyncio.timeout(self._storage_timeout):
                known = await asyncio.shield(recording)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure of the journal's storage, or its timeout
            if not recording.done():
                self._keep(asyncio.ensure_future(self._close_late(recording, conversation, activity_id)))
            raise StorageUnavailable(type(error).__name__) from error
        if known == Acceptance.ANSWERED or (known == Acceptance.UNANSWERED and key in self._in_flight):
            return False
        # A redelivery of a turn an earlier attempt left unanswered: taken from the sweeps first, so its
        # person gets this answer and no apology besides (or, when a sweep took it first, the apology).
        if known == Acceptance.UNANSWERED and not await self._journal.claim(conversation, activity_id):
            return False
        self._in_flight.add(key)
        return True

    async def _close_late(
        self, recording: asyncio.Future[Acceptance], conversation: str, activity_id: str
    ) -> None:
        """Storage answered after the person was told to try again: what it recorded is closed, so no
        restart apology follows for a turn that was never taken in."""
        try:
            if await recording == Acceptance.NEW:
                await self._journal.finish(conversation, activity_id)
        except Exception:  # noqa: BLE001 - still out of reach: nothing was recorded, or it stays unknown
            recording.cancel()

    async def _say_storage_unavailable(self, context: TurnContext) -> None:
        """A short reply straight through the Connector (no state to load), and for a button press the
        invoke's answer; a Connector that can't be reached either leaves only the log line."""
        reference = TurnContext.get_conversation_reference(context.activity)
        reply = MessageFactory.text(translator_of(context)("edge.storage_unavailable"))
        try:
            await self._connector.send(TurnContext.apply_conversation_reference(reply, reference))
        except ConnectorError:
            pass
        await self._acknowledge_duplicate(context)

    @staticmethod
    async def _acknowledge_duplicate(context: TurnContext) -> None:
        if context.activity.type == ActivityTypes.invoke:
            await context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200))
            )

    async def _announce_still_working(self, context: TurnContext) -> None:
        # No await between this check and the Connector queueing the send: the answer can't slip between.
        if context.turn_state.get(ANSWERED):
            return
        reference = TurnContext.get_conversation_reference(context.activity)
        still_working = translator_of(context)("edge.still_working")
        notice = TurnContext.apply_conversation_reference(MessageFactory.text(still_working), reference)
        try:
            await self._connector.send(notice)
        except ConnectorError as error:
            logger.warning(
                "still-working notice not sent conversation=%s status=%s",
                conversation_hash(reference.conversation.id),
                error.status or "unreachable",
            )

    async def _apologise(self, unfinished: UnfinishedTurn) -> None:
        if unfinished.asked is None or unfinished.answer is Answer.DELIVERED:
            # An install or membership event (nobody is waiting), or the Connector confirmed the answer.
            await self._journal.finish(unfinished.conversation, unfinished.activity_id)
            return
        reference = ConversationReference().deserialize(unfinished.reference)
        tenant = str(unfinished.reference.get("conversation", {}).get(_TENANT) or "")
        if not tenant_allowed(self._allowed_tenants, tenant):
            await self._journal.finish(unfinished.conversation, unfinished.activity_id)
            logger.warning(
                "turn unanswered before restart conversation=%s activity=%s outcome=tenant-not-allowed",
                conversation_hash(unfinished.conversation),
                activity_hash(unfinished.activity_id),
            )
            return
        # The language the person chose with `language`, else their Teams client's.
        chosen = None
        if self._storage is not None and reference.user is not None:
            chosen = await stored_language(self._storage, reference.channel_id or "", reference.user.id or "")
        t = Translator(chosen or language_of(reference.locale))
        # Whether the answer may have left decides what is true to say.
        if unfinished.answer is Answer.HANDED:
            title, asked, clicked = (
                "edge.restarted_maybe_title",
                "edge.restarted_maybe_asked",
                "edge.restarted_maybe_clicked",
            )
        else:
            title, asked, clicked = "edge.restarted_title", "edge.restarted_asked", "edge.restarted_clicked"
        if unfinished.asked:
            message = t(asked, asked=echo(unfinished.asked))
            actions = [run_command(t("edge.ask_again"), unfinished.asked)]
        else:
            message, actions = t(clicked), []
        card = card_reply(notice_card(t(title), message, actions))
        apology = TurnContext.apply_conversation_reference(card, reference)
        outcome = "apologised"
        try:
            await self._connector.send(apology)
        except ConnectorError as error:
            outcome = f"apology-failed status={error.status or 'unreachable'}"
        await self._journal.finish(unfinished.conversation, unfinished.activity_id)
        logger.warning(
            "turn unanswered before restart conversation=%s activity=%s outcome=%s",
            conversation_hash(unfinished.conversation),
            activity_hash(unfinished.activity_id),
            outcome,
        )


class _AnswerLog:
    """Records in the journal how far a turn's answer got (the adapter calls it around each message it
    sends): handed to the Connector, then confirmed. One write per step; a journal that can't be
    written in time doesn't hold the answer up, it only leaves the apology less sure."""

    def __init__(self, journal: ActivityJournal, key: tuple[str, str], timeout: float) -> None:
        self._journal = journal
        self._key = key
        self._timeout = timeout
        self._recorded: Answer | None = None

    async def __call__(self, answer: Answer) -> None:
        if self._recorded in (answer, Answer.DELIVERED):
            return
        self._recorded = answer
        try:
            async with asyncio.timeout(self._timeout):
                await self._journal.answering(*self._key, answer)
        except Exception as error:  # noqa: BLE001 - storage trouble must not stop the answer
            logger.warning(
                "answer progress not recorded conversation=%s answer=%s error=%s",
                conversation_hash(self._key[0]),
                answer.value,
                type(error).__name__,
            )
