"""`make doctor`: acquire each token and call each API once, for the partner and a sample of customers,
and say what works, what doesn't, and how to fix it. Exits 1 when something the configuration asks for
doesn't work (a check is required when the configuration uses what it checks; the rest only warn)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from services.backends.azure_support.events import LOOKBACK
from services.backends.graph.gdap import DirectoryUnavailable
from services.backends.live.backend import (
    LIST_CUSTOMERS,
    LiveBackend,
    domain_error,
    messages_error,
    reading_health,
)
from services.backends.live.config import CustomerAccess
from services.backends.live.upstream import UpstreamError
from services.backends.tokens import TokenError
from services.domain.models import Customer

_FIXES = {
    "credentials": "Check PARTNER_CLIENT_ID and the secret or certificate in the Entra app registration.",
    "sign-in": "Run 'make consent' as a partner admin (Admin agent) to renew the refresh token.",
    "no-consent": "Run 'make consent' once as a partner admin (Admin agent): GDAP access acts as one.",
    "tenant": "Check PARTNER_TENANT_ID: Microsoft knows no tenant with that id (AADSTS90002).",
    "unavailable": "Check AZURE_AUTHORITY_HOST and the network; try again.",
}


APPLICATION_FIX = (
    "Check PARTNER_CLIENT_ID: the partner tenant has no app with that id (AADSTS700016); copy the "
    "Application (client) ID from the app registration in Entra."
)


@dataclass(frozen=True)
class Check:
    subject: str
    what: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _consent_fix(access: CustomerAccess) -> str:
    if access is CustomerAccess.GDAP:
        return "Ask the customer to approve a GDAP relationship with the Service Support Administrator role."
    return "Have the customer's admin grant admin consent to the app (ServiceHealth.Read.All)."


def _fix(error: UpstreamError | TokenError, access: CustomerAccess, customer: Customer | None) -> str:
    if isinstance(error, TokenError):
        if error.reason == "consent" and customer:
            return _consent_fix(access)
        if error.unknown_application:
            return APPLICATION_FIX
        if error.reason == "consent":
            return "Grant admin consent to the app in the partner tenant."
        return _FIXES[error.reason]
    if error.status in (401, 403):
        if customer is None:
            return (
                "Add the app in Partner Center (Account settings, App management) with the Admin agent role."
            )
        if access is CustomerAccess.GDAP:
            return (
                "Ask the customer to approve the GDAP role Service Support Administrator (or Global Reader)."
            )
        return "Grant the ServiceHealth.Read.All application permission with admin consent in that tenant."
    if error.throttled:
        return "Throttled: try again later."
    return "The API didn't answer; check the URL setting and the network, then try again."


async def run_doctor(
    backend: LiveBackend, sample: int = 3, *, gdap: bool = False, person: str = ""
) -> list[Check]:
    """`gdap`: BOT_ACCESS=gdap, so reading GDAP is checked (and required); `person`: whose groups to read
    (an object id or UPN, e.g. the first of BOT_OPERATORS)."""
    config = backend.config
    access = config.customer_access
    checks: list[Check] = []
    partner = f"partner {config.partner_tenant_id}"
    customers: Sequence[Customer] = []
    try:
        customers = await backend.partner_center.list_customers()
        checks.append(Check(partner, "Partner Center customers", True, f"{len(customers)} customers"))
    except (UpstreamError, TokenError) as error:
        detail = domain_error(error, LIST_CUSTOMERS, None, access).message
        checks.append(Check(partner, "Partner Center customers", False, detail, _fix(error, access, None)))
    readable = [c for c in customers if c.delegated_access][:sample]
    for customer in readable:
        try:
            services = await backend.graph.health_overviews(customer.tenant_id)
            checks.append(Check(customer.name, "Graph service health", True, f"{len(services)} services"))
        except (UpstreamError, TokenError) as error:
            detail = domain_error(error, reading_health(customer), customer, access).message
            checks.append(
                Check(customer.name, "Graph service health", False, detail, _fix(error, access, customer))
            )
        checks.append(await _message_center_check(backend, customer))
    if readable:
        checks.append(await _service_requests_check(backend, readable[0]))
    checks += [
        await _azure_support_check(backend, customers, key, subscription)
        for key, subscription in config.azure_subscriptions.items()
    ]
    lists = config.azure_subscription_lists or {k: (v,) for k, v in config.azure_subscriptions.items()}
    checks += [
        await _azure_events_check(backend, customers, key, subscription)
        for key, subscriptions in lists.items()
        for subscription in subscriptions
    ]
    if gdap:
        checks += await _gdap_checks(backend, person)
    try:
        await backend.tokens.bearer(
            config.partner_tenant_id, config.endpoints.scope(config.endpoints.management)
        )
        checks.append(Check(partner, "Azure Resource Manager token", True, "token acquired", required=False))
    except TokenError as error:
        checks.append(
            Check(
                partner,
                "Azure Resource Manager token",
                False,
                f"{error.error} {error.codes}",
                "Azure Support tickets also need a support plan and the Support Request Contributor role.",
                required=False,
            )
        )
    return checks


MESSAGE_CENTER = "Graph message center (changes)"


async def _message_center_check(backend: LiveBackend, customer: Customer) -> Check:
    """The message center (`changes`) is read with its own permission: an install consented before it
    existed lacks it, so its absence warns (only `changes` is refused) rather than failing the doctor."""
    access = backend.config.customer_access
    try:
        messages = await backend.graph.messages(customer.tenant_id)
        return Check(customer.name, MESSAGE_CENTER, True, f"{len(messages)} messages", required=False)
    except (UpstreamError, TokenError) as error:
        detail = messages_error(error, customer, access).message
        fix = _fix(error, access, customer)
        if isinstance(error, UpstreamError) and error.status in (401, 403):
            fix = (
                "Ask the customer to approve a GDAP role that reads the message center (Message Center "
                "Reader, or Global Reader)."
                if access is CustomerAccess.GDAP
                else "Grant the ServiceMessage.Read.All application permission with admin consent in that "
                "tenant."
            )
        return Check(customer.name, MESSAGE_CENTER, False, detail, fix, required=False)


GDAP_RELATIONSHIPS = "GDAP relationships (BOT_ACCESS=gdap)"
GDAP_GROUPS = "a person's groups (BOT_ACCESS=gdap)"
RELATIONSHIPS_FIX = (
    "Grant the app the DelegatedAdminRelationship.Read.All application permission (Microsoft Graph) with "
    "admin consent in the partner tenant. If it has it, the partner tenant may lack the service principal "
    "of 'Partner Customer Delegated Administration' (appId 2832473f-ec63-45fb-976f-5d45a7d4bb91): create "
    "it, e.g. New-MgServicePrincipal -AppId 2832473f-ec63-45fb-976f-5d45a7d4bb91."
)
GROUPS_FIX = (
    "Grant the app the GroupMember.Read.All (or User.Read.All) application permission (Microsoft Graph) "
    "with admin consent in the partner tenant."
)


async def _gdap_checks(backend: LiveBackend, person: str) -> list[Check]:
    """Reading who may see what, as BOT_ACCESS=gdap does: the relationships and one relationship's access
    assignments (DelegatedAdminRelationship.Read.All), and a person's groups (GroupMember.Read.All)."""
    access = backend.config.customer_access
    partner = f"partner {backend.config.partner_tenant_id}"
    directory = backend.directory
    checks = []
    try:
        relationships = await directory.relationships()
        if relationships:
            await directory.assignments(relationships[0].relationship_id)
        detail = f"{len(relationships)} active relationships"
        checks.append(Check(partner, GDAP_RELATIONSHIPS, True, detail))
    except DirectoryUnavailable as error:
        denied = isinstance(error.cause, UpstreamError) and error.cause.status in (401, 403)
        fix = RELATIONSHIPS_FIX if denied else _fix(error.cause, access, None)
        checks.append(Check(partner, GDAP_RELATIONSHIPS, False, _refusal(error.cause), fix))
    if not person:
        fix = "Set BOT_OPERATORS: the doctor reads the first one's groups."
        checks.append(Check(partner, GDAP_GROUPS, False, "no person to read", fix, required=False))
        return checks
    try:
        groups = await directory.group_ids(person)
        checks.append(Check(person, GDAP_GROUPS, True, f"{len(groups)} groups"))
    except DirectoryUnavailable as error:
        denied = isinstance(error.cause, UpstreamError) and error.cause.status in (401, 403)
        fix = GROUPS_FIX if denied else _fix(error.cause, access, None)
        checks.append(Check(person, GDAP_GROUPS, False, _refusal(error.cause), fix))
    return checks


