"""The one error storage raises, on the SQLite file and on blobs alike."""

from __future__ import annotations


class StorageError(Exception):
    """The storage can't be opened or used; the message names the path or container and the cause."""
