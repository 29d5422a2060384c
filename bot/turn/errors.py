"""The one global turn-error handler: a friendly card with a reference id, never a stack trace.

The log gets the same reference, the error's type and where it was raised, but no traceback or message
text, since both can carry user input or secrets.
"""

from __future__ import annotations

import logging
import secrets
import traceback
from pathlib import Path

from botbuilder.core import TurnContext

from bot.outbound.log_ids import conversation_hash
from cards.notices import notice_card
from dialogs.language import translator_of
from dialogs.replies import card_reply
from locales.translator import ENGLISH, Translator
from services.domain.models import StaleWriteError

logger = logging.getLogger("bot.errors")


_PROJECT = Path(__file__).resolve().parents[2]


def _where(error: BaseException) -> str:
    """The innermost frame of our own code, e.g. 'dialogs/health_dialog.py:31'."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        f for f in frames if Path(f.filename).is_relative_to(_PROJECT) and "site-packages" not in f.filename
    ]
    candidates = ours or frames
    if not candidates:
        return "unknown"
    last = candidates[-1]
    path = Path(last.filename)
    return f"{path.relative_to(_PROJECT) if path.is_relative_to(_PROJECT) else path.name}:{last.lineno}"


def describe(error: BaseException, t: Translator = ENGLISH) -> tuple[str, str]:
    if isinstance(error, StaleWriteError):
        return t("turn_error.crossed_title"), t("turn_error.crossed")
    return t("turn_error.title"), t("turn_error.message")


async def report_turn_error(turn_context: TurnContext, error: Exception) -> str:
    """Tell the user, log one line, and return the reference both carry."""
    reference = secrets.token_hex(4)
    conversation = turn_context.activity.conversation
    conversation_id = conversation.id if conversation else None
    where = conversation_hash(conversation_id if isinstance(conversation_id, str) else "")
    logger.error(
        "turn failed reference=%s conversation=%s error=%s at=%s",
        reference,
        where,
        type(error).__name__,
        _where(error),
    )
    try:
        t = translator_of(turn_context)
    except Exception:  # noqa: BLE001 - what failed the turn may be what the reader's language is read from
        t = ENGLISH
    title, message = describe(error, t)
    try:
        await turn_context.send_activity(card_reply(notice_card(title, message, reference=reference, t=t)))
    except Exception as send_error:  # noqa: BLE001 - the user can't be told; the log must still say so
        logger.error(
            "error card not sent reference=%s conversation=%s error=%s",
            reference,
            where,
            type(send_error).__name__,
        )
    return reference
