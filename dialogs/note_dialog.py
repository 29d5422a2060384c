"""`note <number> <text>`: add a note to a service request, signed with the name of who wrote it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from cards.escalation import request_card
from dialogs.audit_records import audit_entry
from dialogs.language import translator_of
from dialogs.replies import card_reply, error_reply, text_reply
from dialogs.request_dialog import request_number
from dialogs.requests import CommandRequest
from services.domain.errors import SupportDeskError
from services.domain.ports import AuditTrail, ServiceRequestDesk

MAX_NOTE_LENGTH = 2000


class NoteDialog(ComponentDialog):
    def __init__(
        self, dialog_id: str, desk: ServiceRequestDesk, clock: Callable[[], datetime], audit: AuditTrail
    ) -> None:
        super().__init__(dialog_id)
        self._audit = audit
        self._desk = desk
        self._clock = clock
        steps = WaterfallDialog(f"{dialog_id}.add", [self.note_step])
        self.add_dialog(steps)
        self.initial_dialog_id = steps.id

    async def note_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        t = translator_of(step.context)
        argument = CommandRequest.from_options(step.options).argument.strip()
        number = request_number(argument)
        text = argument[len(number) :].strip() if number else ""
        if not number or not text:
            await step.context.send_activity(text_reply(t("escalation.note_usage")))
            return await step.end_dialog()
        if len(text) > MAX_NOTE_LENGTH:
            problem = t("escalation.too_long", length=len(text), limit=MAX_NOTE_LENGTH)
            await step.context.send_activity(text_reply(problem))
            return await step.end_dialog()
        person = step.context.activity.from_property
        try:
            updated = await self._desk.add_note(number, person.name if person else "", text)
        except SupportDeskError as error:
            await step.context.send_activity(error_reply(error, t))
            return await step.end_dialog()
        entry = audit_entry(step.context.activity, "request.note", number, self._clock())
        await self._audit.record(entry)
        await step.context.send_activity(text_reply(t("escalation.note_added", number=number)))
        await step.context.send_activity(card_reply(request_card(updated, self._clock(), t)))
        return await step.end_dialog()
