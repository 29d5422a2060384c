"""Events from the partner's own monitoring (`POST /api/notify`): a customer and a Graph serviceHealthIssue.

They are parsed by the same Graph code as polled health and merged into the same notice board, so an
incident reported both ways is still one notice.

Every field is bounded here, where it enters, and one over its bound is refused (400 naming it) rather
than trimmed: the caller is a program whose author should hear of it at once, and a notice shown to
support engineers should say what Microsoft said, not a cut version of it. The bounds are far above
anything Graph publishes (titles run to about 100 characters, impact to a few sentences), so a real
serviceHealthIssue passed on as it is always fits, and no field can grow a notice card past Teams' limit.
The id must have Graph's shape, by the rule the card's Acknowledge button is checked with."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.backends.graph.parsing import parse_issue
from services.domain.customer_search import Ambiguous, Found, resolve_customer
from services.domain.models import is_incident_id
from services.domain.ports import CustomerDirectory, NoticeOutbox

MAX_CUSTOMER_CHARS = 256
# The incident's text fields and their bounds, in characters.
INCIDENT_FIELD_LIMITS = {
    "title": 300,
    "service": 100,
    "feature": 100,
    "featureGroup": 100,
    "status": 64,
    "classification": 64,
    "impactDescription": 2_000,
}
MAX_POSTS = 200
MAX_POST_CHARS = 50_000


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
    if len(customer_text) > MAX_CUSTOMER_CHARS:
        raise NotifyRejected(400, f"'customer' is limited to {MAX_CUSTOMER_CHARS} characters.")
    if not isinstance(raw, Mapping):
        raise NotifyRejected(400, "'incident' must be a Graph serviceHealthIssue object.")
    beyond = _beyond_limits(raw)
    if beyond:
        raise NotifyRejected(400, beyond)
    incident = parse_issue(raw)
    if incident is None:
        raise NotifyRejected(400, "'incident' needs at least 'id' and 'startDateTime'.")
    if not is_incident_id(incident.incident_id):
        raise NotifyRejected(400, "'incident.id' must be a Microsoft 365 incident id such as EX1100014.")
    if not incident.service:
        raise NotifyRejected(400, "'incident' needs 'service'.")
    match = resolve_customer(await directory.list_customers(), customer_text, suggest=False)
    if isinstance(match, Ambiguous):
        raise NotifyRejected(400, f"'customer' matches {len(match.candidates)} customers; send its id.")
    if not isinstance(match, Found):
        raise NotifyRejected(404, "No customer matches 'customer'.")
    await board.observe(match.customer, incident, now)
    return await board.audience_size(incident.incident_id)


def _beyond_limits(raw: Mapping[str, Any]) -> str | None:
    """Which field of the incident is of the wrong type or too long, worded for the caller; or None."""
    for name, limit in INCIDENT_FIELD_LIMITS.items():
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            return f"'incident.{name}' must be a string."
        if isinstance(value, str) and len(value) > limit:
            return f"'incident.{name}' is limited to {limit} characters."
    posts = raw.get("posts")
    if posts is not None and not isinstance(posts, list):
        return "'incident.posts' must be a list."
    if isinstance(posts, list) and len(posts) > MAX_POSTS:
        return f"'incident.posts' is limited to {MAX_POSTS} posts."
    for index, post in enumerate(posts or []):
        description = post.get("description") if isinstance(post, Mapping) else None
        content = description.get("content") if isinstance(description, Mapping) else None
        if isinstance(content, str) and len(content) > MAX_POST_CHARS:
            return f"'incident.posts[{index}].description.content' is limited to {MAX_POST_CHARS} characters."
    return None
