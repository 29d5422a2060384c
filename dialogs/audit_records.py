"""One audit entry from the activity that caused it: who (Entra object id and name), where (hashed)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from botbuilder.schema import Activity

from services.domain.models import AuditEntry


def audit_entry(activity: Activity, action: str, detail: str, at: datetime) -> AuditEntry:
    person = activity.from_property
    conversation = activity.conversation.id if activity.conversation else ""
    return AuditEntry(
        at=at,
        actor_id=(person.aad_object_id or person.id or "") if person else "",
        actor_name=(person.name or "") if person else "",
        action=action,
        detail=detail,
        # The same hash as the log lines' (bot/outbound/log_ids.py), so an entry and its turn can be matched.
        conversation=hashlib.sha256(conversation.encode()).hexdigest()[:12],
    )
