"""Turn what the user typed into one customer, or into the card that asks which one they meant."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from microsoft_teams.cards import AdaptiveCard

from cards.actions import run_command
from cards.customers import customer_choice_card, did_you_mean_card
from cards.notices import notice_card
from locales.translator import ENGLISH, Translator
from services.domain.customer_search import Ambiguous, CustomerMatch, Found, resolve_customer
from services.domain.models import Customer
from services.domain.ports import CustomerDirectory

MAX_CHOICES = 8
# Longer than any customer's name, domain or tenant id: not worth a fuzzy search.
MAX_NAME_LENGTH = 120

CommandFor = Callable[[Customer], str]


def choose(
    match: CustomerMatch, command_for: CommandFor, purpose: str, t: Translator
) -> Customer | AdaptiveCard:
    """The customer, or a card whose buttons finish the request (`command_for`) for each candidate.
    `purpose`: the message id of what the customer is wanted for (`purpose.see_health`)."""
    if isinstance(match, Found):
        return match.customer
    if isinstance(match, Ambiguous):
        options = [(c, command_for(c)) for c in match.candidates[:MAX_CHOICES]]
        return customer_choice_card(match.query, options, t(purpose), t, total=len(match.candidates))
    return did_you_mean_card(match.query, [(c, command_for(c)) for c in match.suggestions], t)


def which_customer(example: str, t: Translator = ENGLISH) -> AdaptiveCard:
    """`example`: a command or name naming a customer the reader sees (example_customer)."""
    return notice_card(
        t("customer.which_title"),
        t("customer.which_text", example=example),
        [run_command(t("customer.list"), t("command.customers.example").split(" ")[0])],
    )


async def pick_customer(
    directory: CustomerDirectory,
    query: str,
    command_for: CommandFor,
    purpose: str,
    t: Translator,
    example: Callable[[str], str] | None = None,
) -> Customer | AdaptiveCard:
    """`purpose`: a message id, as for choose(); `t`: the reader's language; `example`: what the question
    for a customer shows as an example given a customer's name (`command_example`), else the name."""
    customers = await directory.list_customers()
    if not query.strip():
        name = example_customer(customers, t)
        return which_customer(example(name) if example else name, t)
    return choose(resolve_customer(customers, query), command_for, purpose, t)


def example_customer(customers: Sequence[Customer], t: Translator) -> str:
    """A customer to name as an example: the first the reader sees (`customers`, as the turn's backend
    lists them), else the catalogue's placeholder ('<customer>'): never a name they can't see, as the
    catalogue's example customer ('contoso') may be under GDAP."""
    return customers[0].name if customers else t("customer.placeholder")


def command_example(message_id: str, customer: str, t: Translator) -> str:
    """The catalogue's example of a command (`command.health.example`: 'health contoso') naming `customer`
    instead: 'health Woodgrove Bank', '상태 Woodgrove Bank'."""
    return f"{t(message_id).partition(' ')[0]} {customer}"


async def known_customer(directory: CustomerDirectory, text: str) -> Customer | None:
    """The customer `text` names without doubt (a bare 'contoso'), or None: no guesses, no questions."""
    if not text.strip() or len(text) > MAX_NAME_LENGTH:
        return None
    match = resolve_customer(await directory.list_customers(), text)
    return match.customer if isinstance(match, Found) else None
