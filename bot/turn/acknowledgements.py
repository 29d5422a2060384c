"""A notice card's Acknowledge button (Action.Execute): record who took the incident, answer the click with
the refreshed card, and have the card updated in place for everyone else in the conversation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext

from cards.actions import InvalidSubmission, parse_execute
from cards.notifications import incident_notice_card
from cards.parts import card_payload
from dialogs.audit_records import audit_entry
from dialogs.conversation_scope import conversation_key
from dialogs.language import translator_of
from locales.translator import Translator
from services.domain.ports import AuditTrail, CustomerDirectory, KnownConversations, NoticeOutbox

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"


def _answer(kind: str, value: Any, status: int = 200) -> InvokeResponse:
    """The Universal Actions response body: a card, a message, or an error."""
    return InvokeResponse(status=status, body={"statusCode": status, "type": kind, "value": value})


def acknowledgement_refused(message: str) -> InvokeResponse:
    """Pressed by someone who isn't an operator: they read why, and the card stays as it was."""
    return _answer("application/vnd.microsoft.activity.message", message)


def invalid_action(message: str) -> InvokeResponse:
    return _answer("application/vnd.microsoft.error", {"code": "BadRequest", "message": message}, 400)


class NoticeAcknowledgements:
    def __init__(
        self,
        board: NoticeOutbox,
        conversations: KnownConversations,
        directory: CustomerDirectory,
        clock: Callable[[], datetime],
        refresh: Callable[[], None],
        audit: AuditTrail,
    ) -> None:
        self._audit = audit
        self._board = board
        self._conversations = conversations
        self._directory = directory
        self._clock = clock
        self._refresh = refresh

    async def handle(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action")
        action = action if isinstance(action, dict) else {}
        try:
            request = parse_execute(action.get("verb"), action.get("data"))
        except InvalidSubmission as error:
            return invalid_action(error.message)
        t = translator_of(turn_context)
        who = (activity.from_property.name if activity.from_property else "") or t("edge.someone")
        now = self._clock()
        conversation = conversation_key(activity)
        delivery = await self._board.acknowledge(request.incident, conversation, who, now)
        notice = await self._board.notice(request.incident)
        found = await self._board.delivery(request.incident, conversation)
        if delivery is None or notice is None or found is None:
            return _answer("application/vnd.microsoft.activity.message", t("edge.notice_not_here"))
        await self._audit.record(audit_entry(activity, "notice.acknowledged", request.incident, now))
        customers = {c.customer_id: c for c in await self._directory.list_customers()}
        followed = [customers[c] for c in found[1] if c in customers]
        # The card everyone in the conversation sees again: in the conversation's language, not the clicker's.
        known = await self._conversations.get(conversation)
        card = incident_notice_card(
            notice, followed, now, Translator(known.language if known else ""), delivery.acknowledged_by
        )
        self._refresh()
        return _answer("application/vnd.microsoft.card.adaptive", card_payload(card))
