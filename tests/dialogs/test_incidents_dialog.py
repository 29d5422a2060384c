from __future__ import annotations

import pytest

import dialogs.incidents_dialog
import services.domain.customer_search
from dialogs.incidents_dialog import split_customer_and_service
from services.domain.customer_search import Found, longest_name_words
from services.domain.models import Customer


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
