"""Partner Center service requests as the still-documented endpoints return them (App+User only).

Kept beside the client until the service-request port lands; the escalation work decides where the
model lives in services.domain.models.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.domain.timestamps import parse_timestamp

# The SDK's enums, which the wire carries as snake_case strings or, in older examples, as ints.
_SEVERITIES = ("unknown", "critical", "moderate", "minimal")
_STATUSES = ("none", "open", "closed", "attention_needed")


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _enum(value: object, names: tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return names[0]
    if isinstance(value, int):
        return names[value] if 0 <= value < len(names) else names[0]
    text = _text(value).lower()
    return text if text in names else names[0]


@dataclass(frozen=True)
class ServiceRequestNote:
    created_by: str
    created: datetime | None
    text: str


@dataclass(frozen=True)
class PartnerServiceRequest:
    request_id: str
    title: str
    description: str
    severity: str
    status: str
    support_topic: str
    product: str
    created: datetime | None
    last_modified: datetime | None
    notes: tuple[ServiceRequestNote, ...] = ()


def _note(raw: Mapping[str, Any]) -> ServiceRequestNote:
    return ServiceRequestNote(
        created_by=_text(raw.get("createdByName")),
        created=parse_timestamp(raw.get("createdDate")),
        text=_text(raw.get("text")),
    )


def parse_service_request(raw: Mapping[str, Any]) -> PartnerServiceRequest | None:
    """One ServiceRequest; None without an id. Ids are numeric-looking strings, sometimes numbers."""
    identifier = raw.get("id")
    request_id = str(identifier) if isinstance(identifier, int) else _text(identifier)
    if not request_id:
        return None
    notes = raw.get("notes")
    return PartnerServiceRequest(
        request_id=request_id,
        title=_text(raw.get("title")),
        description=_text(raw.get("description")),
        severity=_enum(raw.get("severity"), _SEVERITIES),
        status=_enum(raw.get("status"), _STATUSES),
        support_topic=_text(raw.get("supportTopicName")),
        product=_text(raw.get("productName")),
        created=parse_timestamp(raw.get("createdDate")),
        last_modified=parse_timestamp(raw.get("lastModifiedDate")),
        notes=tuple(_note(n) for n in notes if isinstance(n, Mapping)) if isinstance(notes, list) else (),
    )


def parse_service_requests(collection: Mapping[str, Any]) -> list[PartnerServiceRequest]:
    items = collection.get("items")
    if not isinstance(items, list):
        return []
    parsed = (parse_service_request(i) for i in items if isinstance(i, Mapping))
    return [request for request in parsed if request is not None]
