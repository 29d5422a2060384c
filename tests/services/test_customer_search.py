from __future__ import annotations

import pytest

from services.domain.customer_search import Ambiguous, Found, NotFound, resolve_customer, search_customers
from services.domain.models import Customer


@pytest.mark.parametrize(
    "query",
    [
        "contoso",
        "Contoso Ltd",
        "CONTOSO LTD.",
        "contoso.onmicrosoft.com",
        "aed00557-b713-5772-a4ff-9dabe7d2eb7b",  # tenant id
        "517A65B5-E99C-5660-9E76-C6C678D90247",  # customer id, any case
    ],
)
def test_every_way_of_naming_contoso_finds_contoso_ltd(customers: list[Customer], query: str) -> None:
    match = resolve_customer(customers, query)
    assert isinstance(match, Found)
    assert match.customer.name == "Contoso Ltd"


def test_contoso_pharma_finds_the_other_contoso(customers: list[Customer]) -> None:
    match = resolve_customer(customers, "contoso pharma")
    assert isinstance(match, Found)
    assert match.customer.name == "Contoso Pharmaceuticals"


def test_fabrikam_is_ambiguous_between_two_customers(customers: list[Customer]) -> None:
    match = resolve_customer(customers, "fabrikam")
    assert isinstance(match, Ambiguous)
    assert [c.name for c in match.candidates] == ["Fabrikam, Inc.", "Fabrikam Residences"]


def test_a_typo_gets_suggestions_not_a_match(customers: list[Customer]) -> None:
    match = resolve_customer(customers, "contsoo")
    assert isinstance(match, NotFound)
    assert {c.name for c in match.suggestions} == {"Contoso Ltd", "Contoso Pharmaceuticals"}


def test_nonsense_gets_no_suggestions(customers: list[Customer]) -> None:
    match = resolve_customer(customers, "zzqx")
    assert isinstance(match, NotFound)
    assert match.suggestions == ()


@pytest.mark.parametrize("query", ["한빛", "한빛 물류", "hanbit", "Hanbit Logistics"])
def test_korean_customers_are_found_by_either_script(customers: list[Customer], query: str) -> None:
    match = resolve_customer(customers, query)
    assert isinstance(match, Found)
    assert match.customer.name == "한빛 물류 (Hanbit Logistics)"


def test_search_matches_name_domain_and_id_fragments(customers: list[Customer]) -> None:
    assert [c.name for c in search_customers(customers, "fab")] == ["Fabrikam, Inc.", "Fabrikam Residences"]
    assert [c.name for c in search_customers(customers, "woodgrovebank.onmicrosoft")] == ["Woodgrove Bank"]
    assert [c.name for c in search_customers(customers, "aed00557")] == ["Contoso Ltd"]  # part of a tenant id
    assert [c.name for c in search_customers(customers, "aed00557-b713-5772-a4ff-9dabe7d2eb7b")] == [
        "Contoso Ltd"
    ]
    assert [c.name for c in search_customers(customers, "서울")] == [
        "서울 디자인 스튜디오 (Seoul Design Studio)"
    ]
    assert len(search_customers(customers, "")) == len(customers) == 24
