"""`import <json>`: a settings document (what `export` wrote, in this conversation or another) checked
field by field, every problem named at its path in one answer; when it is valid, what would change here,
with Apply and Cancel; on Apply it is applied and audit-logged.

A flow on the guided-flow base with one question, the Apply card. The plan is kept in the flow's state,
never on the card: Apply's data is only the flow's id and key, so a tampered card can't apply a different
document, and one pressed again (or from an import that ended) is refused as a stale card.
"""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult
from botbuilder.schema import Activity

from cards.escalation import Choice
from cards.notices import notice_card
from cards.settings import ChangeSection, SettingsProblem, settings_changes_card, settings_problems_card
from dialogs.audit_records import audit_entry, owners_change
from dialogs.conversation_scope import conversation_key, where
from dialogs.guided_flow import FlowState, GuidedFlowDialog
from dialogs.language import translator_of
from dialogs.replies import card_reply, error_reply
from dialogs.requests import PASTED_TEXT, CommandRequest
from dialogs.settings_import import (
    EVERY_CUSTOMER_NAME,
    Planned,
    SettingsChanges,
    SettingsPlan,
    changes_of,
    plan_settings,
)
from locales.translator import Translator, words_for
from services.access.scoped import CustomerScope
from services.domain.errors import SupportDeskError
from services.domain.models import ALL_CUSTOMERS, Owner, Subscription
from services.domain.ports import AuditTrail, Backend, CustomerOwners, KnownConversations, Subscriptions
from services.domain.settings_document import UnreadableSettings, read_settings
from services.notices.watcher import HealthWatcher

CONFIRM = "confirm"
_IMPORT_WORDS = words_for("command.import.words")
_TAG = re.compile(r"<[^<>]*>")


