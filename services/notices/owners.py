"""Who looks after which customer: one record per customer, its owners in the order they were named, in
the SQLite file or on shared blobs alike. Owners belong to the partner, not to a conversation: the same
people are mentioned wherever that customer's notices go."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from services.domain.models import Owner
from services.storage.places import Place, records_in

COLLECTION = "owners"


class OwnerStore:
    def __init__(self, place: Place) -> None:
        self._records = records_in(place, COLLECTION)

    async def of_customers(self, customer_ids: Iterable[str]) -> dict[str, tuple[Owner, ...]]:
        found = await self._records.get_many((customer_id,) for customer_id in dict.fromkeys(customer_ids))
        return {key[0]: _owners(entries) for key, entries in found.items() if entries}

    async def replace(self, customer_id: str, owners: Sequence[Owner]) -> tuple[Owner, ...]:
        """Someone named twice is kept once, where first named."""
        unique: dict[str, Owner] = {}
        for owner in owners:
            unique.setdefault(owner.object_id, owner)
        wanted = [{"object_id": o.object_id, "name": o.name} for o in unique.values()]
        before: list[tuple[Owner, ...]] = [()]

        def change(current: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
            before[0] = _owners(current or [])
            return wanted or None

        await self._records.change(change, customer_id)
        return before[0]

    async def owned_by(self, object_id: str) -> list[str]:
        return [
            customer
            for customer, owners in (await self.everything()).items()
            if any(owner.object_id == object_id for owner in owners)
        ]

    async def everything(self) -> dict[str, tuple[Owner, ...]]:
        records = await self._records.values()
        return {key[0]: _owners(entries) for key, entries in records.items() if entries}


def _owners(entries: list[dict[str, Any]]) -> tuple[Owner, ...]:
    return tuple(Owner(str(entry["object_id"]), str(entry["name"])) for entry in entries)
