"""The audit log as operators read it: newest first, one line per entry."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from microsoft_teams.cards import AdaptiveCard, FactSet, TextBlock
from microsoft_teams.cards import Fact as CardFact

from cards.parts import card, echo, heading, plain, safe, subtle
from locales.translator import Translator
from services.domain.models import AuditEntry

LINE_LIMIT = 200
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?")
# The recorded actions with a message of their own (`audit.<action>`); others show as recorded.
ACTIONS = (
    "request.filed",
    "request.note",
    "request.linked",
    "subscription.added",
    "subscription.removed",
    "quiet.set",
    "quiet.ended",
    "weekly_changes.set",
    "weekly_changes.off",
    "owners.set",
    "settings.imported",
    "notice.acknowledged",
    "access.refused",
)


def audit_card(entries: Sequence[AuditEntry], now: datetime, t: Translator) -> AdaptiveCard:
    """The entries' details are shown as recorded (in English: the log is a record, not a message),
    except the moments in them, which are the reader's (their zone and format)."""
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


def _moments_for(t: Translator, detail: str) -> str:
    """`detail` with each ISO 8601 moment in it ('2026-12-06T21:33:22.101414+00:00') as the reader's."""

    def local(found: re.Match[str]) -> str:
        try:
            moment = datetime.fromisoformat(found.group())
        except ValueError:
            return found.group()
        return t.timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))

    return _ISO_MOMENT.sub(local, detail)


def _line(entry: AuditEntry, t: Translator) -> str:
    who = entry.actor_name or entry.actor_id or t("edge.someone")
    if entry.actor_upn:
        # It went out with their own token: Microsoft shows this account as having done it.
        who = f"{who} ({entry.actor_upn})"
    detail = _moments_for(t, entry.detail)
    if entry.action not in ACTIONS:
        return f"{who} {entry.action} {detail}".strip()
    if entry.action == "quiet.set":
        # Recorded as 'until <moment>' before the moment was recorded alone.
        detail = detail.removeprefix("until ")
    return t(f"audit.{entry.action}", who=who, detail=detail).strip()
