"""What the conversation layer needs from a backend; the demo and live backends both provide it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.models import Customer, TenantHealth


class CustomerDirectory(Protocol):
    """The partner's customers (Partner Center `GET /v1/customers`)."""

    async def list_customers(self) -> Sequence[Customer]: ...


class HealthSource(Protocol):
    """Service health in a customer's tenant (Graph `healthOverviews?$expand=issues`).

    Raises DelegatedAccessMissing when the partner can't read the tenant.
    """

    async def tenant_health(self, customer: Customer) -> TenantHealth: ...


class Backend(CustomerDirectory, HealthSource, Protocol):
    """Everything one backend (demo or live) serves."""

    name: str
