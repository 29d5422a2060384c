"""Ids as they may appear in logs: hashed, so lines correlate without revealing whose they are."""

from __future__ import annotations

import hashlib

from botbuilder.schema import ActivityTypes

# The sender chooses an activity's type: only the ones Bot Framework defines are written to logs as they
# are, so a crafted type can't forge a field or a line.
KNOWN_ACTIVITY_TYPES = frozenset(kind.value for kind in ActivityTypes)


def conversation_hash(conversation_id: str) -> str:
    """Enough to correlate a conversation's turns in logs without revealing its id."""
    return hashlib.sha256(conversation_id.encode(errors="surrogatepass")).hexdigest()[:12]


def activity_hash(activity_id: str) -> str:
    return hashlib.sha256(activity_id.encode(errors="surrogatepass")).hexdigest()[:8]


def activity_type_for_log(activity_type: object) -> str:
    if isinstance(activity_type, str) and activity_type in KNOWN_ACTIVITY_TYPES:
        return activity_type
    return "other"
