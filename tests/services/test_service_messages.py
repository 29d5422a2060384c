"""Message center questions on the demo data: a customer's open messages in the order a desk acts on them,
one message found across tenants, and what needs action soon across every customer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from cards.changes import due_changes_card
from cards.parts import card_payload
from chatclient.card_text import render_card
from locales.translator import ENGLISH, Translator
from services.backends.demo.backend import DemoBackend
from services.domain.errors import MessageNotFound, UnknownMessageService, UpstreamUnavailable
from services.domain.models import Customer, MessageCategory, MessageSeverity, ServiceMessage, TenantMessages
from services.domain.service_messages import due_changes, find_message, looks_like_message_id, open_messages
from tests.cards.examples import KOREAN
from tests.support.harness import DEMO_NOW, demo_backend

NOW = DEMO_NOW


def _customers(backend: DemoBackend) -> dict[str, Customer]:
    return {c.name: c for c in asyncio.run(backend.list_customers())}


def _message(number: int, **changes: object) -> ServiceMessage:
    base = ServiceMessage(
        message_id=f"MC{number}",
        title=f"Message {number}",
        services=("Exchange Online",),
        category=MessageCategory.STAY_INFORMED,
        severity=MessageSeverity.NORMAL,
        is_major_change=False,
        act_by=None,
        start=NOW - timedelta(days=30),
        end=None,
        last_modified=NOW - timedelta(days=number % 20),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


CONTOSO = Customer("c", "t", "Contoso Ltd", "contoso.onmicrosoft.com", "reseller", True)


def test_act_by_dates_first_nearest_first_major_before_minor_then_the_rest_newest_first() -> None:
    day = timedelta(days=1)
    messages = (
        _message(101),  # nothing to do, modified 1 day ago
        _message(102, is_major_change=True),  # major, no date
        _message(103, act_by=NOW + 9 * day),
        _message(104, act_by=NOW + 2 * day),
        _message(105, act_by=NOW + 2 * day, is_major_change=True),
        _message(106, act_by=NOW - 3 * day),  # overdue, still open
        _message(107, end=NOW - day, act_by=NOW + day),  # ended: not open
        _message(100),  # nothing to do, modified now
    )
    shown = open_messages(TenantMessages(CONTOSO, messages, NOW), NOW)
    assert [m.message_id for m in shown] == ["MC106", "MC105", "MC104", "MC103", "MC102", "MC100", "MC101"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("exchange", {"MC1", "MC3"}),
        ("EXCH", {"MC1", "MC3"}),
        ("teams", {"MC2", "MC3"}),
        ("microsoft teams", {"MC2", "MC3"}),
        ("", {"MC1", "MC2", "MC3"}),
    ],
)
def test_a_service_filter_names_services_by_the_start_of_their_words(typed: str, expected: set[str]) -> None:
    messages = (
        _message(1),
        _message(2, services=("Microsoft Teams",)),
        _message(3, services=("Microsoft Teams", "Exchange Online")),
    )
    shown = open_messages(TenantMessages(CONTOSO, messages, NOW), NOW, typed)
    assert {m.message_id for m in shown} == expected


@pytest.mark.parametrize("typed", ["exchnage", "sharepoint", "teams exchange", "zz"])
def test_a_filter_naming_no_service_lists_the_ones_there_are(typed: str) -> None:
    messages = (_message(1), _message(2, services=("Microsoft Teams",)))
    with pytest.raises(UnknownMessageService) as raised:
        open_messages(TenantMessages(CONTOSO, messages, NOW), NOW, typed)
    assert raised.value.message == (
        f"Contoso Ltd's message center has no messages about a service matching '{typed}'. "
        "Its messages are about: Exchange Online, Microsoft Teams."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MC905123", True),
        ("mc905123", True),
        (" MC123 ", True),
        ("MC12", False),
        ("EX1100014", False),
        ("MCX1", False),
    ],
)
def test_message_ids_are_mc_and_a_number_in_any_case(text: str, expected: bool) -> None:
    assert looks_like_message_id(text) is expected


async def test_the_demo_shares_one_message_across_tenants_and_its_act_by_date_is_shifted() -> None:
    early = DemoBackend.load(now=lambda: NOW)
    later = DemoBackend.load(now=lambda: NOW + timedelta(days=3))
    found = await find_message(early, "mc905123")
    assert found.customer.name == "Contoso Ltd"
    assert [c.name for c in found.also_for] == [
        "Contoso Pharmaceuticals",
        "Fabrikam, Inc.",
        "Lamna Healthcare Company",
        "Northwind Traders",
        "Woodgrove Bank",
        "한빛 물류 (Hanbit Logistics)",
    ]
    moved = await find_message(later, "MC905123")
    assert found.message.act_by is not None and moved.message.act_by == found.message.act_by + timedelta(
        days=3
    )
    assert "2026-12-13T00:00:00Z" in moved.message.body, "times written in the body move too"


async def test_an_unknown_id_is_not_found_anywhere() -> None:
    with pytest.raises(MessageNotFound) as raised:
        await find_message(demo_backend(), "MC000001")
    assert "MC000001" in raised.value.message


async def test_what_needs_action_within_30_days_by_date_with_every_customer_it_applies_to() -> None:
    due = (await due_changes(demo_backend(), NOW)).rows
    assert [(d.message.message_id, len(d.customers)) for d in due] == [
        ("MC906002", 1),  # four days overdue, still open
        ("MC902455", 3),
        ("MC905123", 7),
        ("MC903311", 4),
    ]
    assert [c.name for c in due[1].customers] == [
        "Contoso Pharmaceuticals",
        "Northwind Traders",
        "Woodgrove Bank",
    ]
    assert all(d.message.act_by is not None and d.message.act_by <= NOW + timedelta(days=30) for d in due)
    # 'MC901900' falls due in 83 days: outside the window until the window grows.
    wider = (await due_changes(demo_backend(), NOW, timedelta(days=90))).rows
    assert "MC901900" in [d.message.message_id for d in wider]


class _WoodgroveSilent:
    """The demo backend with Woodgrove's message center not answering (a timeout, a 5xx)."""

    def __init__(self, backend: DemoBackend) -> None:
        self._backend = backend

    async def list_customers(self) -> Sequence[Customer]:
        return await self._backend.list_customers()

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        if customer.name == "Woodgrove Bank":
            raise UpstreamUnavailable("Microsoft Graph")
        return await self._backend.tenant_messages(customer)

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        return await self.tenant_messages(customer)


@pytest.mark.parametrize(
    ("translator", "says"), [(ENGLISH, "1 customer didn't answer just now"), (KOREAN, "고객 1곳이")]
)
async def test_a_message_center_that_doesnt_answer_is_counted_not_silently_left_out(
    translator: Translator, says: str
) -> None:
    """Woodgrove's overdue MC906002 went missing from `changes` with nothing said when its read failed."""
    due = await due_changes(_WoodgroveSilent(demo_backend()), NOW)
    assert due.not_read == 1
    assert "MC906002" not in [d.message.message_id for d in due.rows]
    shown = render_card(card_payload(due_changes_card(due, NOW, translator))).text
    assert says in shown, shown
    everyone = await due_changes(demo_backend(), NOW)
    assert everyone.not_read == 0
    assert "didn't answer" not in render_card(card_payload(due_changes_card(everyone, NOW, ENGLISH))).text
