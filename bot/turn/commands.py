"""The command table and the parser that turns what people type into one of its commands.

People type freely: case, punctuation and a trailing '?' don't matter, and a few natural phrasings
("how is contoso doing?", "show incidents for woodgrove") are recognized by patterns of our own.
The help card and the Teams manifest's command list are generated from this table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from botbuilder.core import StatePropertyAccessor
from botbuilder.dialogs import Dialog

from cards.help import HelpEntry, HelpSection
from dialogs.audit_dialog import AuditDialog
from dialogs.change_dialog import ChangeDialog
from dialogs.changes_dialog import ChangesDialog, is_weekly, weekly_ask
from dialogs.customers_dialog import CustomersDialog
from dialogs.escalation_dialog import ESCALATION, EscalationDialog
from dialogs.export_dialog import ExportDialog
from dialogs.health_dialog import HealthDialog
from dialogs.help_dialog import HelpDialog
from dialogs.import_dialog import ImportDialog
from dialogs.incident_dialog import IncidentDialog
from dialogs.incidents_dialog import IncidentsDialog, include_resolved
from dialogs.language_dialog import LanguageDialog
from dialogs.link_dialog import LinkDialog, fits_link
from dialogs.note_dialog import NoteDialog
from dialogs.notices_dialog import NoticesDialog
from dialogs.overview_dialog import OverviewDialog
from dialogs.owners_dialog import NOBODY, MineDialog, OwnerDialog, OwnersDialog
from dialogs.quiet_dialog import QuietDialog, quiet_hours
from dialogs.request_dialog import RequestDialog, request_number
from dialogs.requests import CommandRequest, Route
from dialogs.requests_list_dialog import RequestsListDialog
from dialogs.setup_dialog import SetupDialog
from dialogs.sign_out_dialog import SignOutDialog
from dialogs.subscribe_dialog import EVERYONE, SubscribeDialog, split_kind
from dialogs.subscriptions_dialog import SubscriptionsDialog
from dialogs.teams_member import member_contact, mentioned_people
from dialogs.unsubscribe_dialog import UnsubscribeDialog
from locales.translator import LANGUAGES, Translator, chosen_language, words_for
from services.access.scoped import CustomerScope, ScopedBackend, ScopedDesk
from services.domain.azure_events import looks_like_tracking_id
from services.domain.customer_search import longest_name_words, named_customer, search_customers
from services.domain.incidents import looks_like_incident_id
from services.domain.models import Customer
from services.domain.ports import AuditRecords, Backend, ServiceRequestDesk
from services.domain.service_messages import looks_like_message_id
from services.domain.settings_document import MAX_DOCUMENT_CHARS
from services.domain.typed_ids import typed_id

if TYPE_CHECKING:
    from bot.turn.handler import Notifications

# Longer than any customer name, domain, tenant id, incident id or service can be (Entra caps names at 256).
MAX_ARGUMENT_LENGTH = 256

# Whether a text after a command's name is complete, valid arguments for it, given the partner's
# customers. At a question that takes free text, only such a message is asked about ('your answer, or a
# command?'); 'Health check fails since 9am' is an answer, 'health woodgrove' could be either.
Fits = Callable[[str, Sequence[Customer]], bool]


def _nothing(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument


def _customer(argument: str, customers: Sequence[Customer]) -> bool:
    """Exactly one customer, named in whole words (no prefixes, no spelling guesses)."""
    return named_customer(customers, argument) is not None


def _customer_or_nothing(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument or _customer(argument, customers)


def _customer_first(argument: str, customers: Sequence[Customer]) -> bool:
    """A customer named by the leading words; what follows filters (a service, 'all')."""
    # 'all' names every customer before it can be the trailing 'all' that includes resolved incidents.
    if argument.split(" ", 1)[0].casefold() in EVERYONE:
        return True
    words, _ = include_resolved(argument.split())
    most = min(len(words), longest_name_words(customers))
    return any(_customer(" ".join(words[:cut]), customers) for cut in range(most, 0, -1))


def _subscription(argument: str, customers: Sequence[Customer]) -> bool:
    return _customer_first(" ".join(split_kind(argument.split())[0]), customers)


def _subscription_or_nothing(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument or _subscription(argument, customers)


def _owner(argument: str, customers: Sequence[Customer]) -> bool:
    """A customer, then `none` to clear (the people to name are mentions, not words)."""
    words = argument.split()
    if len(words) > 1 and words[-1].casefold() in NOBODY:
        words = words[:-1]
    return _customer(" ".join(words), customers)


def _search(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument or bool(search_customers(customers, argument))


def _escalation(argument: str, customers: Sequence[Customer]) -> bool:
    first = argument.split(" ", 1)[0]
    known = looks_like_incident_id(first) or looks_like_tracking_id(first)
    return not argument or known or _customer_first(argument, customers)


def _incident(argument: str, customers: Sequence[Customer]) -> bool:
    first, _, rest = argument.partition(" ")
    known = looks_like_incident_id(first) or looks_like_tracking_id(first)
    return known and _customer_or_nothing(rest.strip(), customers)


def _changes(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument or _customer_first(argument, customers) or weekly_ask(argument) is not None


def _message(argument: str, customers: Sequence[Customer]) -> bool:
    return looks_like_message_id(argument)


def _hours(argument: str, customers: Sequence[Customer]) -> bool:
    """What `quiet` itself takes (whole hours 1-72, or off); a bare `quiet` only asks for how long."""
    return quiet_hours(argument) is not None


def _count(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument or (argument.isdigit() and len(argument) <= 4)


def _language(argument: str, customers: Sequence[Customer]) -> bool:
    return not argument or chosen_language(argument) is not None


def _request(argument: str, customers: Sequence[Customer]) -> bool:
    return bool(request_number(argument))


def _link(argument: str, customers: Sequence[Customer]) -> bool:
    return fits_link(argument)


@dataclass(frozen=True)
class DialogNeeds:
    """Everything a command's dialog may be built from: its row picks what it needs. `backend` and `desk`
    are the turn's person's view (scoped_needs); notices, the watcher and /api/notify keep the unscoped
    ones."""

    backend: Backend
    desk: ServiceRequestDesk
    clock: Callable[[], datetime]
    audit: AuditRecords
    notifications: Notifications
    # The reader's chosen language, in user state.
    language: StatePropertyAccessor
    # The person's reach: role checks before a flow's first question, admin-center buttons, lists.
    scope: CustomerScope


def scoped_needs(
    backend: Backend,
    desk: ServiceRequestDesk,
    clock: Callable[[], datetime],
    audit: AuditRecords,
    notifications: Notifications,
    language: StatePropertyAccessor,
    contact: str = "",
) -> DialogNeeds:
    """What the dialogs are built from, each customer read as the turn's person sees it; `contact` is who
    grants roles, as refusals name them (BOT_ACCESS_CONTACT)."""
    scoped = ScopedBackend(backend, clock, contact)
    return DialogNeeds(
        scoped, ScopedDesk(desk, backend, clock, contact), clock, audit, notifications, language, scoped.scope
    )


# How a command's dialog is built: from the id its row gives it and the bundle of what dialogs need.
DialogFactory = Callable[[str, DialogNeeds], Dialog]


@dataclass(frozen=True)
class Command:
    """One command, and its one registration. What people read of it (usage, summary, example, and for
    operators-only commands what the refusal says they may not do) and the words they type for it are in
    the catalogues under `command.<name>.*`."""

    name: str
    dialog: DialogFactory
    # Where the help card teaches it: every command says (no default), so a new one can't go untaught.
    section: HelpSection
    # Teams shows at most 10 commands in a bot's menu; the others are still taught by help.
    in_menu: bool = True
    # For operators only (bot/turn/access.py).
    operators_only: bool = False
    # For operators only when its argument is one of these (`changes weekly mon 9` changes what the
    # conversation hears; `changes contoso` only reads).
    operators_only_if: Callable[[str], bool] | None = None
    # Whether a text after the command's name is complete, valid arguments for it (see Fits).
    fits: Fits = _nothing
    # What its example names that must exist to be tried ('number': a request's, 'reference': a handed-off
    # request's; 'filing': the reader's right to file for the examples' customer, dialogs/help_dialog.py);
    # the help fills them in from the desk and the reader's access, and offers no Try button when there is
    # none.
    example_needs: tuple[str, ...] = ()
    # Its dialog's id, when not its name (kept in people's dialog state: it never changes).
    flow: str = ""
    # The longest argument it takes (`import` takes a pasted settings document).
    longest_argument: int = MAX_ARGUMENT_LENGTH
    # Whether its argument may be a customer's name, id or search, as a too-long one is called (not
    # `quiet`'s hours, nor `changes weekly …`'s schedule).
    takes_customer: Callable[[str], bool] = lambda argument: True

    @property
    def words(self) -> frozenset[str]:
        """What people type for it: its name, and `command.<name>.words` in every catalogue."""
        return words_for(f"command.{self.name}.words") | {self.name}

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(sorted(self.words - {self.name}))

    @property
    def dialog_id(self) -> str:
        return self.flow or self.name

    def build(self, needs: DialogNeeds) -> Dialog:
        return self.dialog(self.dialog_id, needs)

    @property
    def operator_action(self) -> str:
        """The message id of what an operators-only command lets people do, as the refusal says it."""
        gated = self.operators_only or self.operators_only_if is not None
        return f"command.{self.name}.operator_action" if gated else ""

    def help_entry(self, t: Translator, examples: Mapping[str, str] | None = None) -> HelpEntry:
        """`examples`: what exists to try the example on ({'number': '2612060010000003'})."""
        values = {need: (examples or {}).get(need, "") for need in self.example_needs}
        example = t(f"command.{self.name}.example", **values) if all(values.values()) else ""
        return HelpEntry(
            name=self.name,
            section=self.section,
            usage=t(f"command.{self.name}.usage"),
            summary=t(f"command.{self.name}.summary"),
            example=example,
        )


def _one_incident(dialog_id: str, needs: DialogNeeds) -> IncidentDialog:
    return IncidentDialog(dialog_id, needs.backend, needs.clock, needs.notifications.board, needs.scope)


COMMANDS: tuple[Command, ...] = (
    Command(
        "health",
        lambda id, n: HealthDialog(id, n.backend, n.scope),
        section=HelpSection.LOOK,
        fits=_customer,
    ),
    Command(
        "incidents",
        # An id split by a space ('incident VNL2 8S8') reaches the list; naming no customer, it is opened.
        lambda id, n: IncidentsDialog(id, n.backend, n.clock, n.scope, _one_incident(f"{id}.one", n).answer),
        section=HelpSection.LOOK,
        fits=_customer_first,
    ),
    Command(
        "incident",
        _one_incident,
        section=HelpSection.LOOK,
        fits=_incident,
    ),
    Command(
        "changes",
        lambda id, n: ChangesDialog(
            id, n.backend, n.clock, n.notifications.weekly_changes, n.notifications.subscriptions, n.audit
        ),
        section=HelpSection.LOOK,
        in_menu=False,
        fits=_changes,
        operators_only_if=is_weekly,
        takes_customer=lambda argument: not is_weekly(argument),
    ),
    Command(
        "change",
        lambda id, n: ChangeDialog(id, n.backend, n.clock),
        section=HelpSection.LOOK,
        in_menu=False,
        fits=_message,
    ),
    Command(
        "customers",
        lambda id, n: CustomersDialog(id, n.backend),
        section=HelpSection.LOOK,
        fits=_search,
    ),
    Command(
        "escalate",
        lambda id, n: EscalationDialog(n.backend, n.desk, n.clock, member_contact, n.audit, n.scope),
        section=HelpSection.ACT,
        operators_only=True,
        fits=_escalation,
        example_needs=("filing",),
        flow=ESCALATION,
    ),
    Command(
        "requests",
        lambda id, n: RequestsListDialog(id, n.backend, n.desk, n.clock),
        section=HelpSection.ACT,
        fits=_customer_or_nothing,
        example_needs=("filing",),
    ),
    Command(
        "request",
        lambda id, n: RequestDialog(id, n.desk, n.clock),
        section=HelpSection.ACT,
        in_menu=False,
        fits=_request,
        example_needs=("number",),
    ),
    Command(
        "note",
        lambda id, n: NoteDialog(id, n.desk, n.clock, n.audit),
        section=HelpSection.ACT,
        in_menu=False,
        operators_only=True,
        fits=_request,
        example_needs=("number",),
    ),
    Command(
        "link",
        lambda id, n: LinkDialog(id, n.desk, n.clock, n.audit),
        section=HelpSection.ACT,
        in_menu=False,
        operators_only=True,
        fits=_link,
        example_needs=("reference",),
    ),
    Command(
        "overview",
        lambda id, n: OverviewDialog(id, n.backend, n.clock, n.notifications.owners),
        section=HelpSection.LOOK,
    ),
    Command(
        "mine",
        lambda id, n: MineDialog(id, n.backend, n.notifications.owners),
        section=HelpSection.LOOK,
        in_menu=False,
    ),
    Command(
        "subscribe",
        lambda id, n: SubscribeDialog(
            id,
            n.backend,
            n.notifications.subscriptions,
            n.notifications.conversations,
            n.notifications.watcher,
            n.clock,
            n.audit,
            n.scope,
        ),
        section=HelpSection.NOTICES,
        operators_only=True,
        fits=_subscription,
    ),
    Command(
        "setup",
        lambda id, n: SetupDialog(
            id,
            n.backend,
            n.notifications.subscriptions,
            n.notifications.conversations,
            n.notifications.watcher,
            n.clock,
            n.notifications.refresh,
            n.audit,
            n.scope,
            n.notifications.owners,
        ),
        section=HelpSection.NOTICES,
        in_menu=False,
        operators_only=True,
    ),
    Command(
        "export",
        lambda id, n: ExportDialog(
            id,
            n.backend,
            n.notifications.subscriptions,
            n.notifications.conversations,
            n.notifications.owners,
            n.clock,
            n.scope,
        ),
        section=HelpSection.SETTINGS,
        in_menu=False,
    ),
    Command(
        "import",
        lambda id, n: ImportDialog(
            id,
            n.backend,
            n.notifications.subscriptions,
            n.notifications.conversations,
            n.notifications.owners,
            n.notifications.watcher,
            n.clock,
            n.notifications.refresh,
            n.audit,
            n.scope,
        ),
        section=HelpSection.SETTINGS,
        in_menu=False,
        operators_only=True,
        fits=lambda argument, customers: False,
        # Tried only with a document of one's own: the help offers no Try button.
        example_needs=("settings",),
        # Past the document's own limit it still reaches the dialog, which names the limit it broke.
        longest_argument=10 * MAX_DOCUMENT_CHARS,
    ),
    Command(
        "subscriptions",
        lambda id, n: SubscriptionsDialog(
            id, n.backend, n.notifications.subscriptions, n.notifications.conversations, n.clock, n.scope
        ),
        section=HelpSection.NOTICES,
    ),
    Command(
        "unsubscribe",
        lambda id, n: UnsubscribeDialog(id, n.backend, n.notifications.subscriptions, n.audit, n.clock),
        section=HelpSection.NOTICES,
        in_menu=False,
        operators_only=True,
        fits=_subscription_or_nothing,
    ),
    Command(
        "quiet",
        lambda id, n: QuietDialog(
            id, n.notifications.conversations, n.clock, n.notifications.refresh, n.audit
        ),
        section=HelpSection.NOTICES,
        in_menu=False,
        operators_only=True,
        fits=_hours,
        takes_customer=lambda argument: False,
    ),
    Command(
        "notices",
        lambda id, n: NoticesDialog(id, n.backend, n.notifications.board, n.clock, n.scope),
        section=HelpSection.NOTICES,
        in_menu=False,
        fits=_customer_or_nothing,
    ),
    Command(
        "owner",
        lambda id, n: OwnerDialog(id, n.backend, n.notifications.owners, n.clock, n.audit, mentioned_people),
        section=HelpSection.NOTICES,
        in_menu=False,
        operators_only=True,
        fits=_owner,
    ),
    Command(
        "owners",
        lambda id, n: OwnersDialog(id, n.backend, n.notifications.owners),
        section=HelpSection.NOTICES,
        in_menu=False,
        fits=_customer_or_nothing,
    ),
    Command(
        "audit",
        lambda id, n: AuditDialog(id, n.audit, n.clock),
        section=HelpSection.SETTINGS,
        in_menu=False,
        operators_only=True,
        fits=_count,
        takes_customer=lambda argument: False,
    ),
    Command(
        "language",
        lambda id, n: LanguageDialog(id, n.language),
        section=HelpSection.SETTINGS,
        in_menu=False,
        fits=_language,
        takes_customer=lambda argument: False,
    ),
    Command(
        "signout",
        lambda id, n: SignOutDialog(id),
        section=HelpSection.SETTINGS,
        in_menu=False,
    ),
    Command(
        "help",
        lambda id, n: HelpDialog(id, help_entries, n.backend, n.scope, n.desk),
        section=HelpSection.SETTINGS,
        fits=lambda argument, customers: False,
    ),
)


def command_dialogs(needs: DialogNeeds) -> list[Dialog]:
    """Every command's dialog, for the root dialog."""
    return [c.build(needs) for c in COMMANDS]


