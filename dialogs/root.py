"""The root dialog: starts the flow a message was routed to. Later flows that span several turns
(escalation) run under it, so interruptions such as help and cancel have one home."""

from __future__ import annotations

from collections.abc import Sequence

from botbuilder.dialogs import (
    ComponentDialog,
    Dialog,
    DialogTurnResult,
    WaterfallDialog,
    WaterfallStepContext,
)

from dialogs.ids import ROOT
from dialogs.requests import Route


class RootDialog(ComponentDialog):
    def __init__(self, flows: Sequence[Dialog]) -> None:
        super().__init__(ROOT)
        for flow in flows:
            self.add_dialog(flow)
        steps = WaterfallDialog(f"{ROOT}.route", [self.route_step, self.done_step])
        self.add_dialog(steps)
        self.initial_dialog_id = steps.id

    async def route_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        route = Route.from_options(step.options)
        return await step.begin_dialog(route.dialog_id, route.options)

    async def done_step(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.end_dialog(step.result)
