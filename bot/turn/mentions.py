"""Mentions in a Teams message: whether the bot is addressed, and the text with every mention removed.

`@Support Bot health contoso @Megan Bowen` asks for Contoso's health: neither name is part of the
command. Entities come from the client, so a malformed one (no `mentioned`, no `text`) is plain text,
never an error.
"""

from __future__ import annotations

import re

from botbuilder.schema import Activity

from bot.turn.routing import typed_lines, typed_text
from dialogs.teams_member import mentions

GROUP_CONVERSATIONS = frozenset({"channel", "groupchat"})
_AT_SPAN = re.compile(r"<at\b[^<>]*>[^<]*</at>", re.IGNORECASE)


def mentioned_ids(activity: Activity) -> list[str]:
    """Whom the message's mention entities name; a malformed one (no `mentioned.id`) names no one."""
    return [teams_id for teams_id, _ in mentions(activity)]


def command_text(activity: Activity) -> str:
    """What the person typed for the bot: every mention (of anyone) and Teams markup removed.

    Teams writes each mention as `<at>Name</at>`; those spans go whether or not their entity is whole.
    """
    # Only the <at> spans: an entity's `text` is the client's word, and replacing it anywhere in the
    # message would cut a customer's name out of the command.
    return typed_text(_AT_SPAN.sub(" ", activity.text or ""))


def pasted_text(activity: Activity) -> str:
    """command_text with the person's line breaks kept (see typed_lines)."""
    return typed_lines(_AT_SPAN.sub(" ", activity.text or ""))


def addressed_to_someone_else(activity: Activity) -> bool:
    """A group message that mentions people, but not the bot: talk between colleagues, not a command."""
    conversation_type = (activity.conversation.conversation_type or "") if activity.conversation else ""
    if conversation_type.casefold() not in GROUP_CONVERSATIONS:
        return False
    named = mentioned_ids(activity)
    bot_id = activity.recipient.id if activity.recipient else None
    return bool(named) and bot_id not in named
