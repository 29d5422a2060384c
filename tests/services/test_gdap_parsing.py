"""GDAP read from Graph's own documented answers (microsoft-graph-docs-contrib, v1.0, examples verbatim),
and the class of odd answers a tolerant parser must never turn into access."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from services.backends.graph.gdap import parse_assignments, parse_group_ids, parse_relationships
from services.domain.access import Assignment, Relationship, grants_for

# api-reference/v1.0/api/tenantrelationship-list-delegatedadminrelationships.md, Response.
RELATIONSHIPS_EXAMPLE = r"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/tenantRelationships/$metadata#delegatedAdminRelationships",
  "value": [
    {
      "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
      "@odata.etag": "W/\"JyIwMzAwZTM0ZS0wMDAwLTAyMDAtMDAwMC02MTRjZjI1YzAwMDAiJw==\"",
      "id": "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836",
      "displayName": "Contoso admin relationship",
      "duration": "P730D",
      "customer": {
        "tenantId": "52eaad04-13a2-4a2f-9ce8-93a294fadf36",
        "displayName": "Contoso Inc"
      },
      "accessDetails": {
        "unifiedRoles": [
          {
            "roleDefinitionId": "dd4db9a0-cc4a-4213-9f9f-70242232d97e"
          }
        ]
      },
      "status": "active",
      "autoExtendDuration": "P180D",
      "createdDateTime": "2022-02-10T11:24:42.3148266Z",
      "lastModifiedDateTime": "2022-02-10T11:26:44.9941884Z",
      "activatedDateTime": "2022-02-10T11:26:44.9941884Z",
      "endDateTime": "2024-02-10T11:24:42.3148266Z"
    },
    {
      "@odata.type": "#microsoft.graph.delegatedAdminRelationship",
      "@odata.etag": "W/\"JyIwMzAwZTM0ZS0wKklILTAyMDAtMDAwMC02MTRjZjI1YzAwMDAiJw==\"",
      "id": "1041ef52-a99b-4245-a3be-cbd3fa7c5ed1-8777b240-c6f0-4469-9e98-a3205431b836",
      "displayName": "Contoso subsidiary relationship",
      "duration": "P30D",
      "customer": {
        "tenantId": "4b827261-d21f-4aa9-b7db-7fa1f56fb163",
        "displayName": "Contoso subsidiary Inc"
      },
      "accessDetails": {
        "unifiedRoles": [
          {
            "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de"
          },
          {
            "roleDefinitionId": "3a2c62db-5318-420d-8d74-23affee5d9d5"
          }
        ]
      },
      "status": "terminated",
      "autoExtendDuration": "PT0S",
      "createdDateTime": "2021-09-29T16:52:39.6133896Z",
      "lastModifiedDateTime": "2021-10-29T16:57:20.2101088Z",
      "activatedDateTime": "2021-09-29T16:55:20.2101088Z",
      "endDateTime": "2021-10-29T16:57:20.2101088Z"
    },
    {
      "@odata.type": "#microsoft.graph.resellerDelegatedAdminRelationship",
      "@odata.etag": "W/\"JyIwMzAwZTM0ZS0wMDAwLTAyMDAtMDAwMC02MTRjZjI1YzAwMDAiJw==\"",
      "id": "4b227261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836",
      "displayName": "Fabrikam admin relationship",
      "duration": "P180D",
      "customer": {
        "tenantId": "52eaad04-13a2-4a2f-9ce8-93a294fadf36",
        "displayName": "Fabrikam Inc."
      },
      "accessDetails": {
        "unifiedRoles": [
          {
            "roleDefinitionId": "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
          },
          {
            "roleDefinitionId": "e8611ab8-c189-46e8-94e1-60213ab1f814"
          },
          {
            "roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1"
          },
          {
            "roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"
          },
          {
            "roleDefinitionId": "4d6ac14f-3453-41d0-bef9-a3e0c569773a"
          },
          {
            "roleDefinitionId": "f023fd81-a637-4b56-95fd-791ac0226033"
          },
          {
            "roleDefinitionId": "9360feb5-f418-4baa-8175-e2a00bac4301"
          },
          {
            "roleDefinitionId": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
          },
          {
            "roleDefinitionId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
          }
        ]
      },
      "status": "approvalPending",
      "autoExtendDuration": "PT0S",
      "createdDateTime": "2022-02-10T11:24:42.3148266Z",
      "lastModifiedDateTime": "2022-02-10T11:26:44.9941884Z",
      "activatedDateTime": null,
      "endDateTime": null,
      "isPartnerConsentPending": true,
      "indirectProviderTenantId": "60ea59db-a506-485e-94c5-d115f369e239"
    }
  ]
}
"""

