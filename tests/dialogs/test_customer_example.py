"""The question for a customer names an example from the partner's own customers (the backend's data),
or, with none yet, the catalogue's example customer: never a name written into a dialog."""

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
async def test_with_no_customers_yet_the_example_is_the_catalogues(language: str) -> None:
    t = Translator(language)
    catalogues = t("command.health.example").partition(" ")[2]
    assert catalogues
    assert f"'{catalogues}'" in await _question([], language)
