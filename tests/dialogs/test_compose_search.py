"""The compose-box search on its own: a tenant that doesn't answer in time, or can't be read."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from dialogs.compose_search import ComposeSearch, SearchKind
from locales.translator import ENGLISH
from services.domain.errors import DelegatedAccessMissing
from services.domain.models import Customer, TenantHealth
from tests.support.harness import DEMO_NOW, demo_backend


class SlowContoso:
    """The demo backend, except that Contoso's tenant never answers and Woodgrove's refuses."""

    name = "slow"

    def __init__(self) -> None:
        self._demo = demo_backend()

    async def list_customers(self) -> Sequence[Customer]:
        return await self._demo.list_customers()

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        if customer.name == "Contoso Ltd":
            await asyncio.Event().wait()
        if customer.name == "Woodgrove Bank":
            raise DelegatedAccessMissing(customer.name, "none")
        return await self._demo.tenant_health(customer)


async def test_a_tenant_that_does_not_answer_in_time_is_left_out_not_waited_for() -> None:
    search = ComposeSearch(SlowContoso(), desk=None, clock=lambda: DEMO_NOW, health_wait=0.05)  # type: ignore[arg-type]
    previews = await asyncio.wait_for(search.search(SearchKind.CUSTOMERS, "", 0, 25, "Ana", ENGLISH), 5)
    by_name = {p.title: p for p in previews}
    # Customers whose health arrived are ordered by it; the late and the unreadable follow, marked unknown.
    assert by_name["Contoso Ltd"].status == f"⚪ {ENGLISH('compose.health_unknown')}"
    assert by_name["Woodgrove Bank"].status == f"⚪ {ENGLISH('compose.health_unknown')}"
    troubled = [p.title for p in previews if not p.status.startswith(("⚪", "🟢"))]
    assert troubled and [p.title for p in previews[: len(troubled)]] == troubled
    incidents = await asyncio.wait_for(search.search(SearchKind.INCIDENTS, "", 0, 25, "Ana", ENGLISH), 5)
    assert incidents and all(not p.line.endswith(("Contoso Ltd", "Woodgrove Bank")) for p in incidents)
