"""Ids as they may appear in logs: hashed, so lines correlate without revealing whose they are."""

from __future__ import annotations

import hashlib


def conversation_hash(conversation_id: str) -> str:
    """Enough to correlate a conversation's turns in logs without revealing its id."""
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:12]


def activity_hash(activity_id: str) -> str:
    return hashlib.sha256(activity_id.encode()).hexdigest()[:8]