SERVICE_REQUESTS = "Partner Center service requests (App+User)"
AZURE_TICKETS = "Azure Support tickets"
AZURE_EVENTS = "Azure service health (events)"
APP_USER_FIX = (
    "Partner Center's service-request endpoints accept App+User tokens only: set CUSTOMER_ACCESS=gdap and "
    "TOKEN_CACHE_KEY, then run 'make consent' as a partner admin with the Admin agent role."
)
APP_USER_RENEW_FIX = (
    "Run 'make consent' again as a partner admin with the Admin agent role: the consented admin's App+User "
    "token is refused."
)


def _refusal(error: UpstreamError | TokenError) -> str:
    if isinstance(error, TokenError):
        return f"sign-in refused: {error.error}"
    return f"{error.api} answered {error.status or 'nothing'} {error.code}".rstrip()


async def _service_requests_check(backend: LiveBackend, customer: Customer) -> Check:
    """Listing a customer's service requests: the read `requests` and `note` need, App+User only. Only a
    GDAP deployment asks for App+User access, so only there is it required; app-only, it is a warning."""
    access = backend.config.customer_access
    required = access is CustomerAccess.GDAP
    try:
        requests = await backend.partner_center_requests.list_service_requests(customer.customer_id)
    except (UpstreamError, TokenError) as error:
        if isinstance(error, UpstreamError) and error.status in (401, 403):
            fix = APP_USER_FIX if access is CustomerAccess.APP_ONLY else APP_USER_RENEW_FIX
        else:
            fix = _fix(error, access, None)
        return Check(customer.name, SERVICE_REQUESTS, False, _refusal(error), fix, required)
    return Check(customer.name, SERVICE_REQUESTS, True, f"{len(requests)} requests", required=required)


