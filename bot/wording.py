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
