"""`make doctor` against the doubles: everything works, then one permission is missing."""

from __future__ import annotations

from services.backends.doctor import AZURE_TICKETS, SERVICE_REQUESTS, exit_code, render, run_doctor
from services.backends.live.backend import LiveBackend
from tests.doubles.live_world import NORTHWIND_SUBSCRIPTION, LiveWorld
from tests.support.harness import DEMO_NOW

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


async def test_a_working_configuration_passes(live_world: LiveWorld) -> None:
    checks = await run_doctor(live_world.backend, sample=3)
    assert exit_code(checks) == 0
    table = render(checks)
    assert "Partner Center customers" in table and "24 customers" in table
    assert table.count("Graph service health") == 3
    assert f"ok  Contoso Ltd{' ' * 35}{SERVICE_REQUESTS}" in table
    assert f"{AZURE_TICKETS}{' ' * 23}subscription {NORTHWIND_SUBSCRIPTION}: 0 listed" in table
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


async def test_an_unknown_subscription_says_to_check_the_setting(live_world: LiveWorld) -> None:
    live_world.azure_support.fail(404, "SubscriptionNotFound", times=10, path_contains="/supportTickets")
    checks = await run_doctor(live_world.backend)
    (failed,) = [c for c in checks if not c.ok]
    assert failed.fix.startswith("Check AZURE_SUPPORT_SUBSCRIPTIONS: subscription 132d901f")


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
