"""Events from the partner's own monitoring (`POST /api/notify`): a customer and a Graph serviceHealthIssue.

They are parsed by the same Graph code as polled health and merged into the same notice board, so an
incident reported both ways is still one notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.customer_search import Ambiguous, Found, resolve_customer
from services.graph.parsing import parse_issue
from services.ports import CustomerDirectory, NoticeOutbox


class NotifyRejected(Exception):
    """The event can't be taken; `status` and `message` are what the caller is answered."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def take_event(directory: CustomerDirectory, board: NoticeOutbox, body: Any, now: datetime) -> int:
    """Merge the event; how many conversations hear of the incident's notice. The same when the event
    said nothing new because another report told it first (a retry, the watcher, or the same event
    posted to another instance at the same moment): the caller learns who hears of it either way."""
    if not isinstance(body, Mapping):
        raise NotifyRejected(400, "The body must be a JSON object with 'customer' and 'incident'.")
    customer_text, raw = body.get("customer"), body.get("incident")
    if not isinstance(customer_text, str) or not customer_text.strip():
        raise NotifyRejected(400, "'customer' must be a customer id, tenant id, domain or name.")
    if not isinstance(raw, Mapping):
        raise NotifyRejected(400, "'incident' must be a Graph serviceHealthIssue object.")
    incident = parse_issue(raw)
    if incident is None:
        raise NotifyRejected(400, "'incident' needs at least 'id' and 'startDateTime'.")
    if not incident.service:
        raise NotifyRejected(400, "'incident' needs 'service'.")
    match = resolve_customer(await directory.list_customers(), customer_text, suggest=False)
    if isinstance(match, Ambiguous):
        raise NotifyRejected(400, f"'customer' matches {len(match.candidates)} customers; send its id.")
    if not isinstance(match, Found):
        raise NotifyRejected(404, "No customer matches 'customer'.")
    await board.observe(match.customer, incident, now)
    return await board.audience_size(incident.incident_id)
