"""Parse Graph `healthOverviews?$expand=issues` into domain models; shared by demo and live backends.

Graph documents camelCase enums but its examples show PascalCase, and new values appear, so every enum
is compared case-insensitively and unknown values are kept rather than rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.domain.html_text import html_to_text
from services.domain.models import Incident, IncidentPost, ServiceHealth, ServiceStatus
from services.domain.timestamps import parse_timestamp


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _post(raw: Mapping[str, Any]) -> IncidentPost | None:
    created = parse_timestamp(raw.get("createdDateTime"))
    description = raw.get("description")
    if created is None or not isinstance(description, Mapping):
        return None
    content = _text(description.get("content"))
    is_html = _text(description.get("contentType")).casefold() != "text"
    return IncidentPost(created=created, text=html_to_text(content) if is_html else content)


def parse_issue(raw: Mapping[str, Any], fallback_service: str = "") -> Incident | None:
    """One serviceHealthIssue; None when it has no id or start time."""
    incident_id = _text(raw.get("id")).upper()
    start = parse_timestamp(raw.get("startDateTime"))
    if not incident_id or start is None:
        return None
    posts_raw = raw.get("posts")
    posts = [_post(p) for p in posts_raw if isinstance(p, Mapping)] if isinstance(posts_raw, list) else []
    is_resolved = raw.get("isResolved")
    end = parse_timestamp(raw.get("endDateTime"))
    last_modified: datetime = parse_timestamp(raw.get("lastModifiedDateTime")) or start
    return Incident(
        incident_id=incident_id,
        title=_text(raw.get("title")) or incident_id,
        service=_text(raw.get("service")) or fallback_service,
        feature=_text(raw.get("feature")),
        feature_group=_text(raw.get("featureGroup")),
        status=ServiceStatus(_text(raw.get("status")) or "unknownFutureValue"),
        classification=_text(raw.get("classification")).lower() or "incident",
        impact=_text(raw.get("impactDescription")),
        start=start,
        end=end,
        last_modified=last_modified,
        is_resolved=is_resolved if isinstance(is_resolved, bool) else end is not None,
        posts=tuple(sorted((p for p in posts if p is not None), key=lambda p: p.created)),
    )


def parse_health_overviews(payload: Mapping[str, Any]) -> tuple[ServiceHealth, ...]:
    """A serviceHealth collection page; services without a name are skipped."""
    values = payload.get("value")
    if not isinstance(values, list):
        return ()
    services: list[ServiceHealth] = []
    for raw in values:
        if not isinstance(raw, Mapping):
            continue
        name = _text(raw.get("service"))
        if not name:
            continue
        issues_raw = raw.get("issues")
        issues = (
            [parse_issue(i, name) for i in issues_raw if isinstance(i, Mapping)]
            if isinstance(issues_raw, list)
            else []
        )
        services.append(
            ServiceHealth(
                service_id=_text(raw.get("id")) or name,
                name=name,
                status=ServiceStatus(_text(raw.get("status")) or "unknownFutureValue"),
                incidents=tuple(i for i in issues if i is not None),
            )
        )
    return tuple(services)
