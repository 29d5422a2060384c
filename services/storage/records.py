"""The one storage port: JSON records by collection and key, each with a version.

It is the shape the Microsoft 365 Agents SDK gives every feature's state (key -> JSON + ETag), so that a
store is written once, in its feature's words, over this port, and runs on the SQLite file or on blobs
alike. A key is a tuple of strings, each part free to hold any character (Teams ids hold '/', ':' and
'@'); records list in the order of their encoded keys, so a store that wants newest first names its
records so that they sort that way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote, unquote

Key = tuple[str, ...]
# What a change returns to leave the record as it is (None deletes it).
NO_CHANGE: Any = object()


@dataclass(frozen=True)
class Versioned:
    """A record's value and the version it was read at (an ETag, or a counter), for compare-and-set."""

    value: Any
    version: str


@dataclass(frozen=True)
class Page:
    """One page of a listing: the records in key order, and where the next page starts (None: no more)."""

    records: dict[Key, Any]
    next: str | None


class Records(Protocol):
    """The records of one collection."""

    async def get(self, *key: str) -> Any | None: ...

    async def get_many(self, keys: Iterable[Key]) -> dict[Key, Any]:
        """The records that exist among `keys`."""
        ...

    async def read(self, *key: str) -> Versioned | None:
        """The record with its version, for a later `replace`."""
        ...

    async def create(self, value: Any, *key: str) -> bool:
        """Write `value` only if the record doesn't exist yet; whether it was written."""
        ...

    async def create_marked(self, value: Any, *key: str, marks: str, mark: Any) -> str | None:
        """`create`, and only when it wrote the record, `put` `mark` at the same key in the collection
        `marks` of the same place (a marker that others list without reading this collection): the
        mark's version, or None when the record existed and nothing was written. On SQLite one
        transaction; on blobs two writes, so a process stopped between them leaves the record unmarked."""
        ...

    async def replace(self, value: Any, version: str, *key: str) -> bool:
        """Write `value` only if the record is still at `version`; whether it was written."""
        ...

    async def put(self, value: Any, *key: str, version: str | None = None) -> str | None:
        """Write `value` and return the record's new version. With `version`, only if the record is still
        at it or is gone (deleted since it was read, as botbuilder's Storage contract writes it again);
        None when refused."""
        ...

    async def change(self, change: Callable[[Any | None], Any], *key: str) -> Any | None:
        """Apply `change` to the record (None when missing) so that no other write is lost.

        `change` returns the new value, None to delete the record, or NO_CHANGE to leave it; it may run
        more than once, so it must not have effects of its own. Returns what the record now holds: the
        value `change` made, as it made it (a later read gives it back as JSON would)."""
        ...

    async def delete(self, *key: str) -> None: ...

    async def keys(self, *under: str, limit: int | None = None) -> list[Key]:
        """The keys under these leading parts, in key order; with `limit`, only the first that many."""
        ...

    async def values(self, *under: str) -> dict[Key, Any]:
        """Every record under these leading parts, in key order."""
        ...

    async def page(self, *under: str, size: int, start: str | None = None) -> Page:
        """Up to `size` records under these leading parts, from where an earlier page said to go on."""
        ...


def key_name(*parts: str) -> str:
    """A record's name from its key: each part percent-encoded, so only our own '/' separate the parts,
    and names sort alike in SQLite and in a blob listing (plain ASCII). A part of only dots is encoded
    too: in a blob's URL `.` and `..` are path steps, and `a/../b` would name the blob `b`."""
    return "/".join(_part_name(part) for part in parts)


@functools.lru_cache(maxsize=4096)
def _part_name(part: str) -> str:
    # Cached: every operation names its record, a turn's conversation and activity several times over.
    if part and part.strip(".") == "":
        return "%2E" * len(part)
    return quote(part, safe="")


def key_parts(name: str) -> Key:
    return tuple(unquote(part) for part in name.split("/"))


def name_range(*under: str) -> tuple[str, str]:
    """The names under these leading parts: from the first (inclusive) to the second (exclusive)."""
    if not under:
        return "", "\x7f"
    start = key_name(*under) + "/"
    return start, start[:-1] + chr(ord("/") + 1)
