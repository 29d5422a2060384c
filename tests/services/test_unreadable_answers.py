"""A 200 whose body isn't the documented JSON is Partner Center or Graph failing, not an empty answer:
retried like a 5xx, never cached, and told to the user as "isn't answering … try again"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from services.backends.live.upstream import UnreadableReply
from services.domain.errors import UpstreamUnavailable
from tests.doubles.faults import Fault
from tests.doubles.live_world import TEST_LIMITS, LiveWorld, start_live_world
from tests.doubles.tls import LoopbackCA

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


@dataclass(frozen=True)
class Body:
    name: str
    text: str
    content_type: str = "application/json"


# What a proxy, a gateway or a half-deployed API has been seen to answer with a 200.
BODIES = [
    Body("plain text", "Service Unavailable", "text/plain"),
    Body("HTML", "<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>", "text/html"),
    Body("truncated JSON", '{"totalCount": 2, "items": [{"id": "aed0'),
    Body("empty", ""),
    Body("JSON null", "null"),
    Body("JSON list", "[]"),
    Body("JSON string", '"ok"'),
    Body("JSON number", "0"),
    Body("empty object", "{}"),
    Body("Partner Center's collection where Graph's belongs, and back", "other-api"),
    Body("collection list of the wrong type", "wrong-type"),
]


@dataclass(frozen=True)
class Client:
    name: str
    path: str  # where the fault is served
    # The other API's collection shape, and this API's collection with the list of the wrong type.
    other_api: str
    wrong_type: str
    ask: Callable[[LiveWorld], Awaitable[Any]]
    # What the user reads when every attempt got an unreadable answer ("" for a client-level call).
    words: str = ""


async def _contoso_health(world: LiveWorld) -> Any:
    customers = await world.backend.list_customers()
    return await world.backend.tenant_health(next(c for c in customers if c.tenant_id == CONTOSO_TENANT))


CLIENTS = [
    Client(
        "Partner Center customers",
        "/v1/customers",
        '{"value": []}',
        '{"totalCount": 0, "items": {}}',
        lambda world: world.backend.list_customers(),
        "Partner Center isn't answering right now, so I can't list your customers. Try again in a few "
        "minutes.",
    ),
    Client(
        "Partner Center one customer",
        f"/v1/customers/{CONTOSO_TENANT}",
        '{"value": []}',
        '{"id": 42, "companyProfile": {}}',
        lambda world: world.backend.partner_center.get_customer(CONTOSO_TENANT),
    ),
    Client(
        "Partner Center service requests",
        "/v1/customers/aed00557-b713-5772-a4ff-9dabe7d2eb7b/servicerequests",
        '{"value": []}',
        '{"items": "none"}',
        lambda world: world.backend.partner_center_requests.list_service_requests(CONTOSO_TENANT),
    ),
    Client(
        "Graph health overviews",
        "/healthOverviews",
        '{"totalCount": 0, "items": []}',
        '{"value": {}}',
        _contoso_health,
        "Microsoft Graph isn't answering right now, so I can't read Contoso Ltd's service health. Try again "
        "in a few minutes.",
    ),
    Client(
        "Graph issues",
        "/issues",
        '{"totalCount": 0, "items": []}',
        '{"value": null}',
        lambda world: world.backend.graph.issues(CONTOSO_TENANT),
    ),
]


@pytest.fixture
async def world(aiohttp_server: Any, test_ca: LoopbackCA) -> AsyncIterator[LiveWorld]:
    """The live world with a breaker that stays closed through one call's attempts."""
    started = await start_live_world(aiohttp_server, test_ca, replace(TEST_LIMITS, breaker_failures=10))
    yield started
    await started.backend.close()


def _fault(client: Client, body: Body, times: int) -> Fault:
    text = {"other-api": client.other_api, "wrong-type": client.wrong_type}.get(body.text, body.text)
    return Fault(200, None, {}, client.path, times, text=text, content_type=body.content_type)


def _requests_seen(world: LiveWorld) -> int:
    return len(world.partner_center.seen) + sum(world.graph.calls.values())


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.name)
@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.name)
async def test_an_unreadable_200_is_retried_never_cached_and_never_an_empty_answer(
    world: LiveWorld, client: Client, body: Body
) -> None:
    answer = await client.ask(world)  # what the API really holds
    world.backend._customers.forget("all")
    world.backend._health.forget(CONTOSO_TENANT)
    faults = world.partner_center.faults if client.path.startswith("/v1/") else world.graph.faults

    # Every attempt unreadable: the API failed, and the user is told so.
    faults.add(_fault(client, body, TEST_LIMITS.max_attempts))
    with pytest.raises((UpstreamUnavailable, UnreadableReply)) as raised:
        await client.ask(world)
    if client.words:
        assert isinstance(raised.value, UpstreamUnavailable) and raised.value.message == client.words
    else:
        assert isinstance(raised.value, UnreadableReply) and raised.value.retryable
    assert faults.queue[-1].times == 0, "retried up to the attempt limit"

    # Nothing was cached: the next ask reads again, and one unreadable answer is retried past.
    faults.add(_fault(client, body, 1))
    before = _requests_seen(world)
    assert await client.ask(world) == answer
    assert faults.queue[-1].times == 0 and _requests_seen(world) > before + 1
