"""The service-request clients against the doubles: Partner Center (App+User) and Azure Support."""

from __future__ import annotations

from typing import Any

import pytest

from services.backends.azure_support.client import AzureSupportClient, TicketRequest, read_arm_error
from services.backends.live.upstream import Upstream, UpstreamError
from services.backends.partner_center.client import PartnerCenterClient, read_partner_center_error
from tests.doubles.azure_support import FakeAzureSupport
from tests.doubles.entra import unsigned_jwt
from tests.doubles.live_world import NORTHWIND_SUBSCRIPTION, NORTHWIND_TENANT, LiveWorld, start_servers
from tests.doubles.tls import LoopbackCA

CONTOSO_ID = "517a65b5-e99c-5660-9e76-c6c678d90247"
SUBSCRIPTION = "132d901f-189d-4381-9214-fe68e27e05a1"


class DelegatedTokens:
    """An App+User token, as `make consent` would give, without the sign-in."""

    def __init__(self, audience: str) -> None:
        self.audience = audience

    async def bearer(self, tenant_id: str, scope: str) -> str:
        return "Bearer " + unsigned_jwt({"aud": self.audience, "tid": tenant_id, "scp": "user_impersonation"})


def _partner_center(world: LiveWorld) -> PartnerCenterClient:
    base = world.partner_center.base_url
    upstream = Upstream(
        "Partner Center",
        world.backend.http,
        DelegatedTokens(base),
        f"{base}/.default",
        read_partner_center_error,
    )
    return PartnerCenterClient(upstream, base, world.partner_tenant_id, "test")


async def test_service_requests_are_listed_read_and_noted_once(live_world: LiveWorld) -> None:
    live_world.partner_center.service_requests[CONTOSO_ID] = [
        {
            "id": "616122292874576",
            "title": "Mailbox unavailable",
            "description": "OWA fails",
            "severity": "critical",
            "status": "open",
            "supportTopicName": "Exchange",
            "createdDate": "2026-11-24T08:00:00Z",
            "lastModifiedDate": "0001-01-01T00:00:00",
            "notes": [],
            "attributes": {"objectType": "ServiceRequest"},
        }
    ]
    client = _partner_center(live_world)
    (listed,) = await client.list_service_requests(CONTOSO_ID)
    assert (listed.request_id, listed.severity, listed.status) == ("616122292874576", "critical", "open")
    assert listed.last_modified is None
    live_world.partner_center.fail(503, times=1, path_contains="/v1/servicerequests/616122292874576")
    noted = await client.add_service_request_note("616122292874576", "Customer confirmed the workaround.")
    assert noted is not None and [n.text for n in noted.notes] == ["Customer confirmed the workaround."]
    patches = [s for s in live_world.partner_center.seen if s.method == "PATCH"]
    assert len(patches) == 2 and patches[0].request_id == patches[1].request_id
    again = await client.get_service_request("616122292874576")
    assert again is not None and len(again.notes) == 1
    assert await client.get_service_request("1") is None


async def test_app_only_tokens_are_refused_on_service_requests(live_world: LiveWorld) -> None:
    with pytest.raises(UpstreamError) as raised:
        await live_world.backend.partner_center.list_service_requests(CONTOSO_ID)
    assert raised.value.status == 403


@pytest.fixture
async def azure(
    aiohttp_server: Any, test_ca: LoopbackCA, live_world: LiveWorld
) -> tuple[AzureSupportClient, FakeAzureSupport]:
    fake = FakeAzureSupport()
    await start_servers(aiohttp_server, test_ca, fake)
    upstream = Upstream(
        "Azure Support",
        live_world.backend.http,
        live_world.backend.tokens,
        f"{fake.base_url}/.default",
        read_arm_error,
    )
    return AzureSupportClient(upstream, fake.base_url, poll_seconds=0.0), fake


