"""One audit entry from the activity that caused it: who (Entra object id and name, and the UPN when it
went out with their own token), where (hashed)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from botbuilder.schema import Activity

from services.domain.models import AuditEntry
from services.domain.signed_in import signed_in


def audit_entry(activity: Activity, action: str, detail: str, at: datetime) -> AuditEntry:
    person = activity.from_property
    conversation = activity.conversation.id if activity.conversation else ""
    acting = signed_in()
    return AuditEntry(
        at=at,
        actor_id=(person.aad_object_id or person.id or "") if person else "",
        actor_name=(person.name or "") if person else "",
        action=action,
        detail=detail,
        # The same hash as the log lines' (bot/outbound/log_ids.py), so an entry and its turn can be matched.
        conversation=hashlib.sha256(conversation.encode()).hexdigest()[:12],
        # Who Microsoft recorded as having done it, when it went out with their own token.
        actor_upn=acting.upn if acting is not None and acting.acted else "",
    )
