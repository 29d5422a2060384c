"""Who looks after which customer, on both stores: what `owner`, `mine` and the notices' mentions read."""

from __future__ import annotations

from services.domain.models import Owner
from services.notices.owners import OwnerStore
from tests.services.conftest import OpenPlace
from tests.services.test_notice_board import CONTOSO, WOODGROVE

ANA, BEN, CHLOE = Owner("aad-ana", "Ana Bowman"), Owner("aad-ben", "Ben Ito"), Owner("aad-chloe", "Chloé 김")


async def test_owners_are_kept_in_the_order_named_and_once_each(open_place: OpenPlace) -> None:
    owners = OwnerStore(await open_place())
    assert await owners.replace(CONTOSO.customer_id, [BEN, ANA, Owner("aad-ben", "Ben again")]) == ()
    assert await owners.of_customers([CONTOSO.customer_id, WOODGROVE.customer_id]) == {
        CONTOSO.customer_id: (BEN, ANA)
    }


async def test_replacing_returns_who_was_there_and_none_clears(open_place: OpenPlace) -> None:
    owners = OwnerStore(await open_place())
    await owners.replace(CONTOSO.customer_id, [ANA])
    assert await owners.replace(CONTOSO.customer_id, [CHLOE]) == (ANA,)
    assert await owners.replace(CONTOSO.customer_id, []) == (CHLOE,)
    assert await owners.of_customers([CONTOSO.customer_id]) == {}
    assert await owners.everything() == {}


async def test_what_one_instance_names_another_finds_by_customer_and_by_person(open_place: OpenPlace) -> None:
    await OwnerStore(await open_place()).replace(CONTOSO.customer_id, [ANA, CHLOE])
    await OwnerStore(await open_place()).replace(WOODGROVE.customer_id, [CHLOE])
    other = OwnerStore(await open_place())
    assert sorted(await other.owned_by(CHLOE.object_id)) == sorted(
        [CONTOSO.customer_id, WOODGROVE.customer_id]
    )
    assert await other.owned_by(ANA.object_id) == [CONTOSO.customer_id]
    assert await other.owned_by("aad-nobody") == []
    assert await other.everything() == {CONTOSO.customer_id: (ANA, CHLOE), WOODGROVE.customer_id: (CHLOE,)}
