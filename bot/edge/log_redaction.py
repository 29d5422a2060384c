"""Logging set-up: every line, whichever library writes it, leaves without raw Teams ids or tokens.

Our own lines hash conversation and activity ids (bot/outbound/log_ids.py). Libraries don't: urllib3 and
aiohttp put connector URLs (conversation and activity ids) into warnings, and a traceback may quote a header.
The formatter rewrites the finished line, tracebacks included, so nothing depends on who logged it.
Blob names hold ids percent-encoded once (`19%3A…%40thread.tacv2`), and the Azure SDK's URLs encode
them again (`msteams%252Fusers%252F29%253A…`): an id is caught raw or encoded any number of times.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

# ':' raw or percent-encoded once or more (%3A, %253A, %25253A ...).
_COLON = r"(?::|%(?:25)*3[Aa])"
# An id starts a word, or follows a '/' percent-encoded up to three times (%2F, %252F, %25252F).
_ID_START = r"(?:(?<![A-Za-z0-9])|(?<=%[0-9A-Fa-f]{2})|(?<=%25[0-9A-Fa-f]{2})|(?<=%2525[0-9A-Fa-f]{2}))"
_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
# The Azure SDK's loggers: its HTTP logging policy writes every request and response at INFO.
AZURE_SDK_LOGGERS = ("azure.core", "azure.storage", "azure.identity")

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Connector URLs: /v3/conversations/<id>/activities/<id>, raw or percent-encoded.
    (re.compile(r"(/v3/conversations/)[^/\s'\"?]+"), r"\1<id>"),
    (re.compile(r"(/activities/)[^/\s'\"?]+"), r"\1<id>"),
    # Teams ids: conversations (19:…@thread.tacv2;messageid=…, a:…), users (29:…), bots (28:…), 8:orgid:…
    # Ids are long and hold letters; times (19:05:33) and ports (10.0.0.8:3978) are short digits.
    (
        re.compile(
            _ID_START
            + r"(?:19|28|29|a|8)"
            + _COLON
            + r"(?=[A-Za-z0-9_\-.@:;=%]{8})(?=[0-9_\-.@:;=%]*[A-Za-z])[A-Za-z0-9_\-.@:;=%]+"
        ),
        "<teams-id>",
    ),
    # Tenant ids where they are named as such (tenantId, tenant_id, tenant=), raw or percent-encoded.
    (
        re.compile(r"(?i)(tenant[_-]?(?:id)?(?:[\"'\s=:]|%(?:25)*(?:22|3A|3D|20))*)" + _GUID),
        r"\1<tenant-id>",
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
    """One handler on the root logger, through the redacting formatter; returns it.

    The Azure SDK's loggers say only warnings unless LOG_LEVEL=DEBUG: at INFO its HTTP logging policy
    writes every blob request and response (about 15 KB a turn with BOT_STORAGE=azureblob)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in AZURE_SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if level == "DEBUG" else logging.WARNING)
    return handler