# api-reference/v1.0/api/delegatedadminrelationship-list-accessassignments.md, Response.
ASSIGNMENTS_EXAMPLE = r"""
{
  "@odata.context": "https://graph.microsoft.com/v1.0/tenantRelationships/$metadata#accessAssignments",
  "value": [
    {
      "@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment",
      "@odata.etag": "W/\"JyIwMDAwMDI5OC0wMDAwLTAyMDAtMDAwMC02MjJiZTA0YjAwMDAiJw==\"",
      "id": "84c586df-0943-416e-b95f-7289cb8d3bd5",
      "status": "active",
      "createdDateTime": "2022-03-07T22:55:18.6780449Z",
      "lastModifiedDateTime": "2022-03-11T23:50:35.8970153Z",
      "accessContainer": {
          "accessContainerId": "227a2f44-2682-4831-a021-f8d69a34bcba",
          "accessContainerType": "securityGroup"
      },
      "accessDetails": {
          "unifiedRoles": [
              {
                   "roleDefinitionId": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
              },
              {
                  "roleDefinitionId": "44367163-eba1-44c3-98af-f5787879f96a"
              },
              {
                  "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de"
              },
              {
                  "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"
              }
          ]
      }
    },
    {
      "@odata.type": "#microsoft.graph.delegatedAdminAccessAssignment",
      "@odata.etag": "W/\"JyIwMDAwMjAwOC0wMDAwLTAyMDAtMDAwMC02MjJhYWQzYjAwMDAiJw==\"",
      "id": "8d56bce3-440f-4b4f-b5c2-cc0bcbd0199c",
      "status": "active",
      "createdDateTime": "2022-03-10T23:50:35.8970153Z",
      "lastModifiedDateTime": "2022-03-11T02:00:27.7912161Z",
      "accessContainer": {
          "accessContainerId": "869713c9-0b28-4d08-8949-ae07ae1bf528",
          "accessContainerType": "securityGroup"
      },
      "accessDetails": {
          "unifiedRoles": [
              {
                  "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de"
              },
              {
                  "roleDefinitionId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
              },
              {
                  "roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"
              },
              {
                  "roleDefinitionId": "3a2c62db-5318-420d-8d74-23affee5d9d5"
              }
          ]
      }
    }
  ]
}
"""

