"""The Teams activity handler: read what was typed or pressed, route it, run the root dialog, save state.

The reply budget, redelivery and the per-turn log line are the TurnRunner's (bot/turn/turns.py); this class
records the command and its outcome on the turn for that line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from botbuilder.core import (
    BotState,
    ConversationState,
    InvokeResponse,
    StatePropertyAccessor,
    TurnContext,
    UserState,
)
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogContext, DialogSet, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes

from bot.outbound.conversation_locks import ConversationLocks
from bot.outbound.proactive import Address
from bot.turn.access import AccessPolicy
from bot.turn.acknowledgements import ADAPTIVE_CARD_ACTION, NoticeAcknowledgements, acknowledgement_refused
from bot.turn.commands import HELP_DIALOG, OPERATOR_FLOWS, operator_action
from bot.turn.compose_extension import INVOKES as COMPOSE_INVOKES
from bot.turn.compose_extension import ComposeExtension
from bot.turn.mentions import addressed_to_someone_else, command_text, pasted_text
from bot.turn.person import NOBODY, turn_person
from bot.turn.routing import command_name, route_submission, route_text
from bot.turn.sign_in import INVOKES as SIGN_IN_INVOKES
from bot.turn.sign_in import TeamsSignIn
from cards.actions import InvalidSubmission
from cards.notices import notice_card
from dialogs.audit_records import audit_entry
from dialogs.conversation_scope import conversation_key
from dialogs.language import LANGUAGE_PROPERTY, TRANSLATOR, translator_for, translator_of
from dialogs.replies import card_reply, error_reply, text_reply
from dialogs.requests import ANSWERED, PASTED_TEXT, HelpRequest, Route
from dialogs.root import ROOT, RootDialog
from dialogs.sign_out_dialog import SIGN_OUT
from locales.translator import ENGLISH, chosen_language
from services.access.people import EveryoneAccess
from services.access.person import acting_as
from services.domain.access import PersonAccess
from services.domain.errors import AccessUnavailable
from services.domain.ports import (
    CustomerOwners,
    KnownConversations,
    NoticeOutbox,
    PeopleAccess,
    Subscriptions,
)
from services.domain.signed_in import signed_in_as
from services.notices.message_center_watch import MessageCenterWatch
from services.notices.watcher import HealthWatcher
from services.notices.weekly_changes import WeeklyChangesStore

TURN_RECORD = "support.turn"
logger = logging.getLogger("bot.access")


def active_dialog_ids(context: DialogContext) -> list[str]:
    """Every dialog on the stack, inner ones of component dialogs included."""
    found: list[str] = []
    stack = list(context.stack)
    while stack:
        instance = stack.pop()
        found.append(instance.id)
        state = instance.state if isinstance(instance.state, dict) else {}
        inner = state.get("dialogs")
        stack.extend(getattr(inner, "dialog_stack", None) or [])
    return found


@dataclass
class TurnRecord:
    """What the turn's log line says: the command, how it ended, the error reference if any."""

    command: str = "-"
    outcome: str = "ok"
    reference: str = ""
    deferred: bool = False


def turn_record(turn_context: TurnContext) -> TurnRecord:
    record = turn_context.turn_state.get(TURN_RECORD)
    if not isinstance(record, TurnRecord):
        record = TurnRecord()
        turn_context.turn_state[TURN_RECORD] = record
    return record


@dataclass(frozen=True)
class Notifications:
    """What proactive notices need from the handler's side: where conversations are, who subscribes,
    the notice board, and the Acknowledge button."""

    conversations: KnownConversations
    subscriptions: Subscriptions
    board: NoticeOutbox
    watcher: HealthWatcher
    acknowledgements: NoticeAcknowledgements
    clock: Callable[[], datetime]
    # Asks the delivery loop to look at the outbox now (after quiet ends, say).
    refresh: Callable[[], None]
    # Who looks after which customer (`owner`, `mine`, `setup`, `import`; mentioned on notices).
    owners: CustomerOwners
    # When each conversation gets its weekly message center digest (`changes weekly mon 9`).
    weekly_changes: WeeklyChangesStore
    # Where each customer's message center read stands (the weekly digest lists what waits there).
    message_center: MessageCenterWatch


