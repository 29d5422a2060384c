"""Which Azure Support products Resource Health's service names mean: one best-effort name match
(services/domain/azure_events.py support_products_for), the same relation the escalation's guard uses
(`touches`), so the product an Azure event's button chooses is one its guard knows."""

from __future__ import annotations

import pytest

from services.backends.demo.backend import DATA_DIR, DemoBackend
from services.backends.demo.service_requests import demo_catalogue
from services.domain.azure_events import support_products_for, touches

PRODUCTS = demo_catalogue(DATA_DIR).azure_products
VM_WINDOWS, VM_LINUX = "Virtual Machine running Windows", "Virtual Machine running Linux"


@pytest.mark.parametrize(
    ("arm_service", "products"),
    [
        ("Virtual Machines", (VM_WINDOWS, VM_LINUX)),
        ("virtual machine", (VM_WINDOWS, VM_LINUX)),
        ("Storage", ("Storage Account Management",)),
        ("SQL Database", ("SQL Database",)),
        ("Azure Kubernetes Service", ("Azure Kubernetes Service (AKS)",)),
        ("Key Vault", ("Key Vault",)),
        # Named otherwise by Azure Support, or not offered: nothing is guessed.
        ("App Service", ()),
        ("Azure Monitor", ()),
        ("Virtual Machine Scale Sets", ()),
        ("Virtual Network", ()),
        ("SQL Managed Instance", ()),
        ("", ()),
    ],
)
def test_resource_health_names_mean_these_support_products(
    arm_service: str, products: tuple[str, ...]
) -> None:
    assert support_products_for(arm_service, PRODUCTS) == products


async def test_the_guard_knows_an_event_by_exactly_the_products_its_service_means() -> None:
    backend = DemoBackend.load()
    events = {
        e.tracking_id: e
        for customer in await backend.list_customers()
        for e in (await backend.azure_health(customer)).events
    }
    assert len(events) >= 8
    for event in events.values():
        for product in PRODUCTS:
            meant = any(product in support_products_for(s, PRODUCTS) for s in event.services)
            assert touches(event, product) is meant, (event.tracking_id, product)
