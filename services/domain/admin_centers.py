"""Which admin center manages a Microsoft 365 service, and the delegated-admin link into a customer's.

A partner with GDAP (granular delegated admin privileges) signs in to a customer's admin center with
its own account; the link names the customer's directory so the portal opens there and not in the
partner's own tenant. Each format below cites where it is documented. Where Microsoft's documentation
didn't show one, the source is the CIPP project (KelvinTegelaar/CIPP), which partners use to reach
exactly these portals, and the comment says so.

The links are built here, in the domain layer, and handed to the card functions by the dialogs:
cards may import only `services.domain.models`, and a card that knew URL formats would be a second place to
change when Microsoft moves a portal. `AdminCenterLink` itself lives in `services.domain.models` so the cards
can name the type they render.

A link is built only for a customer with delegated access and only from an id of the right shape (a
tenant GUID, a DNS domain, an `*.onmicrosoft.com` label); a customer lacking what a format needs gets
no link, and so no button, rather than a link into the wrong directory. Under GDAP-scoped access
(BOT_ACCESS=gdap) a person is offered a center only when they hold a role it accepts for that customer
(`CENTER_NEEDS`, roles in services/domain/access.py): a button into a portal that refuses them is noise.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import quote

from services.domain.access import EVERYONE, Need, PersonAccess
from services.domain.models import AdminCenterLink, Customer


class AdminCenter(enum.Enum):
    """The portals a support engineer administers a customer's services in; the value is its name."""

    MICROSOFT_365 = "Microsoft 365 admin center"
    EXCHANGE = "Exchange admin center"
    TEAMS = "Teams admin center"
    SHAREPOINT = "SharePoint admin center"
    ENTRA = "Microsoft Entra admin center"
    INTUNE = "Microsoft Intune admin center"
    DEFENDER = "Microsoft Defender portal"
    AZURE_PORTAL = "Azure portal"


# Graph serviceHealth names (`service` in healthOverviews) and the portal where each is administered.
# OneDrive's settings (sharing, storage, sync) live in the SharePoint admin center.
SERVICE_ADMIN_CENTERS: dict[str, AdminCenter] = {
    "exchange online": AdminCenter.EXCHANGE,
    "microsoft teams": AdminCenter.TEAMS,
    "sharepoint online": AdminCenter.SHAREPOINT,
    "onedrive for business": AdminCenter.SHAREPOINT,
    "microsoft entra": AdminCenter.ENTRA,
    "microsoft intune": AdminCenter.INTUNE,
    "microsoft defender xdr": AdminCenter.DEFENDER,
    "microsoft 365 suite": AdminCenter.MICROSOFT_365,
    "microsoft 365 apps": AdminCenter.MICROSOFT_365,
}

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE)
# A tenant's initial domain, `<label>.onmicrosoft.com`; the label also names its SharePoint hosts.
_INITIAL_DOMAIN = re.compile(r"^([a-z0-9]{1,27})\.onmicrosoft\.com$", re.IGNORECASE)


def admin_center_for(service: str) -> AdminCenter:
    """Services we don't know (new ones appear in Graph) go to the Microsoft 365 admin center."""
    return SERVICE_ADMIN_CENTERS.get(service.strip().casefold(), AdminCenter.MICROSOFT_365)


def _tenant_id(customer: Customer) -> str | None:
    try:
        return str(uuid.UUID(customer.tenant_id.strip()))
    except ValueError:
        return None


def _domain(customer: Customer) -> str | None:
    domain = customer.domain.strip().lower()
    return domain if _DOMAIN.match(domain) else None


def _sharepoint_label(customer: Customer) -> str | None:
    found = _INITIAL_DOMAIN.match(customer.domain.strip())
    return found.group(1).lower() if found else None


def _part(value: str) -> str:
    """A value placed in a path segment or a query parameter, encoded whatever it holds."""
    return quote(value, safe="")


def _microsoft_365(customer: Customer) -> str | None:
    # The partner's hand-off into a customer's Microsoft 365 admin center. Microsoft documents
    # `Partner/BeginClientSession.aspx?CTID=<customer tenant id>&CSDEST=<destination>` as the
    # `adminService` link of a customer's managed services ("Get the managed services for a customer
    # by ID", MicrosoftDocs partner-center-sdk: develop/get-the-managed-services-for-a-customer-by-id.md,
    # https://learn.microsoft.com/partner-center/developer/get-the-managed-services-for-a-customer-by-id;
    # host portal.office.com there). `CSDEST=o365admincenter` on admin.microsoft.com, the admin
    # center's home, are from CIPP (KelvinTegelaar/CIPP-API:
    # Modules/CippExtensions/Public/Hudu/Invoke-HuduExtensionSync.ps1), not from Microsoft.
    tenant = _tenant_id(customer)
    if tenant is None:
        return None
    return f"https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={tenant}&CSDEST=o365admincenter"


def _exchange(customer: Customer) -> str | None:
    # `DelegatedOrg=<customer tenant domain name>` is how Exchange addresses a partner's customer
    # (Microsoft documents it for partners' remote PowerShell, `ps.outlook.com/powershell-liveid?
    # DelegatedOrg=...`); this admin-center URL with it is from CIPP (KelvinTegelaar/CIPP-API:
    # Modules/CippExtensions/Public/Hudu/Invoke-HuduExtensionSync.ps1), not from Microsoft.
    domain = _domain(customer)
    if domain is None:
        return None
    return (
        "https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar"
        f"&delegatedOrg={_part(domain)}"
    )