def help_entries(t: Translator, examples: Mapping[str, str] | None = None) -> list[HelpEntry]:
    """What the help card teaches, in the reader's language; see Command.help_entry for `examples`."""
    return [c.help_entry(t, examples) for c in COMMANDS]


# Natural phrasings are short questions; longer text is not tried against them.
_MAX_PHRASE_LENGTH = MAX_ARGUMENT_LENGTH + 64

_BY_WORD = {word: c for c in COMMANDS for word in c.words}
# Words of more than one word ('내 고객' as people space it), longest first: matched before the first word.
_SPACED_WORDS = sorted((w for w in _BY_WORD if " " in w), key=len, reverse=True)
BY_NAME = {c.name: c for c in COMMANDS}
# The dialogs the edge starts on its own (help for a greeting; a paging or stale escalation card's button).
HELP_DIALOG = BY_NAME["help"].dialog_id
CUSTOMERS_DIALOG = BY_NAME["customers"].dialog_id
REQUESTS_DIALOG = BY_NAME["requests"].dialog_id
ESCALATION_DIALOG = BY_NAME["escalate"].dialog_id
# The flows only operators may start or answer; what each one does, for the refusal.
OPERATOR_FLOWS = {c.dialog_id: c.operator_action for c in COMMANDS if c.operators_only}
_OPERATOR_ARGUMENTS = {c.dialog_id: c for c in COMMANDS if c.operators_only_if is not None}


