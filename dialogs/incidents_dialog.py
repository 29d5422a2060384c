"""`incidents <customer> [service] [all]`: a customer's incidents, newest first; `incidents <customer> azure
[service] [all]`: its Azure service health events instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.actions import incidents_command
from cards.azure import azure_events_card
from cards.incidents import incidents_card
from dialogs.answer_dialog import AnswerDialog
from dialogs.customer_choice import choose, command_example, example_customer, which_customer
from dialogs.requests import CommandRequest
from locales.translator import Translator, words_for
from services.access.scoped import CustomerScope
from services.domain.access import Need
from services.domain.azure_events import list_azure_events
from services.domain.customer_search import CustomerMatch, NotFound, longest_name_words, resolve_customer
from services.domain.incidents import list_incidents
from services.domain.models import Customer
from services.domain.ports import Backend
from services.domain.typed_ids import spaced_id

_RESOLVED_WORDS = words_for("words.resolved")
_AZURE_WORDS = words_for("words.azure")
_RESOLVED_FILLER = {"including", "include", "incl", "with", "and", "plus"}


def split_customer_and_service(words: list[str], customers: Sequence[Customer]) -> tuple[CustomerMatch, str]:
    """The longest leading words that name a customer; what follows filters by service.

    'contoso pharma' is one customer, 'contoso exchange' is Contoso's Exchange Online. When nothing
    matches, the first word is taken as the (misspelt) customer so suggestions keep the service.
    Only as many leading words as the longest customer name has are tried, and spelling suggestions
    are computed once, so the work stays small however much was typed.
    """
    for cut in range(min(len(words), longest_name_words(customers)), 0, -1):
        match = resolve_customer(customers, " ".join(words[:cut]), suggest=False)
        if not isinstance(match, NotFound):
            return match, " ".join(words[cut:])
    return resolve_customer(customers, words[0]), " ".join(words[1:])


def include_resolved(words: list[str]) -> tuple[list[str], bool]:
    """Strip a trailing 'all' / 'including resolved'."""
    found = False
    while words and words[-1].casefold() in _RESOLVED_WORDS:
        words, found = words[:-1], True
        while found and words and words[-1].casefold() in _RESOLVED_FILLER:
            words = words[:-1]
    return words, found


def spaced_incident(words: list[str], customers: CustomerMatch) -> str:
    """'VNL2 8S8 [customer]', an id with a space for its hyphen, as `incident` takes it ('VNL2-8S8
    [customer]'), when the words name no customer (`customers`: what split_customer_and_service made of
    them; a customer 'Zone 365' stays one); '' otherwise."""
    found = spaced_id(words) if isinstance(customers, NotFound) else None
    return " ".join([found[0], *found[1]]) if found else ""


class IncidentsDialog(AnswerDialog):
    """`incidents <customer> [service] [all]`; `one_incident` answers `incident <id> [customer]` for an id
    typed with a space, which reaches this list ('incident VNL2 8S8')."""

    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        clock: Callable[[], datetime],
        scope: CustomerScope,
        one_incident: Callable[[object, Translator], Awaitable[AdaptiveCard]],
    ) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._clock = clock
        self._scope = scope
        self._one_incident = one_incident

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        request = CommandRequest.from_options(options)
        words, resolved = include_resolved(request.argument.split())
        customers = await self._backend.list_customers()
        if not words:
            example = command_example("command.incidents.example", example_customer(customers, t), t)
            return which_customer(example, t)
        match, service = split_customer_and_service(words, customers)
        spaced = spaced_incident(words, match)
        if spaced:
            return await self._one_incident(CommandRequest(spaced).to_options(), t)

        def command_for(customer: Customer) -> str:
            return incidents_command(customer, service, resolved)

        picked = choose(match, command_for, "purpose.see_incidents", t)
        if not isinstance(picked, Customer):
            return picked
        first, _, rest = service.partition(" ")
        if first.casefold() in _AZURE_WORDS:
            azure = await self._backend.azure_health(picked)
            wanted = rest.strip()
            events = list_azure_events(azure, wanted, resolved)
            # A word no event's service has ('cosmos') is no all-clear: the card names those its events have.
            unmatched = bool(wanted) and not list_azure_events(azure, wanted, include_resolved=True)
            named = sorted({s for e in azure.events for s in e.services}) if unmatched else []
            return azure_events_card(azure, events, self._clock(), t, wanted, resolved, named)
        health = await self._backend.tenant_health(picked)
        incidents = list_incidents(health, service, resolved)
        may_file = self._scope.may(picked, Need.FILE)
        return incidents_card(picked, incidents, self._clock(), t, service, resolved, may_file=may_file)