def _azure_fix(error: UpstreamError | TokenError, subscription: str, on_behalf_of: bool) -> str:
    if isinstance(error, TokenError):
        if error.reason == "consent":
            return (
                "Have the customer's admin grant the app admin consent, or reach it on the partner's behalf."
            )
        return _FIXES[error.reason]
    if error.status in (401, 403):
        fix = (
            f"Assign the app the Support Request Contributor role on subscription {subscription}; filing "
            "tickets also needs a ProDirect, Premier or Unified support plan on it."
        )
        if not on_behalf_of:
            fix += " Reached as the customer's CSP (admin on behalf of)? Set AZURE_SUPPORT_ON_BEHALF_OF=on."
        return fix
    if error.status == 404:
        return f"Check AZURE_SUBSCRIPTIONS: subscription {subscription} isn't found in that tenant."
    return _fix(error, CustomerAccess.APP_ONLY, None)


async def _azure_support_check(
    backend: LiveBackend, customers: Sequence[Customer], key: str, subscription: str
) -> Check:
    """Listing tickets in a configured subscription: the role Azure Support tickets need (filing one also
    needs the support plan, which no read can prove without opening a ticket)."""
    customer = next(
        (c for c in customers if key.casefold() in (c.tenant_id.casefold(), c.customer_id.casefold())), None
    )
    subject = customer.name if customer else key
    tenant = customer.tenant_id if customer else key
    try:
        tickets = await backend.azure_support.list_tickets(tenant, subscription, top=1, max_pages=1)
    except (UpstreamError, TokenError) as error:
        fix = _azure_fix(error, subscription, backend.config.azure_on_behalf_of)
        return Check(subject, AZURE_TICKETS, False, _refusal(error), fix)
    return Check(subject, AZURE_TICKETS, True, f"subscription {subscription}: {len(tickets)} listed")


def _azure_events_fix(error: UpstreamError | TokenError, subscription: str, on_behalf_of: bool) -> str:
    if isinstance(error, UpstreamError) and error.status in (401, 403):
        fix = (
            f"Assign the app the Reader role on subscription {subscription}: enough to read its Azure "
            "service health events (Microsoft.ResourceHealth/events)."
        )
        if not on_behalf_of:
            fix += " Reached as the customer's CSP (admin on behalf of)? Set AZURE_SUPPORT_ON_BEHALF_OF=on."
        return fix
    return _azure_fix(error, subscription, on_behalf_of)


async def _azure_events_check(
    backend: LiveBackend, customers: Sequence[Customer], key: str, subscription: str
) -> Check:
    """One page of a configured subscription's Azure service health events, read as `health` reads them."""
    customer = next(
        (c for c in customers if key.casefold() in (c.tenant_id.casefold(), c.customer_id.casefold())), None
    )
    subject = customer.name if customer else key
    tenant = customer.tenant_id if customer else key
    since = datetime.now(UTC) - LOOKBACK
    try:
        events = await backend.azure_events.list_events(tenant, subscription, since, max_pages=1)
    except (UpstreamError, TokenError) as error:
        fix = _azure_events_fix(error, subscription, backend.config.azure_on_behalf_of)
        return Check(subject, AZURE_EVENTS, False, _refusal(error), fix)
    return Check(subject, AZURE_EVENTS, True, f"subscription {subscription}: {len(events)} listed")


def exit_code(checks: Sequence[Check]) -> int:
    return 1 if any(not c.ok and c.required for c in checks) else 0


def render(checks: Sequence[Check]) -> str:
    rows = [("", "WHO", "CHECK", "RESULT")]
    for check in checks:
        mark = "ok" if check.ok else ("FAIL" if check.required else "warn")
        rows.append((mark, check.subject, check.what, check.detail))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows]
    fixes = [f"- {c.subject} / {c.what}: {c.fix}" for c in checks if not c.ok and c.fix]
    if fixes:
        lines += ["", "To fix:", *fixes]
    return "\n".join(lines)
