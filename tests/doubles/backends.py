"""Backends that misbehave on cue: slow until a gate opens, or failing with a secret in the message."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from services.backends.demo.backend import DemoBackend
from services.domain.models import AzureHealth, Customer, TenantHealth, TenantMessages


class GatedBackend:
    """The demo backend, except health waits until the test opens the gate."""

    name = "gated"

    def __init__(self, inner: DemoBackend) -> None:
        self.inner = inner
        self.gate = asyncio.Event()

    async def list_customers(self) -> Sequence[Customer]:
        return await self.inner.list_customers()

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        await self.gate.wait()
        return await self.inner.tenant_health(customer)

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        await self.gate.wait()
        return await self.inner.tenant_messages(customer)

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        await self.gate.wait()
        return await self.inner.messages_since(customer, since)

    async def azure_health(self, customer: Customer) -> AzureHealth:
        await self.gate.wait()
        return await self.inner.azure_health(customer)


class BrokenBackend(GatedBackend):
    async def tenant_health(self, customer: Customer) -> TenantHealth:
        raise RuntimeError("password=hunter2 leaked in an exception message")
