"""Decide which dialog a message goes to: pure functions, tested without I/O."""

from __future__ import annotations

import html
import re

from bot.turn.commands import (
    CUSTOMERS_DIALOG,
    HELP_DIALOG,
    MAX_ARGUMENT_LENGTH,
    REQUESTS_DIALOG,
    help_topic,
    parse,
)
from cards.actions import (
    FLOW_OFFER,
    OfferChoice,
    RunCommand,
    ShowCustomersPage,
    ShowRequestsPage,
    parse_submission,
)
from cards.parts import echo, without_format_characters
from dialogs.requests import CardRequest, CommandRequest, HelpRequest, Route
from dialogs.root import steering
from locales.translator import ENGLISH, Translator
from services.domain.ports import CustomerDirectory

_TAG = re.compile(r"<[^<>]*>")
_LINE_END = re.compile(r"<br\s*/?>|</(?:p|div|li|pre|h[1-6])\s*>", re.IGNORECASE)
# 'hi there, bot' is a greeting; a help word followed by more than this is something else.
_GREETING_TAIL = 40
# A flow's steering word typed with no flow running: what it would have steered isn't there.
_NOTHING_TO = {
    "cancel": "edge.nothing_to_cancel",
    "back": "edge.nothing_to_back",
    "resume": "edge.nothing_to_resume",
}


def typed_text(raw: str) -> str:
    """What the person typed, without Teams' markup (<at> tags, <p>, entities) or invisible format
    characters (a zero-width space isn't a word; a bidi override would flip what follows)."""
    return " ".join(without_format_characters(html.unescape(_TAG.sub(" ", raw))).split())


def typed_lines(raw: str) -> str:
    """What the person typed, markup removed as by typed_text but their line breaks kept (Teams writes them
    as <br>, paragraphs or a newline), for what reads a pasted document line by line (`import`)."""
    text = _TAG.sub("", _LINE_END.sub("\n", raw.replace("\r\n", "\n").replace("\r", "\n")))
    return without_format_characters(html.unescape(text))


def route_text(text: str, t: Translator = ENGLISH) -> Route:
    """`t`: the language of the hint shown when `text` isn't understood."""
    parsed = parse(text)
    if parsed is None or (parsed.command.dialog_id == HELP_DIALOG and len(parsed.argument) > _GREETING_TAIL):
        # 'Hi team, <a pasted email>' starts like a greeting but isn't one. 'cancel', 'back' or 'resume'
        # with no flow running (a flow's own question takes them first) is understood, just moot.
        moot = _NOTHING_TO.get(steering(text) or "")
        hint = t(moot) if moot else t("edge.not_understood", text=echo(text))
        # The text goes along (bounded) so a bare customer name can be answered with its health.
        named = text if len(text) <= MAX_ARGUMENT_LENGTH else ""
        return Route(HELP_DIALOG, HelpRequest(hint=hint, text=named).to_options())
    if parsed.command.dialog_id == HELP_DIALOG:
        section, command = help_topic(parsed.argument)
        return Route(HELP_DIALOG, HelpRequest(section=section, command=command).to_options())
    longest = parsed.command.longest_argument
    if len(parsed.argument) > longest:
        too_long = (
            "edge.too_long" if parsed.command.takes_customer(parsed.argument) else "edge.too_long_argument"
        )
        hint = t(too_long, length=len(parsed.argument), limit=longest)
        return Route(HELP_DIALOG, HelpRequest(hint=hint).to_options())
    return Route(parsed.command.dialog_id, CommandRequest(parsed.argument).to_options())


def route_submission(value: object) -> Route:
    """A card button's data; raises InvalidSubmission for data we never put on a card."""
    submission = parse_submission(value)
    if isinstance(submission, RunCommand):
        return route_text(submission.command)
    if isinstance(submission, ShowCustomersPage | ShowRequestsPage):
        return page_route(submission)
    if isinstance(submission, OfferChoice):
        # The question a flow asked, answered after the flow ended: no dialog takes it, so the root
        # says the card is out of date.
        return Route(FLOW_OFFER, CardRequest(submission.model_dump()).to_options())
    # A guided flow's card pressed with none of the presser's flows waiting (finished, or someone else's):
    # the flow it names answers it.
    return Route(submission.flow, CardRequest(submission.model_dump()).to_options())


def page_route(submission: ShowCustomersPage | ShowRequestsPage) -> Route:
    """The next page a paging button asks for."""
    if isinstance(submission, ShowCustomersPage):
        return Route(CUSTOMERS_DIALOG, CommandRequest(submission.search, submission.page).to_options())
    return Route(REQUESTS_DIALOG, CommandRequest(submission.customer, submission.page).to_options())


def recognised_command(text: str) -> Route | None:
    """The route for `text` when it is one of our commands; None for anything else (an answer, say)."""
    typed = typed_text(text)
    return route_text(typed) if parse(typed) is not None else None


async def complete_command(text: str, directory: CustomerDirectory) -> Route | None:
    """The route for `text` when the whole of it is one of our commands with complete, valid arguments
    (`health woodgrove`, `customers contoso`, `overview`); None for anything else, such as a title that
    starts with a command's word (`Customers can't join meetings`, `Hello, since 9am ...`)."""
    typed = typed_text(text)
    parsed = parse(typed)
    if parsed is None or len(parsed.argument) > MAX_ARGUMENT_LENGTH:
        return None
    customers = await directory.list_customers() if parsed.argument else ()
    return route_text(typed) if parsed.command.fits(parsed.argument, customers) else None


def command_name(route: Route) -> str:
    return "unknown" if route.options.get("hint") else route.dialog_id
