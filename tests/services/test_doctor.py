"""`make doctor` against the doubles: everything works, then one permission is missing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from app import consent_main, doctor_main
from services.doctor import AZURE_TICKETS, SERVICE_REQUESTS, exit_code, render, run_doctor
from services.live.backend import LiveBackend
from tests.doubles.live_world import CLIENT_ID, CLIENT_SECRET, NORTHWIND_SUBSCRIPTION, LiveWorld
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


def _doctor_environment(world: LiveWorld, tmp_path: Path, access: str) -> dict[str, str]:
    """What whoever runs the bot sets for `make doctor`, pointed at the doubles."""
    endpoints = world.config.endpoints
    environment = {
        "BOT_BACKEND": "live",
        "CUSTOMER_ACCESS": access,
        "PARTNER_TENANT_ID": world.partner_tenant_id,
        "PARTNER_CLIENT_ID": CLIENT_ID,
        "PARTNER_CLIENT_SECRET": CLIENT_SECRET,
        "AZURE_AUTHORITY_HOST": endpoints.authority_host,
        "PARTNER_CENTER_URL": endpoints.partner_center,
        "GRAPH_URL": endpoints.graph,
        "AZURE_MANAGEMENT_URL": endpoints.management,
        "REQUESTS_CA_BUNDLE": str(world.config.ca_bundle),
        "BOT_DATA_DIR": str(tmp_path),
    }
    if access == "gdap":
        environment["TOKEN_CACHE_KEY"] = Fernet.generate_key().decode("ascii")
    return environment


@pytest.mark.parametrize(
    ("access", "break_it", "exit_status", "failed"),
    [
        ("app-only", None, 0, []),  # App+User is refused, but app-only doesn't ask for it: a warning
        ("app-only", "graph", 1, ["Contoso Ltd / Graph service health"]),
        ("gdap", None, 0, []),
        ("gdap", "service requests", 1, [f"Contoso Ltd / {SERVICE_REQUESTS}"]),
        ("gdap", "graph", 1, ["Contoso Ltd / Graph service health"]),
    ],
)
async def test_make_doctor_requires_what_the_configuration_uses_and_exits_1_when_that_fails(
    live_world: LiveWorld,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    access: str,
    break_it: str | None,
    exit_status: int,
    failed: list[str],
) -> None:
    """The doctor's own entry point, as `make doctor` runs it, with the exit status the README documents."""
    environment = _doctor_environment(live_world, tmp_path, access)
    if access == "gdap":
        assert await asyncio.to_thread(consent_main, environment) == 0
    if break_it == "graph":
        live_world.entra.app_roles[CONTOSO_TENANT] = []
        live_world.graph.gdap_denied.add(CONTOSO_TENANT)
    if break_it == "service requests":
        live_world.partner_center.fail(403, times=10, path_contains="/servicerequests")
    capsys.readouterr()
    assert await asyncio.to_thread(doctor_main, environment) == exit_status
    lines = capsys.readouterr().out.splitlines()
    fixes = [line.removeprefix("- ").split(": ")[0] for line in lines if line.startswith("- ")]
    assert sum(line.startswith("FAIL") for line in lines) == len(failed)
    assert set(failed) <= set(fixes)
    warned = [line for line in lines if line.startswith("warn")]
    if access == "app-only":
        assert any(SERVICE_REQUESTS in line for line in warned)
        assert f"Contoso Ltd / {SERVICE_REQUESTS}" in fixes


def test_a_configuration_the_doctor_cant_read_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        doctor_main({"BOT_BACKEND": "live", "CUSTOMER_ACCESS": "sometimes"})
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith("Configuration error: CUSTOMER_ACCESS must be one of")
