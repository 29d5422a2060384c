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
# The roles each admin center is opened with (same reference; which center accepts which role is from
# the roles' descriptions there, not from a per-center list Microsoft publishes).
EXCHANGE_ADMINISTRATOR = Role("29232cdf-9323-42fd-ade2-1d097af3e4de", "role.exchange_administrator")
EXCHANGE_RECIPIENT_ADMINISTRATOR = Role(
    "31392ffb-586c-42d1-9346-e59415a2cc4e", "role.exchange_recipient_administrator"
)
TEAMS_ADMINISTRATOR = Role("69091246-20e8-4a56-aa4d-066075b2a7a8", "role.teams_administrator")
TEAMS_COMMUNICATIONS_SUPPORT_ENGINEER = Role(
    "f70938a0-fc10-4177-9e90-2178f8765737", "role.teams_communications_support_engineer"
)
SHAREPOINT_ADMINISTRATOR = Role("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "role.sharepoint_administrator")
INTUNE_ADMINISTRATOR = Role("3a2c62db-5318-420d-8d74-23affee5d9d5", "role.intune_administrator")
SECURITY_ADMINISTRATOR = Role("194ae4cb-b126-40b2-bd5b-6091b380977d", "role.security_administrator")
SECURITY_OPERATOR = Role("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "role.security_operator")
SECURITY_READER = Role("5d6b6bb7-de71-4623-b4af-96380a352509", "role.security_reader")
USER_ADMINISTRATOR = Role("fe930be7-5e62-47db-91af-98c3a49a38b1", "role.user_administrator")
DIRECTORY_READERS = Role("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "role.directory_readers")


class Need(enum.StrEnum):
    """What a feature needs of a customer: seeing its health and incidents, filing and reading requests
    on its behalf, or opening one of its admin centers."""

    SEE = "see"
    FILE = "file"
    # Opening a customer's admin center (the buttons on health and incident cards): only with a role that
    # center accepts, so nobody is offered a portal that would refuse them.
    OPEN_MICROSOFT_365 = "open.microsoft_365"
    OPEN_EXCHANGE = "open.exchange"
    OPEN_TEAMS = "open.teams"
    OPEN_SHAREPOINT = "open.sharepoint"
    OPEN_ENTRA = "open.entra"
    OPEN_INTUNE = "open.intune"
    OPEN_DEFENDER = "open.defender"


# The roles each need accepts, least privileged first: a refusal names the first.
ACCEPTED: Mapping[Need, tuple[Role, ...]] = {
    Need.SEE: (SERVICE_SUPPORT_ADMINISTRATOR, GLOBAL_READER, HELPDESK_ADMINISTRATOR, GLOBAL_ADMINISTRATOR),
    Need.FILE: (SERVICE_SUPPORT_ADMINISTRATOR, HELPDESK_ADMINISTRATOR, GLOBAL_ADMINISTRATOR),
    # Every admin role reads the Microsoft 365 admin center (`microsoft.office365.webPortal/.../read`).
    Need.OPEN_MICROSOFT_365: (
        SERVICE_SUPPORT_ADMINISTRATOR,
        GLOBAL_READER,
        HELPDESK_ADMINISTRATOR,
        GLOBAL_ADMINISTRATOR,
    ),
    Need.OPEN_EXCHANGE: (
        EXCHANGE_RECIPIENT_ADMINISTRATOR,
        EXCHANGE_ADMINISTRATOR,
        GLOBAL_READER,
        GLOBAL_ADMINISTRATOR,
    ),
    Need.OPEN_TEAMS: (
        TEAMS_COMMUNICATIONS_SUPPORT_ENGINEER,
        TEAMS_ADMINISTRATOR,
        GLOBAL_READER,
        GLOBAL_ADMINISTRATOR,
    ),
    Need.OPEN_SHAREPOINT: (SHAREPOINT_ADMINISTRATOR, GLOBAL_READER, GLOBAL_ADMINISTRATOR),
    Need.OPEN_ENTRA: (
        DIRECTORY_READERS,
        GLOBAL_READER,
        HELPDESK_ADMINISTRATOR,
        USER_ADMINISTRATOR,
        GLOBAL_ADMINISTRATOR,
    ),
    Need.OPEN_INTUNE: (INTUNE_ADMINISTRATOR, GLOBAL_READER, GLOBAL_ADMINISTRATOR),
    Need.OPEN_DEFENDER: (
        SECURITY_READER,
        SECURITY_OPERATOR,
        SECURITY_ADMINISTRATOR,
        GLOBAL_READER,
        GLOBAL_ADMINISTRATOR,
    ),
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