async def test_azure_catalogue_is_read_across_pages(
    azure: tuple[AzureSupportClient, FakeAzureSupport],
) -> None:
    client, _ = azure
    services = await client.services("tenant")
    assert [s.name for s in services] == ["vm-linux", "storage", "sql"]
    (problem,) = await client.problem_classifications("tenant", "vm-linux")
    assert problem.classification_id.endswith("/problemClassifications/connectivity")


async def test_a_ticket_is_created_by_put_with_our_name_and_a_retry_is_harmless(
    azure: tuple[AzureSupportClient, FakeAzureSupport],
) -> None:
    client, fake = azure
    request = TicketRequest(
        title="VM unreachable",
        description="SSH times out",
        service_id="/providers/Microsoft.Support/services/vm-linux",
        problem_classification_id="/providers/Microsoft.Support/services/vm-linux/problemClassifications/connectivity",
        severity="moderate",
        first_name="Ana",
        last_name="Bowman",
        email="ana@partner.example",
    )
    ticket = await client.create_ticket("tenant", SUBSCRIPTION, "esc-7f3a", request)
    again = await client.create_ticket("tenant", SUBSCRIPTION, "esc-7f3a", request)
    assert ticket.ticket_id == again.ticket_id and ticket.status == "Open"
    assert fake.puts == ["esc-7f3a", "esc-7f3a"] and len(fake.tickets) == 1
    assert [t.name for t in await client.list_tickets("tenant", SUBSCRIPTION)] == ["esc-7f3a"]
    await client.add_communication(
        "tenant", SUBSCRIPTION, "esc-7f3a", "note-1", "Update", "Rebooted", "ana@partner.example"
    )
    (note,) = await client.list_communications("tenant", SUBSCRIPTION, "esc-7f3a")
    assert (note.subject, note.body, note.sender) == ("Update", "Rebooted", "ana@partner.example")
    assert await client.get_ticket("tenant", SUBSCRIPTION, "missing") is None


async def test_on_behalf_of_calls_carry_the_partners_token_in_the_auxiliary_header(
    live_world: LiveWorld,
) -> None:
    """CSP on-behalf-of: the customer tenant's token authorizes, the partner tenant's rides along."""
    fake = live_world.azure_support
    fake.partner_tenant_id = live_world.partner_tenant_id
    with pytest.raises(UpstreamError) as refused:
        await live_world.backend.azure_support.list_tickets(NORTHWIND_TENANT, NORTHWIND_SUBSCRIPTION)
    assert (refused.value.status, refused.value.code) == (403, "AuthorizationFailed")
    assert fake.auxiliary_tenants == [None], "not configured: no auxiliary token, and the double refuses"

    fake.auxiliary_tenants.clear()
    backend = live_world.backend_with(azure_on_behalf_of=True)
    try:
        client = backend.azure_support
        request = TicketRequest(
            title="VM unreachable",
            description="SSH times out",
            service_id="/providers/Microsoft.Support/services/vm-linux",
            problem_classification_id="/providers/Microsoft.Support/services/vm-linux/problemClassifications/connectivity",
            severity="moderate",
            first_name="Ana",
            last_name="Bowman",
            email="ana@partner.example",
        )
        ticket = await client.create_ticket(NORTHWIND_TENANT, NORTHWIND_SUBSCRIPTION, "esc-obo-1", request)
        await client.add_communication(
            NORTHWIND_TENANT,
            NORTHWIND_SUBSCRIPTION,
            "esc-obo-1",
            "note-1",
            "Update",
            "Rebooted",
            "a@p.example",
        )
        listed = await client.list_tickets(NORTHWIND_TENANT, NORTHWIND_SUBSCRIPTION)
        partner_only = await client.services(live_world.partner_tenant_id)
    finally:
        await backend.close()
    assert ticket.status == "Open" and [t.name for t in listed] == ["esc-obo-1"]
    assert partner_only, "the partner's own calls need no auxiliary token"
    # PUT, poll, poll, GET, PUT note, list: every call into the subscription carried the partner's token.
    assert len(fake.auxiliary_tenants) >= 5
    assert set(fake.auxiliary_tenants) == {live_world.partner_tenant_id}