# api-reference/v1.0/api/user-list-transitivememberof.md, Example 1 (no id: the docs shortened it) and
# Example 4 (the cast with $select: no @odata.type).
MEMBERSHIPS_EXAMPLE_1 = r"""
{
  "@odata.context":"https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
  "value":[
    {
      "@odata.type":"#microsoft.graph.group",
      "displayName":"All_Contoso_Licensing",
      "mailEnabled":true,
      "mailNickname":"ContosoMailNickName",
      "securityEnabled":true
    }
  ]
}
"""
MEMBERSHIPS_EXAMPLE_4 = r"""
{
  "@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups(displayName,id)",
  "@odata.count":7,
  "value":[
    {
      "displayName":"Contoso-tier Query Notification",
      "id":"11111111-2222-3333-4444-555555555555"
    }
  ]
}
"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_documented_relationships_read_as_graph_wrote_them() -> None:
    assert parse_relationships(json.loads(RELATIONSHIPS_EXAMPLE)) == (
        Relationship(
            "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836",
            "52eaad04-13a2-4a2f-9ce8-93a294fadf36",
            "active",
            _at("2024-02-10T11:24:42.314826"),
            frozenset({"dd4db9a0-cc4a-4213-9f9f-70242232d97e"}),
        ),
        Relationship(
            "1041ef52-a99b-4245-a3be-cbd3fa7c5ed1-8777b240-c6f0-4469-9e98-a3205431b836",
            "4b827261-d21f-4aa9-b7db-7fa1f56fb163",
            "terminated",
            _at("2021-10-29T16:57:20.210108"),
            frozenset({"29232cdf-9323-42fd-ade2-1d097af3e4de", "3a2c62db-5318-420d-8d74-23affee5d9d5"}),
        ),
        # The indirect reseller's type reads the same; pending approval, it has no end yet.
        Relationship(
            "4b227261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836",
            "52eaad04-13a2-4a2f-9ce8-93a294fadf36",
            "approvalpending",
            None,
            frozenset(
                {
                    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
                    "e8611ab8-c189-46e8-94e1-60213ab1f814",
                    "fe930be7-5e62-47db-91af-98c3a49a38b1",
                    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
                    "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
                    "f023fd81-a637-4b56-95fd-791ac0226033",
                    "9360feb5-f418-4baa-8175-e2a00bac4301",
                    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
                    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
                }
            ),
        ),
    )


def test_the_documented_assignments_read_as_graph_wrote_them() -> None:
    assert parse_assignments(json.loads(ASSIGNMENTS_EXAMPLE)) == (
        Assignment(
            "84c586df-0943-416e-b95f-7289cb8d3bd5",
            "active",
            "227a2f44-2682-4831-a021-f8d69a34bcba",
            frozenset(
                {
                    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
                    "44367163-eba1-44c3-98af-f5787879f96a",
                    "29232cdf-9323-42fd-ade2-1d097af3e4de",
                    "62e90394-69f5-4237-9190-012177145e10",
                }
            ),
        ),
        Assignment(
            "8d56bce3-440f-4b4f-b5c2-cc0bcbd0199c",
            "active",
            "869713c9-0b28-4d08-8949-ae07ae1bf528",
            frozenset(
                {
                    "29232cdf-9323-42fd-ade2-1d097af3e4de",
                    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
                    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
                    "3a2c62db-5318-420d-8d74-23affee5d9d5",
                }
            ),
        ),
    )


def test_the_documented_memberships_give_the_ids_there_are() -> None:
    assert parse_group_ids(json.loads(MEMBERSHIPS_EXAMPLE_1)) == frozenset()
    assert parse_group_ids(json.loads(MEMBERSHIPS_EXAMPLE_4)) == {"11111111-2222-3333-4444-555555555555"}


def test_the_documented_answers_grant_what_graph_says_and_no_more() -> None:
    """The docs' Contoso relationship ended in 2024 and their subsidiary's was terminated: in 2023 the
    second assignment's group holds, of its roles, only those the relationship was approved for."""
    relationships = parse_relationships(json.loads(RELATIONSHIPS_EXAMPLE))
    assignments = parse_assignments(json.loads(ASSIGNMENTS_EXAMPLE))
    group = "869713c9-0b28-4d08-8949-ae07ae1bf528"
    by_relationship = {r.relationship_id: assignments for r in relationships}
    assert grants_for(relationships, by_relationship, frozenset({group}), _at("2023-01-01T00:00:00")) == ()
    approved = {relationships[0].relationship_id: assignments}
    # As if the customer had approved Global Reader in the still-running relationship.
    wider = replace(relationships[0], role_ids=frozenset({"f2ef992c-3afb-46b9-b7cf-a126ee74c451"}))
    grants = grants_for((wider,), approved, frozenset({group}), _at("2023-01-01T00:00:00"))
    assert [(g.tenant_id, g.role_ids) for g in grants] == [
        ("52eaad04-13a2-4a2f-9ce8-93a294fadf36", frozenset({"f2ef992c-3afb-46b9-b7cf-a126ee74c451"}))
    ]
    assert grants_for((wider,), approved, frozenset({group}), _at("2024-02-10T11:24:43")) == ()


