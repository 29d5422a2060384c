"""The live desk against the doubles: Azure Support tickets, the Partner Center hand-off and tracking, and
what the user is told when Microsoft refuses, throttles or fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.language import error_wording
from locales.translator import Translator
from services.backends.choice import backends_around
from services.backends.live.escalation_ledger import EscalationLedger
from services.backends.live.service_requests import LiveServiceRequests
from services.domain.errors import (
    AwaitingServiceRequestNumber,
    AzureSubscriptionMissing,
    PartnerCenterSignInNeeded,
    ServiceRequestNotFound,
    ServiceRequestOfAnotherCustomer,
)
from services.domain.models import Contact, Customer, RequestDraft, RequestStatus, Severity, SupportTopic
from services.domain.ports import ServiceRequestDesk
from services.storage.sqlite_database import SqliteDatabase
from tests.dialogs.test_escalation_dialog import FILED, Conversation, partner_center_request, to_summary
from tests.doubles.live_world import NORTHWIND_SUBSCRIPTION, LiveWorld
from tests.support.harness import DEMO_NOW, BotHarness

AZURE_TOPIC = FILED["live"].topic_id
NORTHWIND_ID = "6f6795aa-eee4-5859-9d0d-eae69f1b3d1c"


def desk_of(world: LiveWorld) -> ServiceRequestDesk:
    return backends_around(world.backend, SqliteDatabase(Path(":memory:")), lambda: DEMO_NOW).desk


async def northwind(world: LiveWorld) -> Customer:
    return next(c for c in await world.backend.list_customers() if c.customer_id == NORTHWIND_ID)


async def draft(world: LiveWorld, topic_id: str, customer: Customer | None = None) -> RequestDraft:
    catalogue = await desk_of(world).support_catalogue()
    topic = catalogue.topic(topic_id)
    assert topic is not None
    return RequestDraft(
        customer=customer or await northwind(world),
        topic=topic,
        severity=Severity.MODERATE,
        title="VMs unreachable",
        description="Since 08:00 no VM in West Europe answers on RDP.",
        contact=Contact("Ana Bowman", "ana@northwind.example", "+43 1 234 5678"),
    )


async def test_the_catalogue_is_the_m365_topics_and_the_configured_azure_services(
    live_world: LiveWorld,
) -> None:
    catalogue = await desk_of(live_world).support_catalogue()
    assert catalogue.products[:2] == ("Exchange Online", "Microsoft Teams")
    assert catalogue.products[-2:] == ("VM-LINUX", "STORAGE"), "by name or display name; sql isn't offered"
    (vm,) = catalogue.topics_of("VM-LINUX")
    assert (vm.topic_id, vm.name) == (AZURE_TOPIC, "Connectivity / Cannot connect")


async def test_an_unreadable_azure_catalogue_leaves_the_m365_topics(live_world: LiveWorld) -> None:
    live_world.azure_support.fail(503, "ServiceUnavailable", times=10, path_contains="/services")
    catalogue = await desk_of(live_world).support_catalogue()
    assert "Exchange Online" in catalogue.products and "VM-LINUX" not in catalogue.products


async def test_an_azure_problem_is_one_ticket_even_when_the_first_put_times_out(
    live_world: LiveWorld,
) -> None:
    azure = live_world.azure_support
    azure.slow_puts, azure.slow_seconds = 1, 1.0  # the test limits read for 0.5 s
    desk = desk_of(live_world)
    filing = await desk.file_request(await draft(live_world, AZURE_TOPIC), "key-1", "Ana Bowman")
    assert azure.puts == ["key-1", "key-1"], "the retry PUT the same ticket name"
    (ticket,) = azure.tickets.values()
    assert ticket["id"].startswith(f"/subscriptions/{NORTHWIND_SUBSCRIPTION}/")
    properties = ticket["properties"]
    assert properties["problemClassificationId"] == AZURE_TOPIC
    assert properties["serviceId"] == "/providers/Microsoft.Support/services/vm-linux"
    assert properties["contactDetails"]["primaryEmailAddress"] == "ana@northwind.example"
    assert properties["contactDetails"]["phoneNumber"] == "+43 1 234 5678"
    request = filing.request
    assert not filing.already_filed and filing.handoff is None
    assert request.number == properties["supportTicketId"] and request.status is RequestStatus.OPEN
    again = await desk.file_request(await draft(live_world, AZURE_TOPIC), "key-1", "Ana Bowman")
    assert again.already_filed and again.request.number == request.number
    assert len(azure.tickets) == 1 and len(azure.puts) == 2, "a filed key isn't PUT again"
    assert [r.number for r in await desk.recent_requests()] == [request.number]


async def test_an_azure_note_is_a_communication_and_shows_on_the_request(live_world: LiveWorld) -> None:
    desk = desk_of(live_world)
    filed = (await desk.file_request(await draft(live_world, AZURE_TOPIC), "key-2", "Ana")).request
    noted = await desk.add_note(filed.number, "Ana Bowman", "Customer rebooted the host.")
    (communication,) = live_world.azure_support.communications["key-2"]
    assert communication["properties"]["sender"] == "ana@northwind.example"
    assert [n.text for n in noted.notes] == ["Customer rebooted the host.\n\n(Ana Bowman)"]


async def test_a_customer_without_a_subscription_is_told_so_and_nothing_is_put(
    live_world: LiveWorld,
) -> None:
    contoso = next(c for c in await live_world.backend.list_customers() if c.name == "Contoso Ltd")
    with pytest.raises(AzureSubscriptionMissing, match="AZURE_SUPPORT_SUBSCRIPTIONS"):
        await desk_of(live_world).file_request(await draft(live_world, AZURE_TOPIC, contoso), "k", "Ana")
    assert live_world.azure_support.puts == []


async def test_an_m365_problem_is_handed_off_and_awaits_its_number(live_world: LiveWorld) -> None:
    desk = desk_of(live_world)
    filing = await desk.file_request(await draft(live_world, "32444672"), "key-3", "Ana")
    request = filing.request
    assert filing.handoff is not None and filing.handoff.portal_url.startswith(
        "https://partner.microsoft.com/"
    )
    assert "Topic: Mailbox access (32444672)" in filing.handoff.summary
    assert request.status is RequestStatus.AWAITING_NUMBER and request.reference.startswith("E")
    assert request.number == request.reference
    assert live_world.azure_support.puts == [] and not any(
        "servicerequests" in s.path_qs for s in live_world.partner_center.seen
    ), "Partner Center has no create API: nothing is sent"
    (listed,) = await desk.recent_requests(await northwind(live_world))
    assert listed.status is RequestStatus.AWAITING_NUMBER
    with pytest.raises(AwaitingServiceRequestNumber):
        await desk.add_note(request.reference, "Ana", "Any news?")


async def test_link_checks_partner_center_then_requests_and_notes_go_through_it(
    live_world: LiveWorld,
) -> None:
    center = live_world.partner_center
    center.service_requests[NORTHWIND_ID] = [partner_center_request("2611240010000042", "open")]
    desk = desk_of(live_world)
    reference = (
        await desk.file_request(await draft(live_world, "32444672"), "key-4", "Ana")
    ).request.reference
    with pytest.raises(ServiceRequestNotFound):
        await desk.link_request(reference, "2611240010009999")
    linked = await desk.link_request(reference, "2611240010000042")
    assert (linked.number, linked.reference, linked.status) == (
        "2611240010000042",
        reference,
        RequestStatus.OPEN,
    )
    center.service_requests[NORTHWIND_ID][0]["status"] = "closed"
    (listed,) = await desk.recent_requests()
    assert listed.status is RequestStatus.CLOSED, "read from Partner Center each time"
    noted = await desk.add_note("2611240010000042", "Ana Bowman", "Closed with the customer's consent.")
    patches = [s for s in center.seen if s.method == "PATCH"]
    assert [p.path_qs for p in patches] == ["/v1/servicerequests/2611240010000042"]
    assert noted.notes[-1].text == "Closed with the customer's consent.\n\n(Ana Bowman)"
    assert (await desk.service_request(reference)).number == "2611240010000042"


async def test_app_only_partner_center_asks_for_the_partner_admins_consent(live_world: LiveWorld) -> None:
    center = live_world.partner_center
    center.service_requests[NORTHWIND_ID] = [partner_center_request("2611240010000042", "open")]
    backend = live_world.backend
    desk = LiveServiceRequests(
        EscalationLedger(SqliteDatabase(Path(":memory:"))),
        lambda: DEMO_NOW,
        backend.azure_support,
        backend.partner_center,  # app-only tokens
        partner_tenant_id=live_world.partner_tenant_id,
        customer_access=backend.config.customer_access,
        azure_subscriptions={},
        azure_services=(),
        m365_topics=[SupportTopic("32444672", "Exchange Online", "Mailbox access")],
    )
    reference = (
        await desk.file_request(await draft(live_world, "32444672"), "key-5", "Ana")
    ).request.reference
    with pytest.raises(PartnerCenterSignInNeeded, match="CUSTOMER_ACCESS=gdap and runs 'make consent'"):
        await desk.link_request(reference, "2611240010000042")


# What the engineer sees when Azure Support refuses, throttles or fails the filing.


async def file_azure_problem(world: LiveWorld) -> tuple[Conversation, str]:
    chat = Conversation(BotHarness(backend=world.backend))
    await to_summary(chat, product=FILED["live"])
    return chat, await chat.press("Submit")


async def test_a_403_says_which_plan_and_role_are_missing(live_world: LiveWorld) -> None:
    live_world.azure_support.fail(403, "AuthorizationFailed", path_contains="/supportTickets/")
    chat, text = await file_azure_problem(live_world)
    assert text.startswith("Azure Support refused the ticket")
    assert "support plan" in text and "Support Request Contributor role" in text
    assert "Try again" in text and "Reference" not in text
    assert "Service request filed" in await chat.press("Try again"), "once fixed, the same request files"
    assert len(live_world.azure_support.tickets) == 1


async def test_a_429_says_when_to_try_again(live_world: LiveWorld) -> None:
    live_world.azure_support.fail(429, "TooManyRequests", path_contains="/supportTickets/", retry_after=120)
    _, text = await file_azure_problem(live_world)
    assert text.startswith("Too many requests")
    assert "Azure Support asked me to slow down" in text and "Try again in about 120 seconds." in text
    assert live_world.azure_support.tickets == {}


async def test_a_failing_azure_support_offers_try_again_with_the_same_ticket_name(
    live_world: LiveWorld,
) -> None:
    live_world.azure_support.fail(503, "ServiceUnavailable", times=9, path_contains="/supportTickets/")
    chat, text = await file_azure_problem(live_world)
    assert text.startswith("The request wasn't filed") and "Nothing was filed twice" in text
    assert live_world.azure_support.tickets == {}
    live_world.azure_support.faults.queue.clear()
    live_world.backend.http.breaker(live_world.azure_support.base_url.split("//", 1)[1]).succeeded()
    assert "Service request filed" in await chat.press("Try again")
    assert len(live_world.azure_support.tickets) == 1


CONTOSO_ID = "517a65b5-e99c-5660-9e76-c6c678d90247"


@pytest.mark.parametrize(
    ("listed_under", "refusal"),
    [
        (
            CONTOSO_ID,
            "Service request 2611240010000077 is Contoso Ltd's, not Northwind Traders's, so I didn't link it "
            "to {reference}. Check the number in Partner Center.",
        ),
        (
            "7a2b756e-781d-542f-b699-0e58506c6bb8",
            "Service request 2611240010000077 is Adventure Works Cycles's, not Northwind Traders's, so I "
            "didn't link it to {reference}. Check the number in Partner Center.",
        ),
        (
            "the partner's own",
            "Service request 2611240010000077 isn't one of Northwind Traders's, so I didn't link it to "
            "{reference}. Check the number in Partner Center.",
        ),
    ],
    ids=["Contoso's", "Adventure Works'", "no customer's"],
)
async def test_link_refuses_another_customers_request_naming_both_customers(
    live_world: LiveWorld, listed_under: str, refusal: str
) -> None:
    center = live_world.partner_center
    center.service_requests[NORTHWIND_ID] = [partner_center_request("2611240010000042", "open")]
    center.service_requests[listed_under] = [partner_center_request("2611240010000077", "open")]
    desk = desk_of(live_world)
    reference = (
        await desk.file_request(await draft(live_world, "32444672"), "key-6", "Ana")
    ).request.reference
    with pytest.raises(ServiceRequestOfAnotherCustomer) as raised:
        await desk.link_request(reference, "2611240010000077")
    assert raised.value.message == refusal.format(reference=reference)
    korean = error_wording(raised.value, Translator("ko"))[1]
    assert "Northwind Traders" in korean and reference in korean
    assert raised.value.owner_name in korean
    # Nothing was linked: the hand-off still waits for its number, and the right one links.
    assert (await desk.service_request(reference)).status is RequestStatus.AWAITING_NUMBER
    assert (await desk.link_request(reference, "2611240010000042")).number == "2611240010000042"
