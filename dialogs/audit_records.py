"""One audit entry from the activity that caused it: who (Entra object id and name, and the UPN when it
went out with their own token), where (hashed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from botbuilder.schema import Activity

from services.domain.models import AuditEntry, Owner
from services.domain.signed_in import signed_in


def owners_change(customer: str, before: Sequence[Owner], after: Sequence[Owner]) -> str:
    """An `owners.set` entry's detail, the same from `owner`, `setup` and `import`: who looked after the
    customer and who does now, in names and an arrow, no language's words (no one is a dash)."""

    def names(owners: Sequence[Owner]) -> str:
        return ", ".join(owner.name for owner in owners) or "–"

    return f"{customer}: {names(before)} → {names(after)}"


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