class SupportBot(TeamsActivityHandler):
    def __init__(
        self,
        conversation_state: ConversationState,
        user_state: UserState,
        root: RootDialog,
        notifications: Notifications,
        access: AccessPolicy,
        dialog_state: BotState | None = None,
        language: StatePropertyAccessor | None = None,
        turn_locks: ConversationLocks | None = None,
        sign_in: TeamsSignIn | None = None,
        people: PeopleAccess | None = None,
        compose: ComposeExtension | None = None,
    ) -> None:
        """`people`: what each person may reach (BOT_ACCESS); none given, everyone reaches everything."""
        self._conversation_state = conversation_state
        self._user_state = user_state
        # A guided dialog belongs to whoever started it: per user within the conversation when given
        # (PrivateConversationState), so in a channel thread nobody answers someone else's questions.
        self._dialog_state = dialog_state or conversation_state
        self._dialogs = DialogSet(self._dialog_state.create_property("DialogState"))
        self._dialogs.add(root)
        self.root = root
        self._welcomed = conversation_state.create_property("Welcomed")
        # The language each person chose with `language`; unset, their Teams client's locale is used.
        self._language = language or user_state.create_property(LANGUAGE_PROPERTY)
        # Who is in a guided dialog in this conversation (user id -> name), so others can be told.
        self._guided = conversation_state.create_property("GuidedBy")
        self._locks = turn_locks if turn_locks is not None else ConversationLocks()
        self._notifications = notifications
        self._access = access
        # Teams SSO (BOT_SSO_CONNECTION): turns act as the person; None: everything runs as the app.
        self.sign_in = sign_in
        self._people: PeopleAccess = people or EveryoneAccess()
        # The message extension (search from the compose box, link previews); None: the bot has none.
        self._compose = compose

    async def on_turn(self, turn_context: TurnContext) -> None:
        if not self._access.tenant_allowed(turn_context.activity):
            await self._refuse_tenant(turn_context)
            return
        await self._remember(turn_context)
        await self._speak_their_language(turn_context)
        person = await self._person(turn_context)
        if person is None:
            return
        # Every dialog of the turn reads customers as this person sees them (services/access/scoped.py).
        with acting_as(person):
            await super().on_turn(turn_context)

    async def _person(self, turn_context: TurnContext) -> PersonAccess | None:
        """What the sender may reach; None when it can't be known and a message was told so. Nothing else
        runs for that message: no customer is shown rather than all of them."""
        try:
            return await turn_person(self._people, turn_context.activity)
        except AccessUnavailable as error:
            logger.warning("person access unavailable: turn refused")
            if turn_context.activity.type != ActivityTypes.message:
                # Installs, removals and card invokes still do their bookkeeping, reaching no customer.
                return NOBODY
            record = turn_record(turn_context)
            record.outcome = "access-unavailable"
            await turn_context.send_activity(error_reply(error, translator_of(turn_context)))
            return None

    async def _speak_their_language(self, turn_context: TurnContext) -> None:
        """The turn's translator: the language the person chose, else their locale; their time zone."""
        chosen = await self._language.get(turn_context, None)
        language = chosen_language(chosen) if isinstance(chosen, str) else None
        turn_context.turn_state[TRANSLATOR] = translator_for(turn_context.activity, language)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        record = turn_record(turn_context)
        if turn_context.activity.name == ADAPTIVE_CARD_ACTION:
            record.command = "acknowledge"
            if not await self._access.is_operator(turn_context):
                refusal = await self._refusal(turn_context, "edge.acknowledge_action")
                return acknowledgement_refused(refusal)
            return await self._notifications.acknowledgements.handle(turn_context)
        if self.sign_in is not None and turn_context.activity.name in SIGN_IN_INVOKES:
            record.command = "sign-in"
            return await self.sign_in.on_invoke(turn_context, self.on_message_activity)
        if self._compose is not None and turn_context.activity.name in COMPOSE_INVOKES:
            record.command = "compose"
            return await self._compose.answer(turn_context)
        # The bot sends no file consent cards, message actions or task modules: botbuilder's handlers
        # for those would only turn a garbage payload into an error card in the chat.
        record.command, record.outcome = "invoke", "unsupported"
        if not isinstance(turn_context.activity.value, dict):
            return InvokeResponse(status=400, body={"error": "Invoke value must be an object"})
        return InvokeResponse(status=200)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        record = turn_record(turn_context)
        activity = turn_context.activity
        if activity.value is None and addressed_to_someone_else(activity):
            record.outcome = "not-addressed"
            return
        if activity.value is None:
            turn_context.turn_state[PASTED_TEXT] = pasted_text(activity)
        try:
            route = (
                route_submission(activity.value)
                if activity.value is not None
                else route_text(command_text(activity), translator_of(turn_context))
            )
        except InvalidSubmission as error:
            record.command, record.outcome = "card", "rejected"
            t = translator_of(turn_context)
            await turn_context.send_activity(
                card_reply(notice_card(t("edge.rejected_button_title"), t(error.message_id)))
            )
            return
        record.command = command_name(route)
        if record.command == "unknown":
            record.outcome = "unknown-command"
        person = self.sign_in.person(turn_context) if self.sign_in is not None else None
        async with self._exclusive(turn_context):
            if not await self._may_run(turn_context, route):
                record.outcome = "refused"
                return
            turn_context.turn_state[SIGN_OUT] = self.sign_in.sign_out if self.sign_in else None
            with signed_in_as(person):
                await self._run_dialogs(turn_context, route)
            if self.sign_in is not None and person is not None and person.failed:
                record.outcome = "sign-in-needed"
                await self.sign_in.after_turn(turn_context, person)

    async def _may_run(self, turn_context: TurnContext, route: Route) -> bool:
        """Operators-only flows are checked whether typed, pressed on a card (anyone's), or answered
        mid-flow; a refused person's operator flow in progress is ended."""
        context = await self._dialogs.create_context(turn_context)
        running = [OPERATOR_FLOWS[d] for d in active_dialog_ids(context) if d in OPERATOR_FLOWS]
        needed = operator_action(route) or (running[0] if running else "")
        if not needed or await self._access.is_operator(turn_context):
            return True
        if running:
            await context.cancel_all_dialogs()
            await self._save(turn_context)
        await turn_context.send_activity(text_reply(await self._refusal(turn_context, needed)))
        return False

    async def _refusal(self, turn_context: TurnContext, action: str) -> str:
        """What the refused person reads; recorded in the audit log (in English, as the log is kept).
        `action`: the message id of what they may not do."""
        rules = self._access.rules
        await self._access.audit.record(
            audit_entry(
                turn_context.activity, "access.refused", f"to {ENGLISH(action)}", self._notifications.clock()
            )
        )
        t = translator_of(turn_context)
        how = (
            t("edge.operators_how_group", group=rules.operators_group)
            if rules.operators_group
            else t("edge.operators_how")
        )
        contact = rules.contact or t("edge.administrator")
        return t("edge.operators_only", action=t(action), contact=contact, how=how)

    async def _refuse_tenant(self, turn_context: TurnContext) -> None:
        """One short answer to whoever asked from a tenant the bot doesn't serve; nothing is routed,
        remembered or sent there later."""
        record = turn_record(turn_context)
        record.command, record.outcome = "-", "tenant-refused"
        activity = turn_context.activity
        await self._access.audit.record(
            audit_entry(activity, "access.refused", "(tenant not allowed)", self._notifications.clock())
        )
        if activity.type == ActivityTypes.invoke:
            await turn_context.send_activity(
                Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=403))
            )
        elif activity.type == ActivityTypes.message:
            t = translator_for(activity)
            await turn_context.send_activity(text_reply(t("edge.tenant_not_served")))

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Deliberately not Teams' default, which fetches every added member from the rate-limited roster.
        activity = turn_context.activity
        recipient = activity.recipient
        if recipient and any(member.id == recipient.id for member in activity.members_removed or []):
            await self._forget(conversation_key(activity))
            return
        if recipient and any(member.id == recipient.id for member in activity.members_added or []):
            await self._welcome(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._welcome(turn_context)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        async with self._exclusive(turn_context):
            # Set rather than deleted: botbuilder's delete raises when the bot never greeted here.
            await self._welcomed.set(turn_context, False)
            await self._save(turn_context)
        await self._forget(conversation_key(turn_context.activity))

    async def _remember(self, turn_context: TurnContext) -> None:
        """Keep where this conversation is, so notices can reach it later."""
        activity = turn_context.activity
        if not activity.service_url or not activity.conversation or not activity.conversation.id:
            return
        # Written every turn, not cached: a conversation that refused the bot (403) is active again as
        # soon as someone there writes to it, and only the store knows it was made inactive.
        address = Address.of(activity).to_json()
        await self._notifications.conversations.remember(
            address["conversation_id"], address, self._notifications.clock()
        )

    async def _forget(self, conversation: str) -> None:
        """The bot was removed: nothing is sent there again, and its subscriptions go."""
        await self._notifications.subscriptions.forget_conversation(conversation)
        await self._notifications.conversations.forget(conversation)

    async def _welcome(self, turn_context: TurnContext) -> None:
        """Teams announces an install twice (installationUpdate and conversationUpdate): greet once."""
        record = turn_record(turn_context)
        record.command = HELP_DIALOG
        async with self._exclusive(turn_context):
            if await self._welcomed.get(turn_context, False):
                record.outcome = "already-welcomed"
                return
            await self._welcomed.set(turn_context, True)
            conversation = turn_context.activity.conversation
            channel = (conversation.conversation_type or "") == "channel" if conversation else False
            welcome = HelpRequest(greeting="edge.greeting", setup=channel)
            await self._run_dialogs(turn_context, Route(HELP_DIALOG, welcome.to_options()))

    def _exclusive(self, turn_context: TurnContext) -> AbstractAsyncContextManager[None]:
        conversation = turn_context.activity.conversation
        return self._locks.hold(conversation.id if conversation else "")

    async def _run_dialogs(self, turn_context: TurnContext, route: Route) -> None:
        context = await self._dialogs.create_context(turn_context)
        record = turn_record(turn_context)
        person = turn_context.activity.from_property
        me = person.id if person and person.id else ""
        guided: dict[str, str] = dict(await self._guided.get(turn_context, dict) or {})
        if context.active_dialog is not None and record.outcome == "unknown-command":
            # Not a command: an answer to the question the dialog in progress asked.
            record.command, record.outcome = "answer", "ok"
        elif record.outcome == "unknown-command" and any(user != me for user in guided):
            others = ", ".join(name for user, name in guided.items() if user != me)
            hint = translator_of(turn_context)("edge.someone_elses_dialog", names=others)
            route = Route(HELP_DIALOG, HelpRequest(hint=hint).to_options())
            record.outcome = "someone-elses-dialog"
        result = await context.continue_dialog()
        if turn_context.turn_state.get(ANSWERED):
            record.command, record.outcome = "answer", "ok"
        if result.status == DialogTurnStatus.Empty:
            await context.begin_dialog(ROOT, route.to_options())
        if me:
            if context.active_dialog is not None:
                guided[me] = (person.name if person else "") or translator_of(turn_context)("edge.someone")
            else:
                guided.pop(me, None)
            await self._guided.set(turn_context, guided)
        await self._save(turn_context)

    async def _save(self, turn_context: TurnContext) -> None:
        await self._conversation_state.save_changes(turn_context)
        await self._user_state.save_changes(turn_context)
        if self._dialog_state is not self._conversation_state:
            await self._dialog_state.save_changes(turn_context)
