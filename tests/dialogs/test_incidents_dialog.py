from __future__ import annotations

import pytest

import services.customer_search
from dialogs.incidents_dialog import split_customer_and_service
from services.customer_search import Found
from services.models import Customer


def test_customer_and_service_are_split_at_the_longest_customer_name(customers: list[Customer]) -> None:
    match, service = split_customer_and_service("contoso pharma exchange".split(), customers)
    assert isinstance(match, Found) and match.customer.name == "Contoso Pharmaceuticals"
    assert service == "exchange"


def test_a_long_argument_costs_a_few_lookups_and_one_spelling_search(
    customers: list[Customer], monkeypatch: pytest.MonkeyPatch
) -> None:
    suggestions = 0
    original = services.customer_search.suggest_customers

    def counting(*args: object) -> object:
        nonlocal suggestions
        suggestions += 1
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(services.customer_search, "suggest_customers", counting)
    words = ("our users in vienna cannot open outlook since this morning " * 5).split()
    match, service = split_customer_and_service(words, customers)
    assert suggestions == 1
    assert service.startswith("users in vienna")
