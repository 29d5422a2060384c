"""Everything the Teams edge itself says to people, in one place (dialogs and cards own their own)."""

from __future__ import annotations

GREETING = (
    "Hi! I'm the support desk's bot. I show your customers' Microsoft 365 service health and incidents."
)
STILL_WORKING = "Still working on that… I'll post the answer here in a moment."
RESTARTED_TITLE = "I restarted before I could answer"
RESTARTED_ASKED = "You asked '{asked}' just before I restarted, so it has no answer yet. Please ask again."
RESTARTED_CLICKED = (
    "You pressed a button just before I restarted, so it has no answer yet. Please do it again."
)
ASK_AGAIN = "Ask again"
REJECTED_BUTTON_TITLE = "That didn't work"
NOT_UNDERSTOOD = "I didn't understand '{text}'. Here's what I can do:"
TOO_LONG = (
    "That's too long to be a customer name, id or search: {length} characters, and none is longer than "
    "{limit}. Here's what I can do:"
)
NOTICE_NOT_HERE = (
    "That notice didn't come to this conversation, or it's out of date. Type 'notices' to see the latest."
)
SOMEONE = "someone"
OPERATORS_ONLY = "Only the support desk's operators can {action}. {contact} can give you access {how}."
OPERATORS_HOW = "by adding you to BOT_OPERATORS"
OPERATORS_HOW_GROUP = "by adding you to the Entra group {group} (or to BOT_OPERATORS)"
ACKNOWLEDGE_ACTION = "acknowledge notices"
TENANT_NOT_SERVED = "Sorry, this bot serves its partner's own organisation only."
SOMEONE_ELSES_DIALOG = (
    "{names} is answering my questions here, and your message isn't one of the answers. "
    "To file a request of your own, type 'escalate'. Here's what I can do:"
)
