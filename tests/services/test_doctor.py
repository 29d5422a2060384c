"""`make doctor` against the doubles: everything works, then one permission is missing."""

from __future__ import annotations

import pytest

from services.backends.doctor import (
    AZURE_EVENTS,
    AZURE_TICKETS,
    GDAP_GROUPS,
    GDAP_RELATIONSHIPS,
    GROUPS_FIX,
    MESSAGE_CENTER,
    RELATIONSHIPS_FIX,
    SERVICE_REQUESTS,
    exit_code,
    render,
    run_doctor,
)
from services.backends.live.backend import LiveBackend
from tests.doubles.entra import SERVICE_HEALTH_ROLE
from tests.doubles.live_world import NORTHWIND_SUBSCRIPTION, LiveWorld
from tests.support.harness import DEMO_NOW

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


async def test_a_working_configuration_passes(live_world: LiveWorld) -> None:
    checks = await run_doctor(live_world.backend, sample=3)
    assert exit_code(checks) == 0
    table = render(checks)
    assert "Partner Center customers" in table and "24 customers" in table
    assert table.count("Graph service health") == 3
    assert table.count(MESSAGE_CENTER) == 3
    assert f"ok  Contoso Ltd{' ' * 35}{SERVICE_REQUESTS}" in table
    assert f"{AZURE_TICKETS}{' ' * 23}subscription {NORTHWIND_SUBSCRIPTION}: 0 listed" in table
    # Every subscription of every customer's Azure service health, Contoso's two included.
    assert table.count(AZURE_EVENTS) == 5 and f"subscription {NORTHWIND_SUBSCRIPTION}: 1 listed" in table
    assert "To fix:" not in table


async def test_one_missing_permission_fails_and_names_the_fix(live_world: LiveWorld) -> None:
    live_world.entra.app_roles[CONTOSO_TENANT] = []
    checks = await run_doctor(live_world.backend, sample=3)
    assert exit_code(checks) == 1
    (failed,) = [c for c in checks if not c.ok and c.required]
    assert failed.subject == "Contoso Ltd" and failed.what == "Graph service health"
    table = render(checks)
    assert "FAIL  Contoso Ltd" in table
    assert (
        "- Contoso Ltd / Graph service health: Grant the ServiceHealth.Read.All application permission "
        "with admin consent in that tenant."
    ) in table


async def test_a_missing_message_center_permission_warns_and_names_it(live_world: LiveWorld) -> None:
    live_world.entra.app_roles[CONTOSO_TENANT] = [SERVICE_HEALTH_ROLE]
    checks = await run_doctor(live_world.backend, sample=3)
    assert exit_code(checks) == 0, "only 'changes' is refused: the rest of the bot works"
    (warned,) = [c for c in checks if not c.ok]
    assert (warned.subject, warned.what, warned.required) == ("Contoso Ltd", MESSAGE_CENTER, False)
    assert (
        f"- Contoso Ltd / {MESSAGE_CENTER}: Grant the ServiceMessage.Read.All application permission with "
        "admin consent in that tenant."
    ) in render(checks)


async def test_a_refused_partner_center_call_fails(live_world: LiveWorld) -> None:
    live_world.partner_center.fail(403, times=10)
    checks = await run_doctor(live_world.backend)
    assert exit_code(checks) == 1
    assert "App management" in render(checks)


async def test_a_missing_azure_support_role_fails_and_names_role_plan_and_subscription(
    live_world: LiveWorld,
) -> None:
    live_world.azure_support.fail(403, "AuthorizationFailed", times=10, path_contains="/supportTickets")
    checks = await run_doctor(live_world.backend)
    assert exit_code(checks) == 1
    (failed,) = [c for c in checks if not c.ok]
    assert (failed.subject, failed.what) == ("Northwind Traders", AZURE_TICKETS)
    assert failed.detail == "Azure Support answered 403 AuthorizationFailed"
    table = render(checks)
    assert (
        f"- Northwind Traders / {AZURE_TICKETS}: Assign the app the Support Request Contributor role on "
        f"subscription {NORTHWIND_SUBSCRIPTION}; filing tickets also needs a ProDirect, Premier or Unified "
        "support plan on it. Reached as the customer's CSP (admin on behalf of)? Set "
        "AZURE_SUPPORT_ON_BEHALF_OF=on."
    ) in table
    assert live_world.azure_support.faults.queue[0].times == 10 - 1, "one read, not a page-through"


