"""The audit log as operators read it: newest first, one line per entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from microsoft_teams.cards import AdaptiveCard, FactSet, TextBlock
from microsoft_teams.cards import Fact as CardFact

from cards.parts import card, echo, heading, plain, safe, subtle
from locales.translator import Translator
from services.models import AuditEntry

LINE_LIMIT = 200
# The recorded actions with a message of their own (`audit.<action>`); others show as recorded.
ACTIONS = (
    "request.filed",
    "request.note",
    "request.linked",
    "subscription.added",
    "subscription.removed",
    "quiet.set",
    "quiet.ended",
    "notice.acknowledged",
    "access.refused",
)


def audit_card(entries: Sequence[AuditEntry], now: datetime, t: Translator) -> AdaptiveCard:
    """The entries' details are shown as recorded (in English: the log is a record, not a message)."""
    title = t("audit.title")
    if not entries:
        empty = t("audit.empty")
        return card([heading(title), plain(empty)], fallback=f"{title}: {empty}")
    facts = [
        CardFact(title=t.relative_time(e.at, now), value=safe(echo(_line(e, t), LINE_LIMIT))) for e in entries
    ]
    body: list[TextBlock | FactSet] = [
        heading(title),
        subtle(t("audit.showing", count=t.number(len(entries)))),
        FactSet(facts=facts),
    ]
    return card(body, fallback=t.count("audit.fallback", len(entries), title=title))


def _line(entry: AuditEntry, t: Translator) -> str:
    who = entry.actor_name or entry.actor_id or t("edge.someone")
    if entry.action not in ACTIONS:
        return f"{who} {entry.action} {entry.detail}".strip()
    return t(f"audit.{entry.action}", who=who, detail=entry.detail).strip()
