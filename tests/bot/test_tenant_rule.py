"""ALLOWED_TENANTS' one rule (bot/outbound/proactive.py's tenant_allowed), used by the access check, the
restart apology and notice delivery: the paths' own tests are in tests/integration (test_access,
test_turn_path, test_notifications)."""

from __future__ import annotations

import pytest

from bot.outbound.proactive import tenant_allowed

TENANT = "286d4538-4b9a-577f-acfd-7277c77c00bc"
OTHER = "0b7e1d2c-0000-4000-8000-00000000abcd"


@pytest.mark.parametrize(
    ("allowed", "tenant", "expected"),
    [
        (frozenset(), TENANT, True),
        (frozenset(), "", True),
        (frozenset({TENANT}), TENANT, True),
        (frozenset({TENANT.upper()}), TENANT, True),
        (frozenset({TENANT}), TENANT.upper(), True),
        (frozenset({TENANT.title()}), TENANT.upper(), True),
        (frozenset({OTHER, TENANT.upper()}), TENANT, True),
        (frozenset({OTHER}), TENANT, False),
        (frozenset({OTHER.upper()}), TENANT.upper(), False),
        (frozenset({TENANT}), "", False),
        (frozenset({TENANT}), TENANT[:-1], False),
    ],
)
def test_allowed_tenants_compare_ids_whatever_their_case(
    allowed: frozenset[str], tenant: str, expected: bool
) -> None:
    assert tenant_allowed(allowed, tenant) is expected
