"""`export`: this conversation's settings as one copyable JSON block (services/domain/settings_document.py),
to paste into `import` in another conversation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from cards.parts import CARD_BUDGET
from dialogs.conversation_scope import conversation_key, where
from dialogs.language import translator_of
from dialogs.replies import preformatted_reply, text_reply
from dialogs.settings_import import EVERY_CUSTOMER_NAME
from services.access.scoped import CustomerScope
from services.domain.models import ALL_CUSTOMERS
from services.domain.ports import CustomerDirectory, CustomerOwners, KnownConversations, Subscriptions
from services.domain.settings_document import (
    MAX_DOCUMENT_CHARS,
    document_text,
    settings_document,
)


class ExportDialog(ComponentDialog):
    def __init__(
        self,
        dialog_id: str,
        directory: CustomerDirectory,
        subscriptions: Subscriptions,
        conversations: KnownConversations,
        owners: CustomerOwners,
        clock: Callable[[], datetime],
        scope: CustomerScope,
    ) -> None:
        super().__init__(dialog_id)
        self._directory, self._subscriptions, self._conversations = directory, subscriptions, conversations
        self._owners, self._clock, self._scope = owners, clock, scope
        steps = WaterfallDialog(f"{dialog_id}.answer", [self.export_step])
        self.add_dialog(steps)
        self.initial_dialog_id = steps.id

    async def export_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Under scoped access only what the reader sees is exported, as `subscriptions` lists it."""
        t, activity = translator_of(step.context), step.context.activity
        conversation = conversation_key(activity)
        customers = {c.customer_id: c for c in await self._directory.list_customers()}
        followed = [
            s
            for s in await self._subscriptions.of_conversation(conversation)
            if self._scope.everything or s.customer_id in customers or s.customer_id == ALL_CUSTOMERS
        ]

        def name(customer_id: str) -> str:
            found = customers.get(customer_id)
            return EVERY_CUSTOMER_NAME if customer_id == ALL_CUSTOMERS else found.name if found else ""

        named = [s.customer_id for s in followed if s.customer_id != ALL_CUSTOMERS]
        owners = await self._owners.of_customers(named)
        known = await self._conversations.get(conversation)
        quiet = known.quiet_until if known and known.quiet_at(self._clock()) else None
        document = settings_document(
            [(s.customer_id, name(s.customer_id), s.services, s.kinds) for s in followed],
            quiet,
            [(i, name(i), owners[i]) for i in dict.fromkeys(named) if i in owners],
        )
        # Nothing to hear about: the block is still what `import` takes (it clears another conversation).
        empty = not followed and quiet is None
        lead = t("export.lead_empty" if empty else "export.lead", where=where(activity, t).capitalize())
        for text in (document_text(document), document_text(document, compact=True)):
            if _fits(lead, text):
                await step.context.send_activity(preformatted_reply(lead, text))
                return await step.end_dialog()
        await step.context.send_activity(text_reply(t("export.too_big", most=MAX_DOCUMENT_CHARS)))
        return await step.end_dialog()


def _fits(lead: str, text: str) -> bool:
    """Short enough for `import` to take back, and for one message within the card budget."""
    sent = preformatted_reply(lead, text).text or ""
    return len(text) <= MAX_DOCUMENT_CHARS and len(sent.encode("utf-8")) <= CARD_BUDGET
