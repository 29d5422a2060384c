"""`make bench`'s overview-tab world is what it says: 1,000 distinct demo customers, each readable with a
copy of a demo tenant's health, a good share of them with active incidents."""

from __future__ import annotations

from bench.tab_paint import CUSTOMERS
from bench.tab_world import grown_demo


async def test_the_grown_demo_has_the_customers_asked_for_each_readable_and_distinct() -> None:
    backend = await grown_demo(CUSTOMERS)
    customers = await backend.list_customers()
    assert len(customers) == CUSTOMERS == 1000
    assert len({c.tenant_id for c in customers}) == len({c.name for c in customers}) == CUSTOMERS
    healths = [await backend.tenant_health(c) for c in customers]
    assert all(h.services for h in healths)
    assert sum(1 for h in healths if any(not i.is_resolved for i in h.incidents)) > 100
