"""Which pasted links the bot previews: each accepted format, and the class of links it must not read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.domain.shared_links import (
    MAX_LINK_LENGTH,
    PREVIEW_HOSTS,
    AzureTicketLink,
    IncidentLink,
    RequestLink,
    SharedLink,
    shared_link,
)

SUBSCRIPTION = "049dec61-3ee7-4af6-af09-29e7047fb0b9"
ARM = f"%2Fsubscriptions%2F{SUBSCRIPTION}%2Fproviders%2FMicrosoft.Support%2FsupportTickets%2F"
AZURE = "https://portal.azure.com/#view/Microsoft_Azure_Support/SupportRequestDetails.ReactView/id/"

ACCEPTED: list[tuple[str, SharedLink]] = [
    (
        "https://admin.microsoft.com/Adminportal/Home#/servicehealth/:/alerts/EX1100014",
        IncidentLink("EX1100014"),
    ),
    ("https://admin.microsoft.com/#/servicehealth/:/alerts/ex1100014", IncidentLink("EX1100014")),
    (
        "https://admin.microsoft.com/AdminPortal/Home#/servicehealth/:/alerts/MO226784/",
        IncidentLink("MO226784"),
    ),
    ("https://admin.cloud.microsoft/?#/servicehealth/:/alerts/SP676147", IncidentLink("SP676147")),
    ("HTTPS://ADMIN.MICROSOFT.COM/#/servicehealth/:/alerts/EX1100014", IncidentLink("EX1100014")),
    (
        "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=2501160040016582",
        RequestLink("2501160040016582"),
    ),
    (
        "https://partner.microsoft.com/en-us/dashboard/v2/support/servicerequests/activity?tid=2611240010000001",
        RequestLink("2611240010000001"),
    ),
    (
        f"{AZURE}{ARM}31af6335-161a8f0b/portalJourney~/true",
        AzureTicketLink(SUBSCRIPTION, "31af6335-161a8f0b"),
    ),
    (
        f"https://portal.azure.com/286d4538-4b9a-577f-acfd-7277c77c00bc/#view/Microsoft_Azure_Support/"
        f"SupportRequestDetails.ReactView/id/{ARM}2611240010000001",
        AzureTicketLink(SUBSCRIPTION, "2611240010000001"),
    ),
]

REFUSED = [
    # Not https, another host, a look-alike host, credentials, another port.
    "http://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014",
    "https://admin.microsoft.com.evil.example/#/servicehealth/:/alerts/EX1100014",
    "https://evil.example/#/servicehealth/:/alerts/EX1100014",
    "https://user:pw@admin.microsoft.com/#/servicehealth/:/alerts/EX1100014",
    "https://admin.microsoft.com:8443/#/servicehealth/:/alerts/EX1100014",
    "https://evil-admin.microsoft.com/#/servicehealth/:/alerts/EX1100014",
    "https://evilpartner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=2501160040016582",
    "https://partner.microsoft.com.evil.example/dashboard/v2/support/servicerequests/activity?tid=2501160040016582",
    f"https://notportal.azure.com/#view/Microsoft_Azure_Support/SupportRequestDetails.ReactView/id/{ARM}x",
    # Other admin-center pages, and ids of the wrong shape.
    "https://admin.microsoft.com/#/servicehealth",
    "https://admin.microsoft.com/#/MessageCenter/:/messages/MC123456",
    "https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014/../../users",
    "https://admin.microsoft.com/#/servicehealth/:/alerts/" + "E" * 40,
    "https://admin.microsoft.com/other/#/servicehealth/:/alerts/EX1100014",
    # Partner Center: another page, no/two/odd numbers.
    "https://partner.microsoft.com/dashboard/v2/support/servicerequests/create?tid=2501160040016582",
    "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity",
    "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=12345",
    "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=1111111111&tid=2222222222",
    "https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=25011600400165%0A82",
    # Azure: another blade, an ARM id of something else, a path escape in the name.
    "https://portal.azure.com/#view/Microsoft_Azure_Support/HelpAndSupportBlade",
    f"{AZURE}%2Fsubscriptions%2F{SUBSCRIPTION}%2FresourceGroups%2Frg",
    f"{AZURE}{ARM}..%2F..%2Fx%2Fy",
    # Not links at all: pasted paragraphs, format characters, templates, huge strings.
    "EX1100014 is down again, see the admin center",
    "https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014\u202e",
    "https://admin.microsoft.com/#/servicehealth/:/alerts/EX11\u200b00014",
    "https://admin.microsoft.com/#/servicehealth/:/alerts/{{DATE(2026-01-01T00:00:00Z)}}",
    "https://admin.microsoft.com/#/servicehealth/:/alerts/EX1100014?" + "a" * MAX_LINK_LENGTH,
    "https://[::1/#/servicehealth/:/alerts/EX1100014",
    "",
]


@pytest.mark.parametrize(("url", "expected"), ACCEPTED)
def test_each_portal_format_is_read(url: str, expected: SharedLink) -> None:
    assert shared_link(url) == expected


@pytest.mark.parametrize("url", REFUSED)
def test_anything_else_is_not_ours_to_preview(url: str) -> None:
    assert shared_link(url) is None


def test_every_host_the_manifest_lists_has_a_format_the_bot_reads() -> None:
    """A host in `messageHandlers` that no format reads would have Teams ask about links we never answer."""
    read = {url.split("/")[2].lower() for url, _ in ACCEPTED}
    assert read == set(PREVIEW_HOSTS)


@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_without_an_error(text: str) -> None:
    shared_link(text)
    shared_link(f"https://admin.microsoft.com/#/servicehealth/:/alerts/{text}")
    shared_link(f"{AZURE}{text}")