def operator_action(route: Route) -> str:
    """What starting `route` would do that only operators may (the refusal's message id); '' when anyone
    may: an operators-only command, or one whose argument asks for a change (`changes weekly …`)."""
    command = _OPERATOR_ARGUMENTS.get(route.dialog_id)
    if command is not None and command.operators_only_if is not None:
        gated = command.operators_only_if(CommandRequest.from_options(route.options).argument)
        return command.operator_action if gated else ""
    return OPERATOR_FLOWS.get(route.dialog_id, "")


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

# Natural phrasings (`phrases` in every catalogue), tried in order against the cleaned, lower-cased text.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for language in LANGUAGES
    for line in Translator(language)("phrases").splitlines()
    for name, _, pattern in (line.partition(": "),)
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


# A word that starts like a message center id (a mistyped 'MC12') is asked about as an id, never a customer.
_MESSAGE_ID_START = re.compile(r"^mc\d", re.IGNORECASE)
# 'request for contoso' files one, as people say it in English; '요청' only ever shows one ('요청 <번호>'):
# the Korean help teaches '에스컬레이션' for filing, so one Korean word never means two things.
_FILING_REQUEST_WORDS = frozenset({"request", "sr"})
# The commands whose first argument may be an incident, Azure event or message center id.
_ID_COMMANDS = frozenset({"incident", "incidents", "change", "changes", "escalate"})