RELATIONSHIP: dict[str, Any] = {
    "id": "r1",
    "customer": {"tenantId": "T1", "displayName": "Contoso"},
    "status": "active",
    "endDateTime": "2030-01-01T00:00:00Z",
    "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "F023FD81-A637-4B56-95FD-791AC0226033"}]},
}


@pytest.mark.parametrize(
    ("change", "read"),
    [
        ({}, ("r1", "t1", "active", True, 1)),
        ({"status": "Active"}, ("r1", "t1", "active", True, 1)),  # PascalCase, as some examples write
        ({"status": "expiring"}, ("r1", "t1", "expiring", True, 1)),
        ({"status": None}, ("r1", "t1", "", True, 1)),
        ({"status": "someFutureValue"}, ("r1", "t1", "somefuturevalue", True, 1)),
        ({"endDateTime": None}, ("r1", "t1", "active", False, 1)),
        ({"endDateTime": "not a date"}, ("r1", "t1", "active", False, 1)),
        ({"accessDetails": None}, ("r1", "t1", "active", True, 0)),
        (
            {"accessDetails": {"unifiedRoles": [{"roleDefinitionId": None}, "x"]}},
            ("r1", "t1", "active", True, 0),
        ),
        ({"id": None}, None),
        ({"customer": None}, None),
        ({"customer": {"displayName": "Contoso"}}, None),
    ],
)
def test_an_odd_relationship_is_read_closed_or_skipped(change: dict[str, Any], read: Any) -> None:
    parsed = parse_relationships({"value": [{**RELATIONSHIP, **change}, "not an object"]})
    got = [
        (r.relationship_id, r.customer_tenant_id, r.status, r.end is not None, len(r.role_ids))
        for r in parsed
    ]
    assert got == ([read] if read else [])


ASSIGNMENT: dict[str, Any] = {
    "id": "a1",
    "status": "active",
    "accessContainer": {"accessContainerId": "G1", "accessContainerType": "securityGroup"},
    "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "f023fd81-a637-4b56-95fd-791ac0226033"}]},
}


@pytest.mark.parametrize(
    ("change", "read"),
    [
        ({}, ("a1", "active", "g1")),
        ({"status": "Deleted"}, ("a1", "deleted", "g1")),
        ({"status": "pending"}, ("a1", "pending", "g1")),
        (
            {"accessContainer": {"accessContainerId": "G1", "accessContainerType": "SecurityGroup"}},
            ("a1", "active", "g1"),
        ),
        ({"accessContainer": {"accessContainerId": "G1", "accessContainerType": "unknownFutureValue"}}, None),
        ({"accessContainer": {"accessContainerType": "securityGroup"}}, None),
        ({"accessContainer": None}, None),
        ({"id": ""}, None),
    ],
)
def test_an_odd_assignment_is_read_closed_or_skipped(change: dict[str, Any], read: Any) -> None:
    parsed = parse_assignments({"value": [{**ASSIGNMENT, **change}]})
    assert [(a.assignment_id, a.status, a.group_id) for a in parsed] == ([read] if read else [])


def test_only_groups_count_among_memberships() -> None:
    page = {
        "value": [
            {"@odata.type": "#microsoft.graph.group", "id": "G1"},
            {"@odata.type": "#microsoft.graph.directoryRole", "id": "r1"},
            {"@odata.type": "#microsoft.graph.administrativeUnit", "id": "u1"},
            {"id": "g2"},
            {"@odata.type": "#microsoft.graph.group"},
            "not an object",
        ]
    }
    assert parse_group_ids(page) == {"g1", "g2"}
    assert parse_group_ids({"value": None}) == frozenset()
