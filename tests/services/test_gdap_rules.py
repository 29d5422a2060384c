"""GDAP's rule as values: which relationships and assignments grant a person which roles, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.domain.access import (
    EVERYONE,
    GLOBAL_READER,
    SERVICE_SUPPORT_ADMINISTRATOR,
    Assignment,
    Need,
    PersonAccess,
    Relationship,
    grants_for,
)

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)
SSA = SERVICE_SUPPORT_ADMINISTRATOR.template_id
GR = GLOBAL_READER.template_id
EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"
TIER2 = "group-tier-2"


def _relationship(
    status: str = "active",
    end: datetime | None = NOW + timedelta(days=30),
    roles: tuple[str, ...] = (SSA, GR),
) -> Relationship:
    return Relationship("rel-1", "tenant-contoso", status, end, frozenset(roles))


def _assignment(status: str = "active", group: str = TIER2, roles: tuple[str, ...] = (SSA,)) -> Assignment:
    return Assignment("asg-1", status, group, frozenset(roles))


CASES = [
    ("active, ahead, member", _relationship(), _assignment(), {SSA}),
    ("relationship ended an hour ago", _relationship(end=NOW - timedelta(hours=1)), _assignment(), set()),
    ("relationship ends now", _relationship(end=NOW), _assignment(), set()),
    (
        "relationship without an end (pending)",
        _relationship(status="approvalPending", end=None),
        _assignment(),
        set(),
    ),
    ("relationship terminated", _relationship(status="terminated"), _assignment(), set()),
    ("relationship expired status", _relationship(status="expired"), _assignment(), set()),
    ("assignment deleted", _relationship(), _assignment(status="deleted"), set()),
    ("assignment pending", _relationship(status="active"), _assignment(status="pending"), set()),
    ("another group's assignment", _relationship(), _assignment(group="group-readers"), set()),
    (
        "role the relationship never granted",
        _relationship(roles=(GR,)),
        _assignment(roles=(SSA, EXCHANGE)),
        set(),
    ),
    (
        "only the roles both hold",
        _relationship(roles=(SSA, GR)),
        _assignment(roles=(SSA, GR, EXCHANGE)),
        {SSA, GR},
    ),
]


@pytest.mark.parametrize(("case", "relationship", "assignment", "roles"), CASES, ids=[c[0] for c in CASES])
def test_a_person_holds_what_an_active_relationship_and_assignment_both_grant(
    case: str, relationship: Relationship, assignment: Assignment, roles: set[str]
) -> None:
    grants = grants_for([relationship], {"rel-1": [assignment]}, frozenset({TIER2}), NOW)
    person = PersonAccess("ana", grants)
    assert person.roles("tenant-contoso", NOW) == roles
    assert person.sees("tenant-contoso", NOW) == bool(roles)
    assert not person.sees("tenant-woodgrove", NOW)


def test_a_grant_stops_granting_when_its_relationship_ends_while_held() -> None:
    end = NOW + timedelta(minutes=5)
    person = PersonAccess(
        "ana", grants_for([_relationship(end=end)], {"rel-1": [_assignment()]}, frozenset({TIER2}), NOW)
    )
    assert person.may("tenant-contoso", Need.FILE, NOW)
    assert not person.sees("tenant-contoso", end)


def test_reading_is_not_filing() -> None:
    person = PersonAccess(
        "chloe", grants_for([_relationship()], {"rel-1": [_assignment(roles=(GR,))]}, frozenset({TIER2}), NOW)
    )
    assert person.may("tenant-contoso", Need.SEE, NOW)
    assert not person.may("tenant-contoso", Need.FILE, NOW)


def test_everyone_reaches_everything_and_nobody_nothing() -> None:
    assert EVERYONE.may("any-tenant", Need.FILE, NOW)
    assert not PersonAccess("dev").sees("any-tenant", NOW)
