"""`make doctor` against the doubles: everything works, then one permission is missing."""

from __future__ import annotations

from services.doctor import exit_code, render, run_doctor
from tests.doubles.live_world import LiveWorld

CONTOSO_TENANT = "aed00557-b713-5772-a4ff-9dabe7d2eb7b"


async def test_a_working_configuration_passes(live_world: LiveWorld) -> None:
    checks = await run_doctor(live_world.backend, sample=3)
    assert exit_code(checks) == 0
    table = render(checks)
    assert "Partner Center customers" in table and "24 customers" in table
    assert table.count("Graph service health") == 3
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
