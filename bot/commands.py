"""The command table and the parser that turns what people type into one of its commands.

People type freely: case, punctuation and a trailing '?' don't matter, and a few natural phrasings
("how is contoso doing?", "show incidents for woodgrove") are recognized by patterns of our own.
The help card and the Teams manifest's command list are generated from this table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cards.help import HelpEntry
from dialogs.ids import (
    AUDIT,
    CUSTOMERS,
    ESCALATION,
    HEALTH,
    HELP,
    INCIDENT,
    INCIDENTS,
    LINK,
    NOTE,
    NOTICES,
    OVERVIEW,
    QUIET,
    REQUEST,
    REQUESTS,
    SUBSCRIBE,
    SUBSCRIPTIONS,
    UNSUBSCRIBE,
)
from services.incidents import looks_like_incident_id


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    example: str
    dialog_id: str
    # Teams shows at most 10 commands in a bot's menu; the others are still taught by help.
    in_menu: bool = True
    # Set: for operators only (bot/access.py), and what they may do, as the refusal says it.
    operator_action: str = ""

    @property
    def help_entry(self) -> HelpEntry:
        return HelpEntry(usage=self.usage, summary=self.summary, example=self.example)


COMMANDS: tuple[Command, ...] = (
    Command(
        "health",
        ("status", "check"),
        "health <customer>",
        "A customer's service health: degraded and interrupted services first.",
        "health contoso",
        HEALTH,
    ),
    Command(
        "incidents",
        ("issues", "outages"),
        "incidents <customer> [service] [all]",
        "Active incidents, newest first. Name a service to filter; add 'all' to include resolved ones.",
        "incidents contoso exchange",
        INCIDENTS,
    ),
    Command(
        "incident",
        (),
        "incident <id>",
        "One incident in detail, with Microsoft's updates as a timeline.",
        "incident EX1100014",
        INCIDENT,
    ),
    Command(
        "customers",
        ("customer", "clients"),
        "customers [search]",
        "Your customers, or those whose name, domain or tenant id matches the search.",
        "customers fabrikam",
        CUSTOMERS,
    ),
    Command(
        "escalate",
        ("escalation", "ticket"),
        "escalate [customer] [about <incident id>]",
        "File a service request with Microsoft, question by question; 'file a request' works too.",
        "escalate contoso about EX1100014",
        ESCALATION,
        operator_action="file service requests",
    ),
    Command(
        "requests",
        ("srs", "tickets"),
        "requests [customer]",
        "Recent service requests with their status, latest update first.",
        "requests contoso",
        REQUESTS,
    ),
    Command(
        "request",
        ("sr",),
        "request <number>",
        "One service request with its notes.",
        "request 2611240010000001",
        REQUEST,
        in_menu=False,
    ),
    Command(
        "note",
        ("comment",),
        "note <number> <text>",
        "Add a note to a service request.",
        "note 2611240010000001 Customer confirmed the workaround",
        NOTE,
        in_menu=False,
        operator_action="add notes to service requests",
    ),
    Command(
        "link",
        (),
        "link <reference> <SR number>",
        "Attach the SR number Partner Center gave to a request handed off there.",
        "link E2611240010000001 2611240010000007",
        LINK,
        in_menu=False,
        operator_action="link SR numbers",
    ),
    Command(
        "overview",
        ("dashboard", "summary"),
        "overview",
        "Every customer with active incidents, worst first.",
        "overview",
        OVERVIEW,
    ),
    Command(
        "subscribe",
        ("follow", "watch"),
        "subscribe <customer | all> [service] [incidents | advisories | all]",
        "Post a card here for each new incident of a customer (or of all), kept up to date as it changes.",
        "subscribe contoso",
        SUBSCRIBE,
        operator_action="change what this conversation hears about",
    ),
    Command(
        "subscriptions",
        ("subscribed", "following"),
        "subscriptions",
        "What this conversation hears about, each with an Unsubscribe button.",
        "subscriptions",
        SUBSCRIPTIONS,
    ),
    Command(
        "unsubscribe",
        ("unfollow", "unwatch"),
        "unsubscribe [customer | all] [service]",
        "Stop hearing about a customer here; on its own, stop hearing about everything.",
        "unsubscribe contoso",
        UNSUBSCRIBE,
        in_menu=False,
        operator_action="change what this conversation hears about",
    ),
    Command(
        "quiet",
        ("mute", "snooze"),
        "quiet <hours>",
        "Hold notices here for a while ('quiet 2'); they arrive as one digest afterwards.",
        "quiet off",
        QUIET,
        in_menu=False,
        operator_action="hold notices in this conversation",
    ),
    Command(
        "notices",
        ("notifications", "alerts"),
        "notices [customer]",
        "The latest notices, and whether each reached its conversations.",
        "notices",
        NOTICES,
        in_menu=False,
    ),
    Command(
        "audit",
        (),
        "audit [n]",
        "The latest n entries of the audit log: requests filed, notes, subscriptions, refusals.",
        "audit 20",
        AUDIT,
        in_menu=False,
        operator_action="read the audit log",
    ),
    Command(
        "help",
        ("?", "commands", "hi", "hello", "hey", "start"),
        "help",
        "This list.",
        "help",
        HELP,
    ),
)

# Longer than any customer name, domain, tenant id, incident id or service can be (Entra caps names at 256).
MAX_ARGUMENT_LENGTH = 256
# Natural phrasings are short questions; longer text is not tried against them.
_MAX_PHRASE_LENGTH = MAX_ARGUMENT_LENGTH + 64

_BY_WORD = {word: c for c in COMMANDS for word in (c.name, *c.aliases)}
BY_NAME = {c.name: c for c in COMMANDS}
# The flows only operators may start or answer; what each one does, for the refusal.
OPERATOR_FLOWS = {c.dialog_id: c.operator_action for c in COMMANDS if c.operator_action}


@dataclass(frozen=True)
class ParsedCommand:
    command: Command
    argument: str


_LEADING_FILLER = re.compile(
    r"^(?:(?:hey|hi|ok|okay)\s+bot\b[,\s]*|please\s+|can you\s+|could you\s+|would you\s+)+"
)
_FILLER_TAIL = 80
_TRAILING_FILLER = re.compile(r"(?:[,\s]+(?:please|thanks|thank you|pls))+$")
_ARGUMENT_PREPOSITION = re.compile(r"^(?:for|of|at|on|in|about|with|from)\s+")

# Natural phrasings, tried in order against the cleaned, lower-cased text.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"^(?:what can you do|what do you do|how do (?:i|you) use (?:you|this))$", "help"),
        (
            r"^(?:file|open|raise|create|log|start)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:service\s+|support\s+)?"
            r"(?:request|ticket|case|sr|escalation)(?:\s+(?P<arg>.*))?$",
            "escalate",
        ),
        (r"^(?:list|show)?\s*(?:my\s+|our\s+|recent\s+)*service\s+requests(?:\s+(?P<arg>.*))?$", "requests"),
        (
            r"^(?:show|list|get|find|open|display)\s+(?:me\s+)?(?:the\s+)?(?:details\s+(?:of|for)\s+)?"
            r"incident\s+(?P<arg>.+)$",
            "incident",
        ),
        (
            r"^(?:what(?:'s| is)|tell me about|details (?:of|for)|show|open|get|display)\s+(?:me\s+)?"
            r"(?P<arg>[a-z]{2,4}\d{3,}\b.*)$",
            "incident",
        ),
        (
            r"^(?:(?:show|list|get|find|display|are there|any)\s+)?(?:me\s+)?(?:the\s+|all\s+)?"
            r"(?:active\s+|current\s+|open\s+|ongoing\s+)?(?:incidents|issues|outages|problems)\s+"
            r"(?:for|at|in|with|on|affecting)\s+(?P<arg>.+)$",
            "incidents",
        ),
        (
            r"^(?:show|list|get|display)\s+(?:me\s+)?(?P<arg>.+?)(?:'s|s')\s+(?:active\s+)?"
            r"(?:incidents|issues|outages)$",
            "incidents",
        ),
        (
            r"^(?:what(?:'s| is)|anything)\s+(?:wrong|going on|happening|broken|down)\s+"
            r"(?:with|at|for)\s+(?P<arg>.+)$",
            "incidents",
        ),
        (
            r"^(?:how(?:'s| is| are)|is|are|check(?: on)?|what(?:'s| is) the (?:status|health) (?:of|for)|"
            r"(?:status|health) (?:of|for))\s+(?P<arg>.+?)(?:'s)?"
            r"(?:\s+(?:doing|looking|today|right now|ok|okay|healthy|up|health|status))*$",
            "health",
        ),
        (
            r"^(?:show|list|find|search|get)\s+(?:me\s+)?(?:for\s+)?(?:all\s+|my\s+|our\s+|the\s+)?"
            r"(?:customers?|clients?|tenants?)(?:\s+(?:matching|named|called|like|with))?\s*(?P<arg>.*)$",
            "customers",
        ),
        (r"^(?:find|search(?: for)?|look up|lookup)\s+(?P<arg>.+)$", "customers"),
    )
)


def clean(text: str) -> str:
    """One line, normal width, no surrounding punctuation or politeness."""
    line = " ".join(unicodedata.normalize("NFKC", text).replace("’", "'").split())
    line = line.strip(" \t?!.,;:").lstrip("/")
    lowered = line.casefold()
    lead = _LEADING_FILLER.match(lowered)
    if lead:
        line = line[lead.end() :]
    # Only the tail can hold a trailing 'please': searching the whole of a pasted ', , , …' is quadratic.
    trail = _TRAILING_FILLER.search(line.casefold(), max(0, len(line) - _FILLER_TAIL))
    if trail:
        line = line[: trail.start()]
    return line.strip(" \t?!.,;:")


def looks_like_request_number(text: str) -> bool:
    """An SR number (digits), or the reference of a request handed off to Partner Center (E + digits)."""
    digits = text[1:] if text[:1] in ("E", "e") else text
    return digits.isdigit() and 10 <= len(digits) <= 20


def _argument(text: str) -> str:
    return _ARGUMENT_PREPOSITION.sub("", text.strip(), count=1).strip(" \t?!,;:")


def _parsed(name: str, argument: str) -> ParsedCommand:
    argument = _argument(argument)
    # 'incidents EX1100014' asks for one incident; 'incident contoso' for a customer's list.
    first = argument.split(" ", 1)[0]
    if name == "incidents" and looks_like_incident_id(first) and " " not in argument:
        name = "incident"
    elif name == "incident" and argument and not looks_like_incident_id(first):
        name = "incidents"
    # 'request 2611240010000001' shows one; 'request for contoso' files one.
    elif name == "request" and not looks_like_request_number(first):
        name = "escalate"
    return ParsedCommand(BY_NAME[name], argument)


def parse(text: str) -> ParsedCommand | None:
    """The command in `text`, or None when it isn't one we know."""
    line = clean(text)
    if not line:
        return ParsedCommand(BY_NAME["help"], "")
    word, _, rest = line.partition(" ")
    command = _BY_WORD.get(word.casefold().rstrip(":,"))
    if command is not None:
        return _parsed(command.name, rest)
    if looks_like_incident_id(line):
        return _parsed("incident", line)
    if len(line) > _MAX_PHRASE_LENGTH:
        return None
    lowered = line.casefold()
    for pattern, name in _PHRASES:
        match = pattern.match(lowered)
        if match:
            if "arg" not in match.groupdict():
                return _parsed(name, "")
            start, end = match.span("arg")
            return _parsed(name, line[start:end])
    return None