def _parsed(name: str, argument: str, word: str = "") -> ParsedCommand:
    argument = _argument(argument)
    first, _, rest = argument.partition(" ")
    # An id as pasted ('"VNL2–8S8"', '(EX1100014).') is the id; split by a space it is the incidents
    # dialog's to tell from a customer's name (dialogs/incidents_dialog.py).
    pasted = typed_id(first) if name in _ID_COMMANDS else None
    if pasted and pasted != first.upper():
        argument, first = f"{pasted} {rest}".strip(), pasted
    # 'incidents EX1100014' asks for one incident; 'incident contoso' for a customer's list.
    one = looks_like_incident_id(first) or looks_like_tracking_id(first)
    # 'tell me about MC905123', '장애상세 MC905123': a message center id is shaped like an incident's, and
    # whichever incident word comes before it the person wants the message, not 'incident not found'.
    if (
        name in ("incident", "incidents")
        and looks_like_message_id(first)
        and (name == "incident" or " " not in argument)
    ):
        name = "change"
    elif name == "incidents" and one and " " not in argument:
        name = "incident"
    elif name == "incident" and argument and not one:
        name = "incidents"
    # 'changes MC905123' asks for one message; 'change contoso' for a customer's. In English only: each
    # Korean word means one thing ('변경' lists, '변경상세' shows one).
    elif name == "changes" and word.isascii() and looks_like_message_id(first) and " " not in argument:
        name = "change"
    elif name == "change" and word.isascii() and argument and not _MESSAGE_ID_START.match(first):
        name = "changes"
    # 'request 2611240010000001' shows one; 'request for contoso' files one.
    elif name == "request" and not looks_like_request_number(first) and word in _FILING_REQUEST_WORDS:
        name = "escalate"
    return ParsedCommand(BY_NAME[name], argument)


