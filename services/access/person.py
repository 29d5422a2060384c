"""The person a turn is for, as far as services need to know: whose access scopes what they read.

The bot sets it once per turn (`acting_as`) before any dialog runs; anything that asks outside a turn, or
in a turn that never set it, is refused (AccessUnavailable) rather than shown everything. Background work
(the watcher, notice delivery) uses the unscoped backend and never asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from services.domain.access import PersonAccess
from services.domain.errors import AccessUnavailable

_CURRENT: ContextVar[PersonAccess | None] = ContextVar("person_access", default=None)


@contextmanager
def acting_as(access: PersonAccess) -> Iterator[None]:
    """Everything awaited inside runs for `access` (a ContextVar: concurrent turns don't see each other's)."""
    token = _CURRENT.set(access)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_access() -> PersonAccess:
    access = _CURRENT.get()
    if access is None:
        raise AccessUnavailable()
    return access
