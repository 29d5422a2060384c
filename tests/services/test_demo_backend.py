from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.backends.demo.backend import DATA_DIR, DemoBackend
from services.domain.errors import DelegatedAccessMissing
from services.domain.incidents import find_incident, list_incidents
from services.domain.models import Customer


def _named(customers: list[Customer], name: str) -> Customer:
    return next(c for c in customers if c.name == name)


async def test_timestamps_shift_so_the_demo_always_looks_current() -> None:
    later = datetime(2027, 3, 1, 12, 0, 42, tzinfo=UTC)
    backend = DemoBackend.load(now=lambda: later)
    contoso = _named(list(await backend.list_customers()), "Contoso Ltd")
    incident = (await find_incident(backend, "EX1100014", contoso)).incident
    shift = later.replace(second=0) - datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert incident.start == datetime(2026, 11, 23, 4, 0, tzinfo=UTC) + shift
    # Timestamps written inside post text move too.
    assert (datetime(2026, 11, 23, 6, 12, tzinfo=UTC) + shift).strftime("%Y-%m-%dT%H:%M") in incident.posts[
        0
    ].text


async def test_contoso_has_three_active_incidents(demo: DemoBackend, customers: list[Customer]) -> None:
    health = await demo.tenant_health(_named(customers, "Contoso Ltd"))
    assert len(list_incidents(health)) == 3
    assert len(list_incidents(health, include_resolved=True)) > 3


async def test_advisor_customers_explain_missing_access(demo: DemoBackend, customers: list[Customer]) -> None:
    with pytest.raises(DelegatedAccessMissing, match="Tailspin Toys is an advisor relationship"):
        await demo.tenant_health(_named(customers, "Tailspin Toys"))


async def test_an_incident_is_found_without_naming_the_customer(demo: DemoBackend) -> None:
    lookup = await find_incident(demo, "ex1100014")
    assert lookup.customer.name == "Contoso Ltd"
    assert lookup.incident.title == "Users may be unable to access their mailbox using Outlook on the web"


def test_demo_data_ships_inside_the_project() -> None:
    project = Path(__file__).resolve().parents[2]
    assert DATA_DIR.resolve() == project / "services" / "backends" / "demo" / "data"
    assert (DATA_DIR / "index.json").is_file()