def typed(text: str) -> str:
    """The message as typed, without Teams' HTML (as the command's argument reaches start)."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def as_pasted(argument: str, pasted: str) -> str:
    """`argument` (the command's, on one line) as it was pasted, its line breaks kept, so that a JSON error's
    line and column point at what the person sees; `argument` itself when it can't be found there."""
    # The argument was read from the same text, normalised (bot/turn/commands.py: clean) and put on one line.
    kept = unicodedata.normalize("NFKC", pasted).replace("\u2019", "'")
    line = " ".join(kept.split())
    start = line.rfind(argument)
    inside = len("".join(argument.split()))
    if not argument or start < 0:
        return argument
    before = len("".join(line[:start].split()))
    places = [i for i, c in enumerate(kept) if not c.isspace()]
    if before + inside > len(places):
        return argument
    found = kept[places[before] : places[before + inside - 1] + 1]
    return found if "".join(found.split()) == "".join(argument.split()) else argument


@dataclass
class ImportState(FlowState):
    plan: dict[str, Any] = field(default_factory=dict)


class ImportDialog(GuidedFlowDialog[ImportState]):
    state_type = ImportState
    heading_id = "import.heading"
    cancelled_id = "import.cancelled"
    first_question_id = "import.only_question"
    stale_card_id = "import.stale_card"

    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        subscriptions: Subscriptions,
        conversations: KnownConversations,
        owners: CustomerOwners,
        watcher: HealthWatcher,
        clock: Callable[[], datetime],
        refresh: Callable[[], None],
        audit: AuditTrail,
        scope: CustomerScope,
    ) -> None:
        super().__init__(dialog_id)
        self._backend, self._subscriptions, self._conversations = backend, subscriptions, conversations
        self._owners, self._watcher, self._clock, self._refresh = owners, watcher, clock, refresh
        self._audit, self._scope = audit, scope

    def summary_choices(self, t: Translator) -> tuple[Choice, ...]:
        return (Choice(t("import.apply"), "submit"),)

    def resume_text(self, dc: DialogContext, state: ImportState) -> str:
        return translator_of(dc.context)("import.resume_offer")

    async def start(self, dc: DialogContext, request: CommandRequest) -> DialogTurnResult:
        t = translator_of(dc.context)
        if not request.argument.strip():
            await dc.context.send_activity(card_reply(notice_card(t("import.heading"), t("import.how"))))
            return await dc.end_dialog()
        document = as_pasted(request.argument, dc.context.turn_state.get(PASTED_TEXT) or "")
        try:
            draft, problems = read_settings(document)
            plan = await plan_settings(draft, self._backend, self._scope, self._clock(), problems)
        except UnreadableSettings as error:
            found = [SettingsProblem(p.path, t(p.message_id, **p.values)) for p in error.problems]
            await dc.context.send_activity(card_reply(settings_problems_card(found, t)))
            return await dc.end_dialog()
        except SupportDeskError as error:
            await dc.context.send_activity(error_reply(error, t))
            return await dc.end_dialog()
        if (await self._changes(dc, plan)).nothing:
            await dc.context.send_activity(card_reply(notice_card(t("import.heading"), t("import.nothing"))))
            return await dc.end_dialog()
        person = dc.context.activity.from_property
        state = ImportState(key=uuid.uuid4().hex, owner_id=person.id if person else "", plan=plan.to_state())
        return await self.ask(dc, state)

    async def _changes(self, dc: DialogContext, plan: SettingsPlan) -> SettingsChanges:
        conversation, now = conversation_key(dc.context.activity), self._clock()
        visible = {c.customer_id: c.name for c in await self._backend.list_customers()}
        current = await self._subscriptions.of_conversation(conversation)
        if self._scope.everything:
            # Every subscription is the person's to replace, a customer since gone (named by its id) too.
            visible = {s.customer_id: s.customer_id for s in current} | visible
            visible[ALL_CUSTOMERS] = EVERY_CUSTOMER_NAME
        known = await self._conversations.get(conversation)
        quiet = known.quiet_until if known and known.quiet_at(now) else None
        owners = await self._owners.of_customers(i for i, _, _ in plan.owners)
        return changes_of(plan, current, visible, quiet, owners)

    async def ask(
        self,
        dc: DialogContext,
        state: ImportState,
        step: str = "",
        problem: str = "",
        help_text: bool = False,
    ) -> DialogTurnResult:
        t = translator_of(dc.context)
        state.step = CONFIRM
        self.save(dc, state)
        changes = await self._changes(dc, SettingsPlan.from_state(state.plan))
        if problem or help_text:
            await dc.context.send_activity(
                card_reply(notice_card(t("import.heading"), problem or t("import.help")))
            )
        sections, notes = self._described(changes, t)
        await dc.context.send_activity(
            card_reply(settings_changes_card(state.key, self.id, sections, notes, t))
        )
        return Dialog.end_of_turn

    async def answer(
        self, dc: DialogContext, state: ImportState, step: str, text: str, pressed: bool
    ) -> DialogTurnResult:
        # A corrected document sent while this one waits for Apply is the one wanted: it replaces it (an
        # import never interrupts a flow, so without this it read as "isn't one of the choices").
        word, _, document = typed(text).partition(" ")
        if not pressed and word.casefold() in _IMPORT_WORDS and document.strip():
            return await self.start(dc, CommandRequest(document))
        return await self.answer_summary(dc, state, text)

    async def submit(self, dc: DialogContext, state: ImportState) -> DialogTurnResult:
        """Apply what the flow kept (never the card's data), as it stands now against this conversation."""
        t, activity, now = translator_of(dc.context), dc.context.activity, self._clock()
        plan = SettingsPlan.from_state(state.plan)
        # The person's access (or the customers themselves) may have changed since the preview: a customer
        # they no longer see refuses the whole import, changing nothing, rather than half of it applied.
        seen = {c.customer_id for c in await self._backend.list_customers()} | {ALL_CUSTOMERS}
        named = {p.customer_id: p.name for p in plan.subscriptions} | {i: n for i, n, _ in plan.owners}
        gone = [name for customer_id, name in named.items() if customer_id not in seen]
        if gone:
            refused = t("import.customers_gone", names=", ".join(gone))
            await dc.context.send_activity(card_reply(notice_card(t("import.heading"), refused)))
            return await dc.end_dialog()
        changes = await self._changes(dc, plan)
        conversation = conversation_key(activity)
        await self._subscribe(activity, conversation, changes, now)
        await self._quiet(activity, conversation, changes, now)
        for customer_id, name, _, people in changes.owners:
            before = await self._owners.replace(customer_id, people)
            await self._audit.record(
                audit_entry(activity, "owners.set", owners_change(name, before, people), now)
            )
        await self._conversations.set_language(conversation, t.language)
        summary = t.count(
            "import.counts",
            len(changes.owners),
            added=len(changes.added),
            removed=len(changes.removed),
            changed=len(changes.changed),
        )
        await self._audit.record(audit_entry(activity, "settings.imported", summary, now))
        done = t("import.done", where=where(activity, t).capitalize(), counts=summary)
        await dc.context.send_activity(card_reply(notice_card(t("import.done_title"), done)))
        return await dc.end_dialog()

    async def _subscribe(
        self, activity: Activity, conversation: str, changes: SettingsChanges, now: datetime
    ) -> None:
        if changes.removed:
            await self._subscriptions.remove(
                [Subscription(conversation, p.customer_id, p.services, p.kinds) for p in changes.removed]
            )
            for gone in changes.removed:
                await self._audit.record(audit_entry(activity, "subscription.removed", gone.name, now))
        added = [*changes.added, *changes.changed]
        everyone = list(await self._backend.list_customers())
        wanted = {p.customer_id for p in added}
        await self._watcher.baseline(
            everyone if ALL_CUSTOMERS in wanted else [c for c in everyone if c.customer_id in wanted]
        )
        for planned in added:
            subscription = Subscription(conversation, planned.customer_id, planned.services, planned.kinds)
            await self._subscriptions.add(subscription, now)
            await self._audit.record(audit_entry(activity, "subscription.added", planned.name, now))

    async def _quiet(
        self, activity: Activity, conversation: str, changes: SettingsChanges, now: datetime
    ) -> None:
        if changes.quiet is None:
            return
        until = changes.quiet[0]
        if until is None:
            await self._conversations.end_quiet(conversation, now)
            await self._audit.record(audit_entry(activity, "quiet.ended", "", now))
        else:
            await self._conversations.set_quiet(conversation, now, until)
            await self._audit.record(audit_entry(activity, "quiet.set", until.isoformat(), now))
        self._refresh()

    @staticmethod
    def _described(changes: SettingsChanges, t: Translator) -> tuple[list[ChangeSection], list[str]]:
        def subscription(p: Planned) -> str:
            services = ", ".join(p.services) or t("setup.every_service")
            # Every customer ('*') in the reader's words, starting its line as any name would.
            customer = t("import.every_customer") if p.customer_id == ALL_CUSTOMERS else p.name
            return t(
                "import.subscription", customer=customer, kinds=t(f"setup.kind_{p.kinds}"), services=services
            )

        def people(owners: tuple[Owner, ...]) -> str:
            return ", ".join(o.name for o in owners) or t("import.no_owners")

        sections: list[ChangeSection] = []
        if changes.added:
            sections.append(ChangeSection(t("import.added"), tuple(subscription(p) for p in changes.added)))
        if changes.removed:
            sections.append(
                ChangeSection(t("import.removed"), tuple(subscription(p) for p in changes.removed))
            )
        if changes.changed:
            sections.append(
                ChangeSection(t("import.changed"), tuple(subscription(p) for p in changes.changed))
            )
        if changes.quiet is not None:
            until = changes.quiet[0]
            line = t("import.quiet_until", until=t.timestamp(until)) if until else t("import.quiet_none")
            sections.append(ChangeSection(t("import.quiet"), (line,)))
        if changes.owners:
            lines = tuple(
                t("import.owners_line", customer=name, after=people(after), before=people(before))
                for _, name, before, after in changes.owners
            )
            sections.append(ChangeSection(t("import.owners"), lines))
        notes = [t("import.owners_shared")] if changes.owners else []
        return sections, [*notes, t("import.hint")]
