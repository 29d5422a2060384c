"""Logging set-up: every line, whichever library writes it, leaves without raw Teams ids or tokens.

Our own lines hash conversation and activity ids (bot/log_ids.py). Libraries don't: urllib3 and aiohttp
put connector URLs (conversation and activity ids) into warnings, and a traceback may quote a header.
The formatter rewrites the finished line, tracebacks included, so nothing depends on who logged it.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Connector URLs: /v3/conversations/<id>/activities/<id>, raw or percent-encoded.
    (re.compile(r"(/v3/conversations/)[^/\s'\"?]+"), r"\1<id>"),
    (re.compile(r"(/activities/)[^/\s'\"?]+"), r"\1<id>"),
    # Teams ids: conversations (19:…@thread.tacv2;messageid=…, a:…), users (29:…), bots (28:…), 8:orgid:…
    # Ids are long and hold letters; times (19:05:33) and ports (10.0.0.8:3978) are short digits.
    (
        re.compile(
            r"\b(?:19|28|29|a|8):(?=[A-Za-z0-9_\-.@:;=%]{8})(?=[0-9_\-.@:;=%]*[A-Za-z])[A-Za-z0-9_\-.@:;=%]+"
        ),
        "<teams-id>",
    ),
    # Any scheme spelling, and any token: NOTIFY_TOKEN is opaque and may hold any printable character.
    (re.compile(r"(?i)\bbearer\s+[^\s'\"]+"), "Bearer <token>"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), "<jwt>"),
)


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: str, stream: TextIO | None = None) -> logging.Handler:
    """One handler on the root logger, through the redacting formatter; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    return handler
