"""`overview`: every customer with active incidents, worst first, and each active Azure event once with
the customers it affects, on one card."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard

from cards.azure import overview_azure_section
from cards.notifications import overview_card, overview_rows
from dialogs.answer_dialog import AnswerDialog
from locales.translator import Translator
from services.domain.azure_events import across_customers
from services.domain.errors import DelegatedAccessMissing, SupportDeskError
from services.domain.models import AzureHealth, Customer, TenantHealth
from services.domain.ports import Backend, CustomerOwners

CONCURRENCY = 8


class OverviewDialog(AnswerDialog):
    def __init__(
        self,
        dialog_id: str,
        backend: Backend,
        clock: Callable[[], datetime],
        owners: CustomerOwners | None = None,
    ) -> None:
        super().__init__(dialog_id)
        self._backend = backend
        self._clock = clock
        self._owners = owners

    async def answer(self, options: object, t: Translator) -> AdaptiveCard:
        customers = await self._backend.list_customers()
        limit = asyncio.Semaphore(CONCURRENCY)

        async def read(customer: Customer) -> TenantHealth | SupportDeskError:
            async with limit:
                try:
                    return await self._backend.tenant_health(customer)
                except SupportDeskError as error:
                    return error

        async def read_azure(customer: Customer) -> AzureHealth | None:
            async with limit:
                try:
                    return await self._backend.azure_health(customer)
                except SupportDeskError:
                    return None

        healths, azures = await asyncio.gather(
            asyncio.gather(*(read(c) for c in customers)), asyncio.gather(*(read_azure(c) for c in customers))
        )
        azure = [a for a in azures if a is not None]
        readable = [h for h in healths if isinstance(h, TenantHealth)]
        # No delegated access is a fact about the customer; anything else (Microsoft not answering, a
        # sign-in outage) is a moment's, and the card says so instead of calling it missing access.
        no_access = sum(isinstance(h, DelegatedAccessMissing) for h in healths)
        rows = overview_rows(readable)
        owners = await self._owners.of_customers(r.customer.customer_id for r in rows) if self._owners else {}
        return overview_card(
            rows,
            len(readable),
            no_access,
            self._clock(),
            t,
            not_answering=len(customers) - len(readable) - no_access,
            owners=owners,
            azure=overview_azure_section(across_customers(azure), self._clock(), t),
        )
