"""Which conversation a turn belongs to, for what the bot keeps per conversation (subscriptions)."""

from __future__ import annotations

from botbuilder.schema import Activity

from locales.translator import ENGLISH, Translator

_THREAD = ";messageid="


def conversation_key(activity: Activity) -> str:
    """The conversation a subscription belongs to: a channel, not one thread of it."""
    conversation = activity.conversation.id if activity.conversation else ""
    return conversation.split(_THREAD, 1)[0]


def where(activity: Activity, t: Translator = ENGLISH) -> str:
    """How the bot names the conversation it is in: 'this channel', 'this group chat', 'this chat'."""
    kind = (activity.conversation.conversation_type or "") if activity.conversation else ""
    return t({"channel": "where.channel", "groupchat": "where.group_chat"}.get(kind.casefold(), "where.chat"))