def parse(text: str) -> ParsedCommand | None:
    """The command in `text`, or None when it isn't one we know."""
    line = clean(text)
    if not line:
        return ParsedCommand(BY_NAME["help"], "")
    word, _, rest = line.partition(" ")
    lowered = line.casefold()
    spaced = next((w for w in _SPACED_WORDS if lowered == w or lowered.startswith(f"{w} ")), None)
    if spaced is not None:
        word, rest = spaced, line[len(spaced) :].strip()
    word = word.casefold().rstrip(":,")
    command = _BY_WORD.get(word)
    if command is not None:
        return _parsed(command.name, rest, word)
    # An id alone, as pasted; message center ids (MC…) are shaped like incident ids: checked first.
    pasted = typed_id(line) or ""
    pasted = line if pasted == line.upper() else pasted
    if looks_like_message_id(pasted):
        return _parsed("change", pasted)
    if pasted:
        return _parsed("incident", pasted)
    if len(line) > _MAX_PHRASE_LENGTH:
        return None
    for pattern, name in _PHRASES:
        match = pattern.match(lowered)
        if match:
            if "arg" not in match.groupdict():
                return _parsed(name, "")
            start, end = match.span("arg")
            return _parsed(name, line[start:end])
    return None


def help_topic(argument: str) -> tuple[str, str]:
    """What `help <argument>` asks about, as (section, command), one of them or neither: a section
    (`help notices`, `도움말 알림`: its words in any catalogue, `help.section.<section>.words`, win over a
    command's, whose section holds that command), else a command (`help escalate`, `help incident
    EX1100014`; its own word, though the command would take what follows for another: `help request` is
    the request command's help, not escalate's), else neither: the whole card, as for a greeting ('hi
    there')."""
    words = " ".join(clean(argument).casefold().split())
    if not words:
        return "", ""
    for section in HelpSection:
        if words in words_for(f"help.section.{section.value}.words"):
            return section.value, ""
    command = _BY_WORD.get(words.split(" ", 1)[0].rstrip(":,"))
    if command is None:
        parsed = parse(argument)
        command = parsed.command if parsed is not None else None
    return "", command.name if command is not None and command.dialog_id != HELP_DIALOG else ""
