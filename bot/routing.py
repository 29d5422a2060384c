"""Decide which dialog a message goes to: pure functions, tested without I/O."""

from __future__ import annotations

import html
import re

from bot.commands import MAX_ARGUMENT_LENGTH, parse
from bot.wording import NOT_UNDERSTOOD, TOO_LONG
from cards.actions import RunCommand, parse_submission
from cards.parts import echo
from dialogs.ids import CUSTOMERS, HELP
from dialogs.requests import CommandRequest, HelpRequest, Route

_TAG = re.compile(r"<[^<>]*>")
# 'hi there, bot' is a greeting; a help word followed by more than this is something else.
_GREETING_TAIL = 40


def typed_text(raw: str) -> str:
    """What the person typed, without Teams' markup (<at> tags, <p>, entities)."""
    return " ".join(html.unescape(_TAG.sub(" ", raw)).split())


def route_text(text: str) -> Route:
    parsed = parse(text)
    if parsed is None or (parsed.command.dialog_id == HELP and len(parsed.argument) > _GREETING_TAIL):
        # 'Hi team, <a pasted email>' starts like a greeting but isn't one.
        return Route(HELP, HelpRequest(hint=NOT_UNDERSTOOD.format(text=echo(text))).to_options())
    if parsed.command.dialog_id == HELP:
        return Route(HELP, HelpRequest().to_options())
    if len(parsed.argument) > MAX_ARGUMENT_LENGTH:
        hint = TOO_LONG.format(length=len(parsed.argument), limit=MAX_ARGUMENT_LENGTH)
        return Route(HELP, HelpRequest(hint=hint).to_options())
    return Route(parsed.command.dialog_id, CommandRequest(parsed.argument).to_options())


def route_submission(value: object) -> Route:
    """A card button's data; raises InvalidSubmission for data we never put on a card."""
    submission = parse_submission(value)
    if isinstance(submission, RunCommand):
        return route_text(submission.command)
    return Route(CUSTOMERS, CommandRequest(submission.search, submission.page).to_options())


def command_name(route: Route) -> str:
    return "unknown" if route.options.get("hint") else route.dialog_id
