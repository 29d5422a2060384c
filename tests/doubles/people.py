"""The PeopleAccess port's double: a fixed map of who reaches which customer with which roles.

How GDAP grants are read (Graph, caching, failing closed) is the directory side's and tested there; the
turn side needs only people with known grants, and one whose access can't be read right now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from services.domain.access import Grant, PersonAccess, Role
from services.domain.errors import AccessUnavailable

# Far enough ahead that no grant ends during a test.
UNTIL = datetime.fromisoformat("2099-01-01T00:00:00+00:00")


def person(object_id: str, grants: Mapping[str, Iterable[Role]]) -> PersonAccess:
    """`grants`: customer tenant id -> the roles held there."""
    return PersonAccess(
        object_id,
        tuple(
            Grant(tenant, frozenset(r.template_id for r in roles), UNTIL) for tenant, roles in grants.items()
        ),
    )


class FixedPeople:
    """PeopleAccess over a fixed map; an object id in `failing` raises AccessUnavailable, as the
    directory side does when Graph can't answer. Records every lookup."""

    def __init__(self, people: Iterable[PersonAccess], failing: Iterable[str] = ()) -> None:
        self._people = {p.object_id: p for p in people}
        self._failing = set(failing)
        self.asked: list[str] = []

    async def person(self, object_id: str) -> PersonAccess:
        self.asked.append(object_id)
        if object_id in self._failing:
            raise AccessUnavailable()
        return self._people.get(object_id, PersonAccess(object_id))
