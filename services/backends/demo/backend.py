"""Serve the bundled demo dataset through the same parsers the live backends use.

Every timestamp, including those written inside post text, is shifted by (now - asOf) at load time so
the demo always looks current.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.backends.azure_support.events import parse_events
from services.backends.graph.message_parsing import parse_messages
from services.backends.graph.parsing import parse_health_overviews
from services.backends.partner_center.parsing import parse_customers
from services.domain.azure_events import merge_events
from services.domain.errors import MESSAGE_CENTER, DelegatedAccessMissing, HealthDataMissing
from services.domain.models import (
    AzureEvent,
    AzureHealth,
    Customer,
    ServiceHealth,
    ServiceMessage,
    TenantHealth,
    TenantMessages,
)
from services.domain.timestamps import parse_timestamp

DATA_DIR = Path(__file__).parent / "data"

_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


def _shift_text(text: str, shift: timedelta) -> str:
    def replace(match: re.Match[str]) -> str:
        moment = parse_timestamp(match.group(0))
        return (moment + shift).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else match.group(0)

    return _TIMESTAMP.sub(replace, text)


def shift_times(value: Any, shift: timedelta) -> Any:
    """Every timestamp in a JSON value moved by `shift` (see the module's docstring)."""
    if isinstance(value, str):
        return _shift_text(value, shift)
    if isinstance(value, list):
        return [shift_times(v, shift) for v in value]
    if isinstance(value, dict):
        return {k: shift_times(v, shift) for k, v in value.items()}
    return value


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def demo_shift(data_dir: Path, now: Callable[[], datetime] | None = None) -> tuple[datetime, timedelta]:
    """Now, and how far the dataset's `asOf` is behind it (whole minutes, so shifted times read like
    Microsoft's: "04:12", not "04:12:37")."""
    as_of = parse_timestamp(read_json(data_dir / "index.json").get("asOf")) or datetime.now(UTC)
    current = (now or (lambda: datetime.now(UTC)))()
    return current, timedelta(minutes=(current - as_of) // timedelta(minutes=1))


def load_azure(data_dir: Path, shift: timedelta) -> dict[str, dict[str, list[AzureEvent]]]:
    """`azure/<tenantId>/<subscriptionId>.json`, each ARM's events list of one subscription: by tenant, by
    subscription."""
    found: dict[str, dict[str, list[AzureEvent]]] = {}
    for path in sorted((data_dir / "azure").glob("*/*.json")):
        values = shift_times(read_json(path), shift).get("value") or []
        found.setdefault(path.parent.name, {})[path.stem] = parse_events(values)
    return found


class DemoBackend:
    """Customers from `customers.json`, health from `health/<tenantId>.json`, the message center from
    `messages/<tenantId>.json` (none when absent), Azure service health from
    `azure/<tenantId>/<subscriptionId>.json`, all in memory."""

    name = "demo"

    def __init__(
        self,
        customers: Sequence[Customer],
        health: dict[str, tuple[ServiceHealth, ...]],
        as_of: datetime,
        messages: dict[str, tuple[ServiceMessage, ...]] | None = None,
        azure: dict[str, dict[str, list[AzureEvent]]] | None = None,
    ) -> None:
        self._customers = tuple(customers)
        self._health = health
        self._messages = dict(messages or {})
        self._as_of = as_of
        self._azure = azure or {}
        # When the demo world last moved a tenant's health: what its "as of" says from then on.
        self._moved: dict[str, datetime] = {}

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, now: Callable[[], datetime] | None = None) -> DemoBackend:
        current, shift = demo_shift(data_dir, now)
        customers = parse_customers(read_json(data_dir / "customers.json"))
        health = {}
        messages = {}
        for customer in customers:
            path = data_dir / "health" / f"{customer.tenant_id}.json"
            if path.is_file():
                health[customer.tenant_id] = parse_health_overviews(shift_times(read_json(path), shift))
            path = data_dir / "messages" / f"{customer.tenant_id}.json"
            if path.is_file():
                messages[customer.tenant_id] = parse_messages(shift_times(read_json(path), shift))
        return cls(customers, health, current, messages, load_azure(data_dir, shift))

    def replace_services(
        self, tenant_id: str, services: Sequence[ServiceHealth], as_of: datetime | None = None
    ) -> None:
        """The demo world (services.backends.demo.world) moves a tenant's health; later reads see the new
        state, as of `as_of` (the world's moment), so a health card never shows new content under an old
        time."""
        self._health[tenant_id] = tuple(services)
        if as_of is not None:
            self._moved[tenant_id] = as_of

    async def list_customers(self) -> Sequence[Customer]:
        return self._customers

    async def tenant_health(self, customer: Customer) -> TenantHealth:
        if not customer.delegated_access:
            raise DelegatedAccessMissing(customer.name, customer.relationship)
        services = self._health.get(customer.tenant_id)
        if services is None:
            raise HealthDataMissing(customer.name)
        as_of = self._moved.get(customer.tenant_id, self._as_of)
        return TenantHealth(customer=customer, services=services, as_of=as_of)

    def add_message(self, tenant_id: str, message: ServiceMessage) -> None:
        """The demo world posts a message center message (or a new version of one) to a tenant."""
        kept = tuple(m for m in self._messages.get(tenant_id, ()) if m.message_id != message.message_id)
        self._messages[tenant_id] = (message, *kept)

    async def tenant_messages(self, customer: Customer) -> TenantMessages:
        if not customer.delegated_access:
            raise DelegatedAccessMissing(customer.name, customer.relationship, MESSAGE_CENTER)
        as_of = self._moved.get(customer.tenant_id, self._as_of)
        return TenantMessages(customer, self._messages.get(customer.tenant_id, ()), as_of)

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        every = await self.tenant_messages(customer)
        changed = tuple(m for m in every.messages if since is None or m.last_modified >= since)
        return TenantMessages(customer, changed, every.as_of)

    async def azure_health(self, customer: Customer) -> AzureHealth:
        subscriptions = self._azure.get(customer.tenant_id, {})
        events = merge_events(e for found in subscriptions.values() for e in found)
        return AzureHealth(customer, tuple(subscriptions), events, self._as_of)
