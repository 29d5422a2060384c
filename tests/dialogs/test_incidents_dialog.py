from __future__ import annotations

import pytest

import dialogs.incidents_dialog
import services.domain.customer_search
from dialogs.incidents_dialog import spaced_incident, split_customer_and_service
from services.domain.customer_search import Found, longest_name_words
from services.domain.models import Customer
from tests.dialogs.test_escalation_dialog import Conversation


def test_customer_and_service_are_split_at_the_longest_customer_name(customers: list[Customer]) -> None:
    match, service = split_customer_and_service("contoso pharma exchange".split(), customers)
    assert isinstance(match, Found) and match.customer.name == "Contoso Pharmaceuticals"
    assert service == "exchange"


def test_a_long_argument_costs_a_few_lookups_and_one_spelling_search(
    customers: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    suggestions = lookups = 0
    original_suggest = services.domain.customer_search.suggest_customers
    original_resolve = services.domain.customer_search.resolve_customer

    def counting_suggest(*args: object) -> object:
        nonlocal suggestions
        suggestions += 1
        return original_suggest(*args)  # type: ignore[arg-type]

    def counting_resolve(*args: object, **kwargs: object) -> object:
        nonlocal lookups
        lookups += 1
        return original_resolve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services.domain.customer_search, "suggest_customers", counting_suggest)
    monkeypatch.setattr(dialogs.incidents_dialog, "resolve_customer", counting_resolve)
    words = ("our users in vienna cannot open outlook since this morning " * 5).split()
    match, service = split_customer_and_service(words, customers)
    assert suggestions == 1
    assert lookups <= longest_name_words(customers) + 1, "only as many cuts as the longest name has words"
    assert service.startswith("users in vienna")


# Names a partner's customers could have that are shaped like an id split by a space, or nearly.
LOOKALIKES = (
    "Zone 365",
    "Club 360 Fitness",
    "Lab 101",
    "M365 Ltd",
    "Area 51 Diner",
    "A1B2 C3D Ltd",
    "EX 1100",
)


def _with_lookalikes(customers: list[Customer]) -> list[Customer]:
    extra = [
        Customer(f"c-{n}", f"t-{n}", name, f"x{n}.example", "reseller", True)
        for n, name in enumerate(LOOKALIKES)
    ]
    return [*customers, *extra]


def _spaced(text: str, customers: list[Customer]) -> str:
    words = text.split()
    return spaced_incident(words, split_customer_and_service(words, customers)[0])


def test_a_customers_name_is_never_read_as_an_id_split_by_a_space(customers: list[Customer]) -> None:
    """Every demo customer, and names shaped like a spaced id ('Zone 365'), however they are typed after
    `incident`: in full, by their first words, lower case, with a service or 'all' after them."""
    ours = _with_lookalikes(customers)
    for customer in ours:
        words = customer.name.split()
        for typed in (
            words,
            words[:2],
            [w.lower() for w in words],
            [*words, "exchange"],
            [*words[:2], "all"],
        ):
            assert _spaced(" ".join(typed), ours) == "", typed


@pytest.mark.parametrize(
    ("typed", "opened"),
    [
        ("VNL2 8S8", "VNL2-8S8"),
        ("vnl2 8s8 contoso", "VNL2-8S8 contoso"),
        ('"VNL2 8S8"', "VNL2-8S8"),
        ("VNL2 – 8S8.", "VNL2-8S8"),
        ("ex 1100014 contoso pharma", "EX1100014 contoso pharma"),
        ("2LGR PG0", "2LGR-PG0"),
        ("BC_1 FXZ", "BC_1-FXZ"),
        ("Zone 365", "ZONE365"),  # without a customer of that name: a Graph id's shape
        ("Bleu Yonder", ""),  # a misspelt customer, no digit: 'did you mean Blue Yonder Airlines'
        ("Blue Yonder", ""),
        ("MC 905123", ""),  # a message center id is the change dialog's
        ("VNL2", ""),
    ],
)
def test_words_naming_no_customer_that_are_an_id_split_by_a_space_are_the_id(
    customers: list[Customer], typed: str, opened: str
) -> None:
    assert _spaced(typed, customers) == opened


@pytest.mark.parametrize(
    ("typed", "shows"),
    [
        ("incident VNL2 8S8", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("incident vnl2 8s8", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("incidents VNL2 8S8 contoso", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("incident VNL2 – 8S8.", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("incident VNL2–8S8", "VNL2-8S8 · Azure · Contoso Ltd"),
        ('incident "VNL2-8S8"', "VNL2-8S8 · Azure · Contoso Ltd"),
        ("incident “vnl2—8s8”.", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("'VNL2-8S8'", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("(VNL2–8S8)", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("장애상세 'VNL2–8S8'", "VNL2-8S8 · Azure · Contoso Ltd"),
        ("incident EX 1100014", "EX1100014 · Exchange Online · Contoso Ltd"),
        ("incident [ex1100014],", "EX1100014 · Exchange Online · Contoso Ltd"),
        ("“EX1100014”.", "EX1100014 · Exchange Online · Contoso Ltd"),
        ("change “MC905123”", "MC905123 · Exchange Online"),
        ("incident 'mc905123'", "MC905123 · Exchange Online"),
        ("incident fourth coffee", "Active incidents · Fourth Coffee"),
        ("incident Blue Yonder", "Active incidents · Blue Yonder Airlines"),
        ("incident bleu yonder", "Did you mean"),
        ("incident contoso exchange", "Active incidents · Contoso Ltd · exchange"),
    ],
)
async def test_an_id_pasted_with_a_space_dash_quotes_or_a_period_opens_it_and_a_customer_stays_one(
    typed: str, shows: str
) -> None:
    assert shows in await Conversation().say(typed)