async def test_a_subscription_whose_events_cant_be_read_fails_and_names_the_reader_role(
    live_world: LiveWorld,
) -> None:
    live_world.azure_support.fail(
        403,
        "AuthorizationFailed",
        times=10,
        path_contains=f"{NORTHWIND_SUBSCRIPTION}/providers/Microsoft.ResourceHealth",
    )
    checks = await run_doctor(live_world.backend)
    assert exit_code(checks) == 1
    (failed,) = [c for c in checks if not c.ok]
    assert (failed.subject, failed.what, failed.required) == ("Northwind Traders", AZURE_EVENTS, True)
    assert failed.detail == "Azure Resource Health answered 403 AuthorizationFailed"
    assert (
        f"- Northwind Traders / {AZURE_EVENTS}: Assign the app the Reader role on subscription "
        f"{NORTHWIND_SUBSCRIPTION}: enough to read its Azure service health events "
        "(Microsoft.ResourceHealth/events). Reached as the customer's CSP (admin on behalf of)? Set "
        "AZURE_SUPPORT_ON_BEHALF_OF=on."
    ) in render(checks)


async def test_an_unknown_subscription_says_to_check_the_setting(live_world: LiveWorld) -> None:
    live_world.azure_support.fail(404, "SubscriptionNotFound", times=10, path_contains="/supportTickets")
    checks = await run_doctor(live_world.backend)
    (failed,) = [c for c in checks if not c.ok]
    assert failed.fix.startswith("Check AZURE_SUBSCRIPTIONS: subscription 132d901f")


async def test_without_app_user_access_service_requests_warn_and_the_fix_says_how_to_get_it(
    live_world: LiveWorld,
) -> None:
    """App-only tokens (no `make consent`): Partner Center refuses its service-request endpoints, which an
    app-only deployment doesn't ask for, so the doctor warns and still passes."""
    backend = LiveBackend(live_world.config, clock=lambda: DEMO_NOW)
    try:
        checks = await run_doctor(backend)
    finally:
        await backend.close()
    assert exit_code(checks) == 0
    (failed,) = [c for c in checks if not c.ok]
    assert not failed.required and f"warn  Contoso Ltd{' ' * 35}{SERVICE_REQUESTS}" in render(checks)
    assert (failed.subject, failed.what) == ("Contoso Ltd", SERVICE_REQUESTS)
    assert failed.detail.startswith("Partner Center answered 403")
    assert (
        f"- Contoso Ltd / {SERVICE_REQUESTS}: Partner Center's service-request endpoints accept App+User "
        "tokens only: set CUSTOMER_ACCESS=gdap and TOKEN_CACHE_KEY, then run 'make consent' as a partner "
        "admin with the Admin agent role."
    ) in render(checks)


ANA = "a1b2c3d4-0000-4000-8000-000000000001"


async def test_reading_gdap_is_checked_for_the_partner_and_a_person(live_world: LiveWorld) -> None:
    checks = await run_doctor(live_world.backend, gdap=True, person=ANA)
    assert exit_code(checks) == 0
    by_check = {c.what: c for c in checks}
    assert (
        by_check[GDAP_RELATIONSHIPS].ok and by_check[GDAP_RELATIONSHIPS].detail == "21 active relationships"
    )
    assert by_check[GDAP_GROUPS].ok and by_check[GDAP_GROUPS].detail == "1 groups"
    assert live_world.graph.directory_calls["assignments"] == 1


@pytest.mark.parametrize(
    ("permission", "check", "fix"),
    [
        ("DelegatedAdminRelationship.Read.All", GDAP_RELATIONSHIPS, RELATIONSHIPS_FIX),
        ("GroupMember.Read.All", GDAP_GROUPS, GROUPS_FIX),
    ],
)
async def test_a_missing_graph_permission_for_gdap_fails_and_names_it(
    live_world: LiveWorld, permission: str, check: str, fix: str
) -> None:
    roles = live_world.entra.app_roles[live_world.partner_tenant_id]
    roles.remove(permission)
    checks = await run_doctor(live_world.backend, gdap=True, person=ANA)
    (failed,) = [c for c in checks if not c.ok]
    assert (failed.what, failed.detail, failed.fix) == (
        check,
        "Microsoft Graph answered 403 Authorization_RequestDenied",
        fix,
    )
    assert permission in fix and exit_code(checks) == 1
    assert f"- {failed.subject} / {check}: {fix}" in render(checks)
    # With BOT_ACCESS=everyone GDAP isn't read, so it isn't checked.
    assert check not in {c.what for c in await run_doctor(live_world.backend, person=ANA)}


async def test_without_a_person_the_groups_check_only_warns(live_world: LiveWorld) -> None:
    checks = await run_doctor(live_world.backend, gdap=True)
    (warned,) = [c for c in checks if not c.ok]
    assert warned.what == GDAP_GROUPS and not warned.required and "BOT_OPERATORS" in warned.fix
    assert exit_code(checks) == 0
