"""Parse Graph `admin/serviceAnnouncement/messages` (serviceUpdateMessage) into domain values; shared by the
demo and live backends.

Enums are compared case-insensitively and values Graph adds later are kept as OTHER; a message without
an id or a last-modified time is skipped rather than failing the whole page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.domain.html_text import html_to_text
from services.domain.models import MessageCategory, MessageSeverity, ServiceMessage
from services.domain.timestamps import parse_timestamp


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(s for s in (_text(v) for v in value) if s))


def _body(raw: object) -> str:
    """`body` is an itemBody; Graph documents only `html` for messages, but plain text is kept as is."""
    if not isinstance(raw, Mapping):
        return ""
    content = _text(raw.get("content"))
    return content if _text(raw.get("contentType")).casefold() == "text" else html_to_text(content)


def parse_message(raw: Mapping[str, Any]) -> ServiceMessage | None:
    """One serviceUpdateMessage; None when it has no id or no time at all."""
    message_id = _text(raw.get("id")).upper()
    start = parse_timestamp(raw.get("startDateTime"))
    last_modified = parse_timestamp(raw.get("lastModifiedDateTime")) or start
    if not message_id or last_modified is None:
        return None
    major = raw.get("isMajorChange")
    return ServiceMessage(
        message_id=message_id,
        title=_text(raw.get("title")) or message_id,
        services=_strings(raw.get("services")),
        category=MessageCategory.of(_text(raw.get("category"))),
        severity=MessageSeverity.of(_text(raw.get("severity"))),
        is_major_change=major is True,
        act_by=parse_timestamp(raw.get("actionRequiredByDateTime")),
        start=start,
        end=parse_timestamp(raw.get("endDateTime")),
        last_modified=last_modified,
        tags=_strings(raw.get("tags")),
        body=_body(raw.get("body")),
    )


def parse_messages(payload: Mapping[str, Any]) -> tuple[ServiceMessage, ...]:
    """A page of the messages collection (`{"value": [...]}`)."""
    values = payload.get("value")
    if not isinstance(values, list):
        return ()
    parsed = (parse_message(raw) for raw in values if isinstance(raw, Mapping))
    return tuple(m for m in parsed if m is not None)
