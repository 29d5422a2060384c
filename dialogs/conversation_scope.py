"""Which conversation a turn belongs to, for what the bot keeps per conversation (subscriptions)."""

from __future__ import annotations

from botbuilder.schema import Activity

_THREAD = ";messageid="


def conversation_key(activity: Activity) -> str:
    """The conversation a subscription belongs to: a channel, not one thread of it."""
    conversation = activity.conversation.id if activity.conversation else ""
    return conversation.split(_THREAD, 1)[0]


def where(activity: Activity) -> str:
    """How the bot names the conversation it is in: 'this channel', 'this group chat', 'this chat'."""
    kind = (activity.conversation.conversation_type or "") if activity.conversation else ""
    return {"channel": "this channel", "groupchat": "this group chat"}.get(kind.casefold(), "this chat")
