"""Where the watcher stands in each watched customer's message center, in the SQLite file or on shared
blobs alike: one record per customer (`message_center/<customer>`) holding the newest lastModifiedDateTime
read (the next read asks Graph only for messages changed since then: one request per customer and cycle)
and the open messages whose act-by date has yet to come within the notice window (nothing changes them
when it does, so Graph would not return them again: they are kept here, and told of when the date comes
near, and listed by the weekly digest).

No record means the customer's message center hasn't been read since it was watched for changes: that
read takes every message and announces none (a baseline), as a first health poll does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.domain.models import MessageCategory, MessageSeverity, ServiceMessage
from services.storage.places import Place, records_in

COLLECTION = "message_center"
# The body a waiting message keeps: enough for its notice's card, whose full text `change <id>` shows.
WAITING_BODY_CHARS = 1_000


@dataclass(frozen=True)
class MessageCenterPosition:
    """The newest change read (None: never read) and the messages waiting for their act-by window."""

    since: datetime | None
    waiting: tuple[ServiceMessage, ...]


class MessageCenterWatch:
    def __init__(self, place: Place) -> None:
        self._records = records_in(place, COLLECTION)

    async def position(self, customer_id: str) -> MessageCenterPosition | None:
        record = await self._records.get(customer_id)
        if record is None:
            return None
        since = datetime.fromisoformat(record["since"]) if record["since"] else None
        return MessageCenterPosition(since, tuple(_message(m) for m in record["waiting"]))

    async def positions(self, customer_ids: set[str]) -> dict[str, MessageCenterPosition]:
        """Every customer's in `customer_ids` that has one (the weekly digest's waiting messages)."""
        found = await self._records.get_many([(c,) for c in sorted(customer_ids)])
        return {
            key[0]: MessageCenterPosition(
                datetime.fromisoformat(r["since"]) if r["since"] else None,
                tuple(_message(m) for m in r["waiting"]),
            )
            for key, r in found.items()
        }

    async def advance(self, customer_id: str, position: MessageCenterPosition) -> None:
        record = {
            "since": position.since.isoformat() if position.since else None,
            "waiting": [_entry(m) for m in position.waiting],
        }
        await self._records.put(record, customer_id)

    async def forget_except(self, watched: set[str], among: set[str]) -> None:
        """The next read of each of `among` not in `watched` is a baseline again (nobody watched it for
        changes since its position was written): one listing, and a delete for each such position only."""
        for (customer_id,) in await self._records.keys():
            if customer_id in among and customer_id not in watched:
                await self._records.delete(customer_id)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _entry(message: ServiceMessage) -> dict[str, Any]:
    return {
        "id": message.message_id,
        "title": message.title,
        "services": list(message.services),
        "category": message.category.value,
        "severity": message.severity.value,
        "major": message.is_major_change,
        "act_by": _moment(message.act_by),
        "start": _moment(message.start),
        "end": _moment(message.end),
        "last_modified": message.last_modified.isoformat(),
        "tags": list(message.tags),
        "body": message.body[:WAITING_BODY_CHARS],
    }


def _message(entry: dict[str, Any]) -> ServiceMessage:
    def moment(name: str) -> datetime | None:
        value = entry.get(name)
        return datetime.fromisoformat(value) if value else None

    return ServiceMessage(
        message_id=entry["id"],
        title=entry["title"],
        services=tuple(entry["services"]),
        category=MessageCategory.of(entry["category"]),
        severity=MessageSeverity.of(entry["severity"]),
        is_major_change=bool(entry["major"]),
        act_by=moment("act_by"),
        start=moment("start"),
        end=moment("end"),
        last_modified=datetime.fromisoformat(entry["last_modified"]),
        tags=tuple(entry["tags"]),
        body=entry["body"],
    )
