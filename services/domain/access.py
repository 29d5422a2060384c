"""Who may see which customer and do what, as GDAP grants it: relationships, access assignments, roles.

A person reaches a customer when a security group they belong to (transitively) holds an active access
assignment in an active delegated admin relationship with that customer whose end is still ahead; the
roles they hold there are the assignment's roles that the relationship also grants. Everything here is a
value or a rule over values: reading Graph is a backend's, caching and the current person are
services/access's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Role:
    """A Microsoft Entra built-in role: its template id (what GDAP grants) and its catalogue name."""

    template_id: str
    message_id: str


# Template ids from Microsoft Entra's built-in roles reference
# (learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
SERVICE_SUPPORT_ADMINISTRATOR = Role(
    "f023fd81-a637-4b56-95fd-791ac0226033", "role.service_support_administrator"
)
GLOBAL_READER = Role("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "role.global_reader")
HELPDESK_ADMINISTRATOR = Role("729827e3-9c14-49f7-bb1b-9608f156bbb8", "role.helpdesk_administrator")
GLOBAL_ADMINISTRATOR = Role("62e90394-69f5-4237-9190-012177145e10", "role.global_administrator")


class Need(enum.StrEnum):
    """What a feature needs of a customer: seeing its health, incidents and requests, or filing and
    writing on its behalf."""

    SEE = "see"
    FILE = "file"


# The roles each need accepts, least privileged first: a refusal names the first.
ACCEPTED: Mapping[Need, tuple[Role, ...]] = {
    Need.SEE: (SERVICE_SUPPORT_ADMINISTRATOR, GLOBAL_READER, HELPDESK_ADMINISTRATOR, GLOBAL_ADMINISTRATOR),
    Need.FILE: (SERVICE_SUPPORT_ADMINISTRATOR, HELPDESK_ADMINISTRATOR, GLOBAL_ADMINISTRATOR),
}

# Graph's delegatedAdminRelationshipStatus and delegatedAdminAccessAssignmentStatus values that grant.
ACTIVE = "active"


@dataclass(frozen=True)
class Relationship:
    """A delegated admin relationship (Graph `delegatedAdminRelationship`) as far as access needs it."""

    relationship_id: str
    customer_tenant_id: str
    status: str
    end: datetime | None
    role_ids: frozenset[str]


@dataclass(frozen=True)
class Assignment:
    """An access assignment (Graph `delegatedAdminAccessAssignment`): a security group and its roles."""

    assignment_id: str
    status: str
    group_id: str
    role_ids: frozenset[str]


@dataclass(frozen=True)
class Grant:
    """Roles a person holds in one customer tenant, until the relationship ends."""

    tenant_id: str
    role_ids: frozenset[str]
    until: datetime


@dataclass(frozen=True)
class PersonAccess:
    """What one person may reach. `everything` is BOT_ACCESS=everyone (and the bot's own identity)."""

    object_id: str
    grants: tuple[Grant, ...] = ()
    everything: bool = False

    def roles(self, tenant_id: str, now: datetime) -> frozenset[str]:
        held: set[str] = set()
        for grant in self.grants:
            if grant.tenant_id == tenant_id and grant.until > now:
                held |= grant.role_ids
        return frozenset(held)

    def sees(self, tenant_id: str, now: datetime) -> bool:
        """Any role a seeing need accepts: a customer the person can't see doesn't exist for them."""
        return self.may(tenant_id, Need.SEE, now)

    def may(self, tenant_id: str, need: Need, now: datetime) -> bool:
        if self.everything:
            return True
        held = self.roles(tenant_id, now)
        return any(role.template_id in held for role in ACCEPTED[need])


EVERYONE = PersonAccess("", everything=True)


def grants_for(
    relationships: Iterable[Relationship],
    assignments: Mapping[str, Sequence[Assignment]],
    group_ids: frozenset[str],
    now: datetime,
) -> tuple[Grant, ...]:
    """The grants of a person in `group_ids` (transitive): active relationships whose end is ahead, their
    active assignments to one of those groups, and of each assignment's roles those the relationship
    grants (an assignment can't hold a role its relationship was never approved for)."""
    found: list[Grant] = []
    for relationship in relationships:
        if relationship.status != ACTIVE or relationship.end is None or relationship.end <= now:
            continue
        for assignment in assignments.get(relationship.relationship_id, ()):
            if assignment.status != ACTIVE or assignment.group_id not in group_ids:
                continue
            roles = assignment.role_ids & relationship.role_ids
            if roles:
                found.append(Grant(relationship.customer_tenant_id, roles, relationship.end))
    return tuple(found)
