"""The audit log as operators read it: newest first, one line per entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard, FactSet, TextBlock
from microsoft_teams.cards import Fact as CardFact

from cards.parts import card, echo, heading, plain, relative_time, safe, subtle
from services.models import AuditEntry

AUDIT_TITLE = "Audit log"
AUDIT_EMPTY = "Nothing recorded yet: requests filed, notes, subscriptions and refusals appear here."
AUDIT_SHOWING = "The latest {count} of what was done with the bot's access, newest first."
LINE_LIMIT = 200
# What each recorded action reads as.
ACTIONS = {
    "request.filed": "filed a service request",
    "request.note": "added a note to",
    "request.linked": "linked an SR number to",
    "subscription.added": "subscribed this conversation to",
    "subscription.removed": "unsubscribed this conversation from",
    "quiet.set": "held notices in this conversation",
    "quiet.ended": "ended quiet hours in this conversation",
    "notice.acknowledged": "acknowledged the notice of",
    "access.refused": "was refused access",
}


def audit_card(entries: Sequence[AuditEntry], now: datetime) -> AdaptiveCard:
    if not entries:
        return card([heading(AUDIT_TITLE), plain(AUDIT_EMPTY)], fallback=f"{AUDIT_TITLE}: {AUDIT_EMPTY}")
    facts = [
        CardFact(title=relative_time(e.at, now), value=safe(echo(_line(e), LINE_LIMIT))) for e in entries
    ]
    body: list[TextBlock | FactSet] = [
        heading(AUDIT_TITLE),
        subtle(AUDIT_SHOWING.format(count=len(entries))),
        FactSet(facts=facts),
    ]
    return card(body, fallback=f"{AUDIT_TITLE}: {len(entries)} entries")


def _line(entry: AuditEntry) -> str:
    who = entry.actor_name or entry.actor_id or "someone"
    return f"{who} {ACTIONS.get(entry.action, entry.action)} {entry.detail}".strip()