def _teams(customer: Customer) -> str | None:
    # Microsoft Graph returns this as a GDAP customer's Teams serviceManagementUrl: "List
    # serviceManagementDetails" (microsoftgraph/microsoft-graph-docs-contrib:
    # api-reference/v1.0/api/delegatedadmincustomer-list-servicemanagementdetails.md),
    # `https://admin.teams.microsoft.com/?delegatedOrg=contoso.onmicrosoft.com`.
    domain = _domain(customer)
    if domain is None:
        return None
    return f"https://admin.teams.microsoft.com/?delegatedOrg={_part(domain)}"


def _sharepoint(customer: Customer) -> str | None:
    # Every tenant's SharePoint admin center is `https://<label>-admin.sharepoint.com`, the label being
    # that of its initial `<label>.onmicrosoft.com` domain ("`https://contoso-admin.sharepoint.com` is the
    # Contoso SharePoint admin center URL", MicrosoftDocs/microsoft-365-docs; Partner Center's "Workloads
    # supported by GDAP", SharePoint section, connects a GDAP admin to `https://contoso-admin.sharepoint.com`).
    # The host itself names the customer, so no tenant parameter is needed. A tenant renamed since it
    # was created can have another label; Partner Center's domain is the initial one.
    label = _sharepoint_label(customer)
    if label is None:
        return None
    return f"https://{label}-admin.sharepoint.com"


def _entra(customer: Customer) -> str | None:
    # "Microsoft Entra admin center: `https://entra.microsoft.com/<tenant id>`", a direct link with
    # tenant context (MicrosoftDocs/entra-docs: docs/external-id/redemption-experience.md).
    tenant = _tenant_id(customer)
    return f"https://entra.microsoft.com/{_part(tenant)}" if tenant else None


def _intune(customer: Customer) -> str | None:
    # Same tenant-in-path convention as the Entra admin center (both are Azure portal shells). Not in
    # Microsoft's documentation that we could find; from CIPP (KelvinTegelaar/CIPP:
    # src/components/CippComponents/CippTenantSelector.jsx, "Intune Portal").
    tenant = _tenant_id(customer)
    return f"https://intune.microsoft.com/{_part(tenant)}" if tenant else None


def _defender(customer: Customer) -> str | None:
    # "each analyst should be able to access the customer's Microsoft Defender portal:
    # `https://security.microsoft.com/?tid=<CustomerTenantId>`" (MicrosoftDocs/defender-docs:
    # defender-xdr/mssp-access.md).
    tenant = _tenant_id(customer)
    return f"https://security.microsoft.com/?tid={_part(tenant)}" if tenant else None


def _azure_portal(customer: Customer) -> str | None:
    # "Azure portal: `https://portal.azure.com/<tenant id>`", a direct link with tenant context
    # (MicrosoftDocs/azure-docs: articles/active-directory/external-identities/redemption-experience.md).
    tenant = _tenant_id(customer)
    return f"https://portal.azure.com/{_part(tenant)}" if tenant else None


_FORMATS: dict[AdminCenter, Callable[[Customer], str | None]] = {
    AdminCenter.MICROSOFT_365: _microsoft_365,
    AdminCenter.EXCHANGE: _exchange,
    AdminCenter.TEAMS: _teams,
    AdminCenter.SHAREPOINT: _sharepoint,
    AdminCenter.ENTRA: _entra,
    AdminCenter.INTUNE: _intune,
    AdminCenter.DEFENDER: _defender,
    AdminCenter.AZURE_PORTAL: _azure_portal,
}


# What opening each center needs; the Azure portal's own access is Azure RBAC, so seeing the customer.
CENTER_NEEDS: dict[AdminCenter, Need] = {
    AdminCenter.MICROSOFT_365: Need.OPEN_MICROSOFT_365,
    AdminCenter.EXCHANGE: Need.OPEN_EXCHANGE,
    AdminCenter.TEAMS: Need.OPEN_TEAMS,
    AdminCenter.SHAREPOINT: Need.OPEN_SHAREPOINT,
    AdminCenter.ENTRA: Need.OPEN_ENTRA,
    AdminCenter.INTUNE: Need.OPEN_INTUNE,
    AdminCenter.DEFENDER: Need.OPEN_DEFENDER,
    AdminCenter.AZURE_PORTAL: Need.SEE,
}


def admin_center_url(customer: Customer, center: AdminCenter) -> str | None:
    """The link into this customer's `center`; None without delegated access or the id it needs."""
    if not customer.delegated_access:
        return None
    return _FORMATS[center](customer)


def admin_center_link(
    customer: Customer, service: str, access: PersonAccess = EVERYONE, now: datetime | None = None
) -> AdminCenterLink | None:
    """The admin center that manages `service`, opened in the customer's directory, when `access` holds a
    role it accepts there at `now` (no `now`: only unscoped access gets one)."""
    center = admin_center_for(service)
    need = CENTER_NEEDS[center]
    if not access.everything and (now is None or not access.may(customer.tenant_id, need, now)):
        return None
    url = admin_center_url(customer, center)
    return AdminCenterLink(center.value, url) if url else None


def admin_center_links(
    customer: Customer, services: Iterable[str], access: PersonAccess = EVERYONE, now: datetime | None = None
) -> dict[str, AdminCenterLink]:
    """Links by service name, for the services that have one (and that `access` may open)."""
    links = {name: admin_center_link(customer, name, access, now) for name in services}
    return {name: link for name, link in links.items() if link}
