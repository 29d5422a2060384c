"""What starts a dialog. Typed here, plain dicts only in dialog state (which must serialize)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Self


@dataclass(frozen=True)
class _Options:
    def to_options(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_options(cls, options: object) -> Self:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in options.items() if k in known} if isinstance(options, dict) else {}
        return cls(**values)


@dataclass(frozen=True)
class CommandRequest(_Options):
    """A command's argument as typed (`contoso exchange all`), and the page for paged answers."""

    argument: str = ""
    page: int = 1


@dataclass(frozen=True)
class HelpRequest(_Options):
    greeting: str = ""  # the message id of the welcome
    setup: bool = False  # the welcome in a channel: a button that sets the channel up
    hint: str = ""
    text: str = ""  # what was typed, when it wasn't understood
    # `help <section>` or `help <command>`: that section's (HelpSection value) or command's entries only.
    section: str = ""
    command: str = ""


@dataclass(frozen=True)
class Route(_Options):
    """Which dialog the root should start, with that dialog's options."""

    dialog_id: str
    options: dict[str, Any]


@dataclass(frozen=True)
class CardRequest(_Options):
    """A card's button pressed when no dialog of the presser's is waiting for it (a stale or foreign card)."""

    card: dict[str, Any]


# Where the root dialog leaves what the person typed (markup removed) for the flow it continues.
TYPED_TEXT = "support.typed_text"
# What the person typed with their line breaks kept, for what reads a pasted document by line (`import`).
PASTED_TEXT = "support.pasted_text"
# Set by the root dialog when a message went to the flow in progress as an answer (for the turn's log line,
# which otherwise names the command the text starts with: "Customers can't join meetings").
ANSWERED = "support.answered"
