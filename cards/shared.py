"""Cards that people put into their own messages (search results and link previews from the compose box).

Such a card is read by everyone in that chat, most of whom never installed the bot: a button that runs one
of the bot's commands would send its data to a bot that isn't in their conversation, so it does nothing for
them. Only links survive (the delegated-admin links, which open a portal in the browser); every other action
and tap target goes. Teams renders link previews from Adaptive Cards up to version 1.3 only
(learn.microsoft.com/microsoftteams/platform/messaging-extensions/how-to/link-unfurling, "Link unfurling
supports Adaptive Cards version 1.3 and earlier"), so the shared copy declares 1.3 and drops the one 1.5
feature our cards use (TextBlock `style: heading`; its size and weight stay).
"""

from __future__ import annotations

from typing import Final

from microsoft_teams.cards import ActionSet, AdaptiveCard, OpenUrlAction, TextBlock
from microsoft_teams.cards.core import TextColor
from pydantic import BaseModel

SHARED_CARD_VERSION: Final = "1.3"

# A search result's preview is a thumbnail card, which has no text colours: the status colour is a mark
# in front of its status word, in the colour our cards give that status's text (STATUS_COLOURS and
# STATUS_COLOURS_OF_REQUESTS).
STATUS_MARKS: dict[TextColor, str] = {
    "Attention": "🔴",
    "Warning": "🟠",
    "Accent": "🔵",
    "Default": "⚪",
    "Good": "🟢",
}


def status_mark(colour: TextColor | None) -> str:
    return STATUS_MARKS.get(colour or "Default", STATUS_MARKS["Default"])


def _for_everyone(node: object) -> None:
    if isinstance(node, list):
        kept = [item for item in node if not (isinstance(item, BaseModel) and not _keep(item))]
        node[:] = kept
        for item in node:
            _for_everyone(item)
    elif isinstance(node, BaseModel):
        tap = getattr(node, "select_action", None)
        if tap is not None and not isinstance(tap, OpenUrlAction):
            # Any element may have a tap target, and they share no type that says so.
            setattr(node, "select_action", None)  # noqa: B010
        if isinstance(node, TextBlock) and node.style == "heading":
            node.style = None
        for name in type(node).model_fields:
            if name != "select_action":
                _for_everyone(getattr(node, name))


def _keep(item: BaseModel) -> bool:
    """Links stay; other actions go, and so does a set of actions left with none."""
    if type(item).__name__.endswith("Action"):
        return isinstance(item, OpenUrlAction)
    if isinstance(item, ActionSet):
        _for_everyone(item.actions)
        return bool(item.actions)
    return True


def shared_card(result: AdaptiveCard) -> AdaptiveCard:
    """A copy of `result` fit for people without the bot: links only, Adaptive Card 1.3."""
    copy = result.model_copy(deep=True)
    _for_everyone(copy)
    if copy.actions is not None and not copy.actions:
        copy.actions = None
    copy.version = SHARED_CARD_VERSION
    return copy
