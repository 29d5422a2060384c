"""Delegated-admin (GDAP) links: each format pinned with its source, and who gets none."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from services.domain.admin_centers import (
    SERVICE_ADMIN_CENTERS,
    AdminCenter,
    admin_center_for,
    admin_center_link,
    admin_center_links,
    admin_center_url,
)
from services.domain.models import AdminCenterLink, Customer

HEALTH_DATA = Path(__file__).resolve().parents[2] / "services" / "backends" / "demo" / "data" / "health"

CONTOSO = Customer(
    customer_id="517a65b5-e99c-5660-9e76-c6c678d90247",
    tenant_id="aed00557-b713-5772-a4ff-9dabe7d2eb7b",
    name="Contoso Ltd",
    domain="contoso.onmicrosoft.com",
    relationship="reseller",
    delegated_access=True,
)
TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"

# Each format with where it is documented; "CIPP" marks the ones Microsoft's docs didn't show us.
PINNED = {
    # Microsoft documents Partner/BeginClientSession.aspx?CTID=<customer tenant id>&CSDEST=...
    # (Partner Center SDK: develop/get-the-managed-services-for-a-customer-by-id.md); the host and
    # CSDEST=o365admincenter are from CIPP
    # (KelvinTegelaar/CIPP-API: Modules/CippExtensions/Public/Hudu/Invoke-HuduExtensionSync.ps1).
    AdminCenter.MICROSOFT_365: (
        f"https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={TENANT}&CSDEST=o365admincenter"
    ),
    # CIPP (KelvinTegelaar/CIPP-API: Modules/CippExtensions/Public/Hudu/Invoke-HuduExtensionSync.ps1).
    AdminCenter.EXCHANGE: (
        "https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar"
        "&delegatedOrg=contoso.onmicrosoft.com"
    ),
    # Teams' serviceManagementUrl in microsoftgraph/microsoft-graph-docs-contrib:
    # api-reference/v1.0/api/delegatedadmincustomer-list-servicemanagementdetails.md.
    AdminCenter.TEAMS: "https://admin.teams.microsoft.com/?delegatedOrg=contoso.onmicrosoft.com",
    # "https://contoso-admin.sharepoint.com is the Contoso SharePoint admin center URL" (MicrosoftDocs
    # microsoft-365-docs); Partner Center "Workloads supported by GDAP", SharePoint section.
    AdminCenter.SHAREPOINT: "https://contoso-admin.sharepoint.com",
    # MicrosoftDocs/entra-docs: docs/external-id/redemption-experience.md.
    AdminCenter.ENTRA: f"https://entra.microsoft.com/{TENANT}",
    # CIPP (KelvinTegelaar/CIPP: src/components/CippComponents/CippTenantSelector.jsx).
    AdminCenter.INTUNE: f"https://intune.microsoft.com/{TENANT}",
    # MicrosoftDocs/defender-docs: defender-xdr/mssp-access.md.
    AdminCenter.DEFENDER: f"https://security.microsoft.com/?tid={TENANT}",
    # MicrosoftDocs/azure-docs: articles/active-directory/external-identities/redemption-experience.md.
    AdminCenter.AZURE_PORTAL: f"https://portal.azure.com/{TENANT}",
}


def test_every_admin_center_has_a_pinned_format() -> None:
    assert set(PINNED) == set(AdminCenter)


@pytest.mark.parametrize("center", list(AdminCenter), ids=lambda c: c.name)
def test_link_format(center: AdminCenter) -> None:
    assert admin_center_url(CONTOSO, center) == PINNED[center]


def _demo_service_names() -> set[str]:
    names: set[str] = set()
    for path in HEALTH_DATA.glob("*.json"):
        for overview in json.loads(path.read_text(encoding="utf-8"))["value"]:
            names.add(overview["service"])
            names |= {issue["service"] for issue in overview.get("issues", [])}
    return names


EXPECTED_CENTERS = {
    "Exchange Online": AdminCenter.EXCHANGE,
    "Microsoft Teams": AdminCenter.TEAMS,
    "SharePoint Online": AdminCenter.SHAREPOINT,
    "OneDrive for Business": AdminCenter.SHAREPOINT,
    "Microsoft Entra": AdminCenter.ENTRA,
    "Microsoft Intune": AdminCenter.INTUNE,
    "Microsoft Defender XDR": AdminCenter.DEFENDER,
    "Microsoft 365 suite": AdminCenter.MICROSOFT_365,
    "Microsoft 365 apps": AdminCenter.MICROSOFT_365,
    "Power BI": AdminCenter.MICROSOFT_365,
}


def test_every_service_in_the_demo_data_has_an_expected_admin_center() -> None:
    assert _demo_service_names() == set(EXPECTED_CENTERS)


@pytest.mark.parametrize("service", sorted(EXPECTED_CENTERS))
def test_service_maps_to_its_admin_center(service: str) -> None:
    assert admin_center_for(service) is EXPECTED_CENTERS[service]


def test_only_power_bi_falls_back_among_the_demo_services() -> None:
    """Power BI has its own admin portal, but no documented delegated link to it that we found."""
    known = {s for s in EXPECTED_CENTERS if s.casefold() in SERVICE_ADMIN_CENTERS}
    assert set(EXPECTED_CENTERS) - known == {"Power BI"}


def test_unknown_services_fall_back_to_the_microsoft_365_admin_center() -> None:
    assert admin_center_for("Microsoft Viva") is AdminCenter.MICROSOFT_365
    assert admin_center_link(CONTOSO, "Microsoft Viva") == AdminCenterLink(
        "Microsoft 365 admin center", PINNED[AdminCenter.MICROSOFT_365]
    )


def test_service_names_match_regardless_of_case_and_spacing() -> None:
    assert admin_center_for("  exchange ONLINE ") is AdminCenter.EXCHANGE


def test_link_names_the_admin_center_a_button_will_show() -> None:
    assert admin_center_link(CONTOSO, "OneDrive for Business") == AdminCenterLink(
        "SharePoint admin center", "https://contoso-admin.sharepoint.com"
    )


def test_no_links_for_a_customer_without_delegated_access() -> None:
    advisor = replace(CONTOSO, delegated_access=False, relationship="advisor")
    assert all(admin_center_url(advisor, center) is None for center in AdminCenter)
    assert admin_center_links(advisor, EXPECTED_CENTERS) == {}


def test_no_tenant_links_without_a_tenant_guid() -> None:
    for tenant_id in ("", "t1", "../../evil", "aed00557-b713-5772-a4ff"):
        customer = replace(CONTOSO, tenant_id=tenant_id)
        for center in (
            AdminCenter.MICROSOFT_365,
            AdminCenter.ENTRA,
            AdminCenter.INTUNE,
            AdminCenter.DEFENDER,
        ):
            assert admin_center_url(customer, center) is None, (tenant_id, center)
        assert admin_center_url(customer, AdminCenter.TEAMS) == PINNED[AdminCenter.TEAMS]


def test_tenant_ids_are_written_in_canonical_form() -> None:
    shouting = replace(CONTOSO, tenant_id=" AED00557-B713-5772-A4FF-9DABE7D2EB7B ")
    assert admin_center_url(shouting, AdminCenter.ENTRA) == PINNED[AdminCenter.ENTRA]


def test_no_domain_links_without_a_domain() -> None:
    for domain in ("", "not a domain", "contoso.onmicrosoft.com/../x", "contoso.onmicrosoft.com&x=1"):
        customer = replace(CONTOSO, domain=domain)
        for center in (AdminCenter.EXCHANGE, AdminCenter.TEAMS, AdminCenter.SHAREPOINT):
            assert admin_center_url(customer, center) is None, (domain, center)
        assert admin_center_url(customer, AdminCenter.ENTRA) == PINNED[AdminCenter.ENTRA]


def test_sharepoint_needs_the_initial_onmicrosoft_domain() -> None:
    vanity = replace(CONTOSO, domain="contoso.com")
    assert admin_center_url(vanity, AdminCenter.SHAREPOINT) is None
    assert (
        admin_center_url(vanity, AdminCenter.TEAMS)
        == "https://admin.teams.microsoft.com/?delegatedOrg=contoso.com"
    )
    shouting = replace(CONTOSO, domain="Contoso.OnMicrosoft.com")
    assert admin_center_url(shouting, AdminCenter.SHAREPOINT) == "https://contoso-admin.sharepoint.com"


def test_domains_are_lowercased() -> None:
    # A domain is letters, digits, hyphens and dots, none of which need encoding in a query; a value
    # that would need it ("&x=1", "/../") is not a domain and gets no link at all (above).
    hyphenated = replace(CONTOSO, domain="Fourth-Coffee.onmicrosoft.com")
    assert admin_center_url(hyphenated, AdminCenter.TEAMS) == (
        "https://admin.teams.microsoft.com/?delegatedOrg=fourth-coffee.onmicrosoft.com"
    )


def test_links_by_service_leave_out_services_without_one() -> None:
    vanity = replace(CONTOSO, domain="contoso.com")
    links = admin_center_links(vanity, ["SharePoint Online", "Exchange Online", "Microsoft Entra"])
    assert sorted(links) == ["Exchange Online", "Microsoft Entra"]
