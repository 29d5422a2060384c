"""Which pasted links the bot can explain: the portal pages of an incident or a service request.

When someone pastes one of these into a Teams message, Teams asks the bot for a preview
(`composeExtension/queryLink`, for the hosts the manifest's `messageHandlers` list) and the bot answers with
its card for that incident or request. Each format below cites where it was seen; none of them is in
Microsoft's documentation as a format (the portals don't publish their routes), so each is marked with how
sure we are. A link that matches none of them, or whose id is not of the right shape, is not ours to
explain: no preview, rather than a guess.

Links are plain text that anyone can paste, so nothing here trusts them: the scheme must be https, the host
one of ours exactly, the id of its documented shape, and the whole link bounded in length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from services.domain.models import INCIDENT_ID_PATTERN

# A link longer than this is not a portal link (browsers' own practical limit is about 2,000).
MAX_LINK_LENGTH = 2048

# Microsoft 365 admin center, Health > Service health > one issue:
#   https://admin.microsoft.com/Adminportal/Home#/servicehealth/:/alerts/EX1234567
#   https://admin.microsoft.com/#/servicehealth/:/alerts/EX1234567
#   https://admin.cloud.microsoft/?#/servicehealth/:/alerts/EX1234567 (the admin center's newer host)
# UNVERIFIED by Microsoft's documentation: the route is what the admin center shows in the address bar,
# and what public tools that link to issues build (a Python service-health check builds
# `https://admin.microsoft.com/Adminportal/Home#/servicehealth/:/alerts/` + issue id; PowerShell
# service-health reports link `https://admin.cloud.microsoft/?#/servicehealth/:/alerts/` + issue id).
# The id is Graph's serviceHealthIssue id (`services.domain.models.INCIDENT_ID_PATTERN`).
ADMIN_CENTER_HOSTS = ("admin.microsoft.com", "admin.cloud.microsoft")
_ADMIN_ISSUE = re.compile(r"^/servicehealth/:/alerts/([A-Za-z0-9]+)/?$")

# Partner Center, Support > Partner support requests > one request:
#   https://partner.microsoft.com/dashboard/v2/support/servicerequests/activity?tid=2501160040016582
# UNVERIFIED by Microsoft's documentation: seen in a partner's public write-up of a ticket they opened
# (Mark Ziesemer's Partner Center executive-reports README links its ticket this way). Partner Center's own
# "create" route, `dashboard/v2/support/servicerequests/create`, is documented (services/backends/
# partner_center/handoff.py). A language segment (`/en-us/dashboard/...`) is accepted: Partner Center
# adds one. `tid` is the SR number (digits, the `request` command's).
PARTNER_CENTER_HOST = "partner.microsoft.com"
_PARTNER_REQUEST = re.compile(
    r"^(?:/[a-z]{2}-[a-z]{2})?/dashboard(?:/v2)?/support/servicerequests/activity/?$"
)

# Azure portal, Help + support > All support requests > one request:
#   https://portal.azure.com/#view/Microsoft_Azure_Support/SupportRequestDetails.ReactView/id/
#       %2Fsubscriptions%2F<subscription>%2Fproviders%2FMicrosoft.Support%2FsupportTickets%2F<name>
#       /portalJourney~/true
# UNVERIFIED by Microsoft's documentation: the portal's route for a ticket, keyed by the ticket's ARM id
# (`/subscriptions/{id}/providers/Microsoft.Support/supportTickets/{supportTicketName}`, which *is*
# documented: learn.microsoft.com/rest/api/support/support-tickets/get); seen in public tools that link
# tickets, e.g. an Azure support Slack bot's `portal_url_for_ticket`, which notes the older `#blade/...`
# route no longer loads. A tenant in the path (`portal.azure.com/<tenant>/#view/...`) is accepted too.
AZURE_PORTAL_HOST = "portal.azure.com"
_AZURE_TICKET = re.compile(
    r"^/subscriptions/([0-9a-fA-F-]{36})/providers/Microsoft\.Support/supportTickets/([A-Za-z0-9_.-]{1,128})$"
)
_AZURE_VIEW = re.compile(r"^/?view/Microsoft_Azure_Support/SupportRequestDetails(?:\.ReactView)?/id/([^/]+)")

# The hosts the manifest registers for link previews (Teams matches the link's host against them).
PREVIEW_HOSTS = (*ADMIN_CENTER_HOSTS, PARTNER_CENTER_HOST, AZURE_PORTAL_HOST)

_SR_NUMBER = re.compile(r"^\d{10,20}$")


@dataclass(frozen=True)
class IncidentLink:
    """A service health issue in the Microsoft 365 admin center."""

    incident_id: str


@dataclass(frozen=True)
class RequestLink:
    """A Partner Center service request, by its SR number."""

    number: str


@dataclass(frozen=True)
class AzureTicketLink:
    """An Azure support ticket, by its name (the bot files tickets under its idempotency key as name)."""

    subscription_id: str
    ticket_name: str


SharedLink = IncidentLink | RequestLink | AzureTicketLink


def _admin_center(fragment: str) -> SharedLink | None:
    found = _ADMIN_ISSUE.match(fragment)
    if found is None:
        return None
    incident_id = found.group(1).upper()
    return IncidentLink(incident_id) if re.fullmatch(INCIDENT_ID_PATTERN, incident_id) else None


def _partner_center(path: str, query: str) -> SharedLink | None:
    if _PARTNER_REQUEST.match(path.lower()) is None:
        return None
    numbers = parse_qs(query).get("tid", [])
    if len(numbers) != 1 or _SR_NUMBER.match(numbers[0]) is None:
        return None
    return RequestLink(numbers[0])


def _azure_portal(fragment: str) -> SharedLink | None:
    found = _AZURE_VIEW.match(fragment)
    if found is None:
        return None
    ticket = _AZURE_TICKET.match(unquote(found.group(1)))
    return AzureTicketLink(ticket.group(1).lower(), ticket.group(2)) if ticket else None


def shared_link(url: str) -> SharedLink | None:
    """What a pasted link points at, when it is one of the portal pages above; else None."""
    if not isinstance(url, str) or len(url) > MAX_LINK_LENGTH or not url.isprintable():
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or port not in (None, 443) or parts.username or parts.password:
        return None
    # The fragment is the single-page portals' route; a leading '?' (`/?#/...`) is the admin center's.
    fragment = parts.fragment
    if host in ADMIN_CENTER_HOSTS and parts.path.lower().rstrip("/") in ("", "/adminportal/home"):
        return _admin_center(fragment)
    if host == PARTNER_CENTER_HOST:
        return _partner_center(parts.path, parts.query)
    if host == AZURE_PORTAL_HOST:
        return _azure_portal(fragment)
    return None
