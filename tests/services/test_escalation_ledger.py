"""The live desk's ledger on either store: once per key, hand-off references no two instances share,
numbers attached once, found by reference or number, newest first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.backends.live.escalation_ledger import (
    AZURE,
    PARTNER_CENTER,
    Escalation,
    EscalationLedger,
)
from services.domain.models import Contact, Severity, SupportTopic
from tests.services.conftest import OpenPlace

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
OpenLedger = Callable[[], Awaitable[EscalationLedger]]


def handoff(key: str, customer: str = "c-contoso", minute: int = 0) -> Escalation:
    return Escalation(
        key=key,
        kind=PARTNER_CENTER,
        reference="",
        number="",
        customer_id=customer,
        customer_name="Contoso Ltd",
        tenant_id="t-contoso",
        subscription_id="",
        topic=SupportTopic("32444671", "Exchange Online", "Mail flow"),
        severity=Severity.MODERATE,
        title="Mail is slow",
        description="Outbound mail is delayed.",
        contact=Contact("Ana Bowman", "ana@contoso.example"),
        incident_id="",
        requested_by="Ana Bowman",
        created=NOW + timedelta(minutes=minute),
    )


@pytest.fixture
def open_ledger(open_place: OpenPlace) -> OpenLedger:
    """Opens the ledger on the test's storage; again for a second instance sharing it."""

    async def open_one() -> EscalationLedger:
        return EscalationLedger(await open_place())

    return open_one


async def test_two_instances_recording_one_key_at_once_keep_one(open_ledger: OpenLedger) -> None:
    blue, green = await open_ledger(), await open_ledger()
    await asyncio.gather(*(ledger.record(handoff("k1")) for ledger in (blue, green, blue, green)))
    found = await green.recent(None, 10)
    assert [e.key for e in found] == ["k1"] and found[0].reference == "E2611240020000001"


async def test_two_instances_never_hand_out_one_reference(open_ledger: OpenLedger) -> None:
    blue, green = await open_ledger(), await open_ledger()
    await asyncio.gather(*(ledger.record(handoff(f"k{n}")) for n, ledger in enumerate([blue, green] * 4)))
    references = [e.reference for e in await blue.recent(None, 20)]
    assert len(references) == 8 and len(set(references)) == 8


async def test_a_number_is_attached_once_and_finds_the_hand_off(open_ledger: OpenLedger) -> None:
    ledger = await open_ledger()
    await ledger.record(handoff("k1"))
    reference = "E2611240020000001"
    assert await ledger.link(reference, "2611240010000042") == ""
    assert await ledger.link(reference, "2611240010000099") == "2611240010000042", "already attached"
    by_number = await ledger.by_number("2611240010000042")
    assert by_number is not None and (by_number.reference, by_number.number) == (
        reference,
        "2611240010000042",
    )
    assert await ledger.by_number("2611240010000099") is None
    with pytest.raises(KeyError):
        await ledger.link("E2611240020999999", "2611240010000042")


async def test_an_azure_ticket_is_found_by_its_number_and_lists_newest_first(open_ledger: OpenLedger) -> None:
    ledger = await open_ledger()
    ticket = replace(
        handoff("k-azure", minute=2), kind=AZURE, number="2611240050000007", subscription_id="s1"
    )
    await ledger.record(handoff("k-old", minute=1))
    await ledger.record(ticket)
    await ledger.record(handoff("k-other", customer="c-woodgrove", minute=3))
    found = await ledger.by_number("2611240050000007")
    assert found is not None and found.key == "k-azure" and found.reference == ""
    assert [e.key for e in await ledger.recent(None, 10)] == ["k-other", "k-azure", "k-old"]
    assert [e.key for e in await ledger.recent("c-contoso", 1)] == ["k-azure"]
    assert [e.key for e in await ledger.recent(None, 2, 1)] == ["k-azure", "k-old"]
    assert [e.key for e in await ledger.recent("c-contoso", 5, 1)] == ["k-old"]
    assert (await ledger.count(None), await ledger.count("c-contoso"), await ledger.count("c-none")) == (
        3,
        2,
        0,
    )
    with pytest.raises(KeyError):
        await ledger.link("2611240050000007", "2611240010000042")


async def test_recording_a_key_again_uses_up_no_reference(open_ledger: OpenLedger) -> None:
    ledger = await open_ledger()
    for key in ("k1", "k1", "k1", "k2"):
        await ledger.record(handoff(key))
    assert sorted(e.reference for e in await ledger.recent(None, 10)) == [
        "E2611240020000001",
        "E2611240020000002",
    ]
