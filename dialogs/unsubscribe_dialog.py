"""`unsubscribe [customer | all] [service ...] [changes]`: stop hearing about a customer (everything,
without one); a trailing 'changes' stops only its message center changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.schema import Activity
from microsoft_teams.cards import AdaptiveCard

from cards.actions import run_command
from cards.notices import notice_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.audit_records import audit_entry
from dialogs.conversation_scope import conversation_key, where
from dialogs.customer_choice import choose
from dialogs.incidents_dialog import split_customer_and_service
from dialogs.requests import CommandRequest
from dialogs.subscribe_dialog import EVERYONE, KIND_WORDS
from locales.translator import Translator
from services.domain.models import ALL_CUSTOMERS, CHANGES, Customer
from services.domain.ports import AuditTrail, CustomerDirectory, Subscriptions
from services.domain.service_words import names_service


class UnsubscribeDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        directory: CustomerDirectory,
        subscriptions: Subscriptions,
        audit: AuditTrail,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(dialog_id)
        self._audit = audit
        self._clock = clock
        self._directory = directory
        self._subscriptions = subscriptions

    async def answer_in(self, options: object, activity: Activity, t: Translator) -> AdaptiveCard:
        conversation, here = conversation_key(activity), where(activity, t)
        words = CommandRequest.from_options(options).argument.split()
        only_changes = bool(words) and KIND_WORDS.get(words[-1].casefold()) == CHANGES
        words = words[:-1] if only_changes else words
        customer_id: str | None = None
        phrases: list[str] = []
        # What the reader is told and what the audit log (kept in English) records.
        what, recorded = t("notify.any_customer"), "any customer"
        if words and words[0].casefold() in EVERYONE:
            customer_id, phrases = ALL_CUSTOMERS, _phrases(" ".join(words[1:]))
            what, recorded = t("notify.every_customer"), "every customer"
        elif words:
            match, rest = split_customer_and_service(words, await self._directory.list_customers())
            picked = choose(
                match,
                lambda c: " ".join(
                    p for p in ("unsubscribe", c.customer_id, rest, CHANGES if only_changes else "") if p
                ),
                "purpose.unfollow",
                t,
            )
            if not isinstance(picked, Customer):
                return picked
            customer_id, phrases = picked.customer_id, _phrases(rest)
            what = recorded = picked.name
        if only_changes:
            phrases_shown = [*phrases, t("subscription.kinds_changes")]
            what += f" ({', '.join(phrases_shown)})"
            recorded += f" ({', '.join([*phrases, CHANGES])})"
        elif phrases:
            what += f" ({', '.join(phrases)})"
            recorded += f" ({', '.join(phrases)})"
        doomed = [
            s
            for s in await self._subscriptions.of_conversation(conversation)
            if customer_id in (None, s.customer_id)
            and (not only_changes or s.kinds == CHANGES)
            and all(any(names_service(p, service) for service in s.services) for p in phrases)
        ]
        if not await self._subscriptions.remove(doomed):
            return notice_card(
                t("notify.not_subscribed_title"),
                t("notify.not_subscribed", where=here.capitalize(), what=what),
                [run_command(t("notify.subscriptions"), "subscriptions")],
            )
        await self._audit.record(audit_entry(activity, "subscription.removed", recorded, self._clock()))
        remaining = len(await self._subscriptions.of_conversation(conversation))
        left = t.count("notify.still_follows", remaining) if remaining else t("notify.nothing_left")
        return notice_card(
            t("notify.unsubscribed_title"),
            t("notify.unsubscribed", where=here.capitalize(), what=what, left=left),
            [run_command(t("notify.subscriptions"), "subscriptions")],
        )


def _phrases(text: str) -> list[str]:
    """'Exchange Online, Microsoft Teams' (as buttons write them) or 'exchange' (as people type)."""
    return [p.strip() for p in text.split(",") if p.strip()]
