"""Show 'typing…' while a message turn runs longer than a moment.

Our own rather than botbuilder's ShowTypingMiddleware, whose timer tasks are never awaited: when the
connector can't be reached they end in asyncio's "exception was never retrieved" tracebacks in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes

logger = logging.getLogger("bot.typing")


class TypingIndicator(Middleware):
    def __init__(self, delay: float, period: float = 3.0) -> None:
        self._delay = delay
        self._period = period

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        if context.activity.type != ActivityTypes.message:
            await logic()
            return
        typing = asyncio.ensure_future(self._keep_typing(context))
        try:
            await logic()
        finally:
            typing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing

    async def _keep_typing(self, context: TurnContext) -> None:
        reference = TurnContext.get_conversation_reference(context.activity)
        await asyncio.sleep(self._delay)
        while True:
            typing = TurnContext.apply_conversation_reference(Activity(type=ActivityTypes.typing), reference)
            try:
                await context.adapter.send_activities(context, [typing])
            except Exception as error:  # noqa: BLE001 - a missing indicator must not fail the turn
                logger.warning("typing indicator not sent error=%s", type(error).__name__)
                return
            await asyncio.sleep(self._period)
