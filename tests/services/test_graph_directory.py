"""The live directory against the Graph double (real MSAL, real HTTP): the same GDAP the demo directory
reads from its files, asked the way Graph requires, and never a partial answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from services.backends.demo.gdap import DemoDirectory
from services.backends.graph import client
from services.domain.access import ACTIVE, Relationship
from services.domain.errors import UpstreamUnavailable
from tests.doubles.graph import RELATIONSHIPS
from tests.doubles.live_world import LiveWorld
from tests.support.harness import DEMO_NOW

PEOPLE = [f"a1b2c3d4-0000-4000-8000-00000000000{n}" for n in range(1, 5)]


def _seconds(relationship: Relationship) -> Relationship:
    end = relationship.end.replace(microsecond=0) if relationship.end else None
    return replace(relationship, end=end)


@pytest.fixture
def demo_directory() -> DemoDirectory:
    return DemoDirectory.load(now=lambda: DEMO_NOW)


async def test_live_reads_what_the_demo_ships(live_world: LiveWorld, demo_directory: DemoDirectory) -> None:
    live = live_world.backend.directory
    demo_relationships = await demo_directory.relationships()
    # Graph lists only the active ones (the filter we send); the rule would drop the others anyway. The
    # demo's shift writes whole seconds.
    assert [_seconds(r) for r in await live.relationships()] == [
        r for r in demo_relationships if r.status == ACTIVE
    ]
    for relationship in demo_relationships[:5]:
        assert await live.assignments(relationship.relationship_id) == await demo_directory.assignments(
            relationship.relationship_id
        )
    for person in PEOPLE:
        assert await live.group_ids(person) == await demo_directory.group_ids(person), person


async def _get(world: LiveWorld, path: str, params: dict[str, str], headers: dict[str, str]) -> Any:
    scope = world.config.endpoints.scope(world.config.endpoints.graph)
    bearer = await world.backend.tokens.bearer(world.partner_tenant_id, scope)
    async with world.backend.http.session().get(
        f"{world.graph.base_url}{path}", params=params, headers={"Authorization": bearer, **headers}
    ) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("path", "params", "headers", "code"),
    [
        (RELATIONSHIPS, {"$top": "301"}, {}, "BadRequest"),
        (f"/v1.0/users/{PEOPLE[0]}/transitiveMemberOf", {"$top": "1000"}, {}, "Request_BadRequest"),
        (
            f"/v1.0/users/{PEOPLE[0]}/transitiveMemberOf/microsoft.graph.group",
            {"$count": "true"},
            {},
            "Request_UnsupportedQuery",
        ),
        (
            f"/v1.0/users/{PEOPLE[0]}/transitiveMemberOf/microsoft.graph.group",
            {},
            {"ConsistencyLevel": "eventual"},
            "Request_UnsupportedQuery",
        ),
    ],
)
async def test_the_double_refuses_what_graph_refuses(
    live_world: LiveWorld, path: str, params: dict[str, str], headers: dict[str, str], code: str
) -> None:
    status, body = await _get(live_world, path, params, headers)
    assert (status, body["error"]["code"]) == (400, code)


async def test_pages_link_absolutely_and_count_when_asked(live_world: LiveWorld) -> None:
    live_world.graph.page_size = 1
    path = f"/v1.0/users/{PEOPLE[1]}/transitiveMemberOf/microsoft.graph.group"
    params = {"$select": "id", "$count": "true", "$top": "999"}
    status, body = await _get(live_world, path, params, {"ConsistencyLevel": "eventual"})
    assert status == 200 and body["@odata.count"] == 2 and len(body["value"]) == 1
    assert body["@odata.nextLink"].startswith(f"{live_world.graph.base_url}{path}?")
    assert "$skiptoken=1" in body["@odata.nextLink"]


async def test_more_pages_than_the_client_reads_is_unavailable_not_partial(
    live_world: LiveWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "MAX_PAGES", 3)
    with pytest.raises(UpstreamUnavailable):
        await live_world.backend.directory.relationships()  # 21 in pages of 4
