"""ISO 8601 timestamps as the Microsoft APIs write them."""

from __future__ import annotations

from datetime import UTC, datetime

# Partner Center writes this for "never".
_UNSET = "0001-01-01T00:00:00"


def parse_timestamp(value: object) -> datetime | None:
    """Aware UTC datetime, or None for null, empty, unset or unparseable values."""
    if not isinstance(value, str) or not value or value.startswith(_UNSET):
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Graph may send 7 fractional digits; fromisoformat accepts at most 6.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)]}{rest[digits:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
