"""The question for a customer names an example from the customers the reader sees (the backend's data),
or, with none, a placeholder: never a name written into a dialog or the catalogue's example customer."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from dialogs.customer_choice import pick_customer
from dialogs.replies import card_reply
from locales.translator import LANGUAGES, Translator
from services.domain.models import Customer
from tests.support.visible import visible_text

NORTHWIND = Customer("c-2", "t-2", "Northwind Traders", "northwind.onmicrosoft.com", "reseller", True)
FABRIKAM = Customer("c-3", "t-3", "Fabrikam Inc", "fabrikam.onmicrosoft.com", "reseller", True)


class Directory:
    def __init__(self, customers: Sequence[Customer]) -> None:
        self._customers = list(customers)

    async def list_customers(self) -> list[Customer]:
        return self._customers


async def _question(customers: Sequence[Customer], language: str) -> str:
    card = await pick_customer(
        Directory(customers), "  ", lambda c: c.customer_id, "purpose.file_request", Translator(language)
    )
    assert not isinstance(card, Customer)
    return visible_text(card_reply(card))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("customers", [[NORTHWIND], [FABRIKAM, NORTHWIND]], ids=["one", "two"])
async def test_the_example_is_one_of_the_partners_customers(customers: list[Customer], language: str) -> None:
    text = await _question(customers, language)
    assert f"'{customers[0].name}'" in text
    assert "contoso" not in text.casefold()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_with_no_customers_seen_the_example_is_a_placeholder_not_the_catalogues_customer(
    language: str,
) -> None:
    """Under GDAP someone may see no customer: the catalogue's 'contoso' may be one hidden from them."""
    t = Translator(language)
    text = await _question([], language)
    assert f"'{t('customer.placeholder')}'" in text
    assert "contoso" not in text.casefold()
