"""Which roles open which admin center (services/domain/access.py, services/domain/admin_centers.py): the
template ids pinned to Microsoft Entra's built-in roles reference, and a button only for a role the
center accepts, at the time asked."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from services.domain import access
from services.domain.access import EVERYONE, PersonAccess
from services.domain.admin_centers import CENTER_NEEDS, AdminCenter, admin_center_link
from tests.doubles.people import UNTIL, person
from tests.support.harness import DEMO_NOW, demo_backend

# learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference, role template ids.
TEMPLATE_IDS = {
    "SERVICE_SUPPORT_ADMINISTRATOR": "f023fd81-a637-4b56-95fd-791ac0226033",
    "GLOBAL_READER": "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "HELPDESK_ADMINISTRATOR": "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "GLOBAL_ADMINISTRATOR": "62e90394-69f5-4237-9190-012177145e10",
    "EXCHANGE_ADMINISTRATOR": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "EXCHANGE_RECIPIENT_ADMINISTRATOR": "31392ffb-586c-42d1-9346-e59415a2cc4e",
    "TEAMS_ADMINISTRATOR": "69091246-20e8-4a56-aa4d-066075b2a7a8",
    "TEAMS_COMMUNICATIONS_SUPPORT_ENGINEER": "f70938a0-fc10-4177-9e90-2178f8765737",
    "SHAREPOINT_ADMINISTRATOR": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "INTUNE_ADMINISTRATOR": "3a2c62db-5318-420d-8d74-23affee5d9d5",
    "SECURITY_ADMINISTRATOR": "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "SECURITY_OPERATOR": "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",
    "SECURITY_READER": "5d6b6bb7-de71-4623-b4af-96380a352509",
    "USER_ADMINISTRATOR": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "DIRECTORY_READERS": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
}
CONTOSO = next(c for c in asyncio.run(demo_backend().list_customers()) if c.name == "Contoso Ltd")


def test_every_role_is_pinned_to_its_template_id() -> None:
    roles = {name: value for name, value in vars(access).items() if isinstance(value, access.Role)}
    assert {name: role.template_id for name, role in roles.items()} == TEMPLATE_IDS


# (service on a troubled row, the role held, whether its admin center's button is offered)
CASES = [
    ("Exchange Online", access.EXCHANGE_RECIPIENT_ADMINISTRATOR, True),
    ("Exchange Online", access.TEAMS_ADMINISTRATOR, False),
    ("Microsoft Teams", access.TEAMS_COMMUNICATIONS_SUPPORT_ENGINEER, True),
    ("Microsoft Teams", access.SERVICE_SUPPORT_ADMINISTRATOR, False),
    ("SharePoint Online", access.SHAREPOINT_ADMINISTRATOR, True),
    ("OneDrive for Business", access.SHAREPOINT_ADMINISTRATOR, True),
    ("SharePoint Online", access.EXCHANGE_ADMINISTRATOR, False),
    ("Microsoft Entra", access.DIRECTORY_READERS, True),
    ("Microsoft Entra", access.INTUNE_ADMINISTRATOR, False),
    ("Microsoft Intune", access.INTUNE_ADMINISTRATOR, True),
    ("Microsoft Defender XDR", access.SECURITY_READER, True),
    ("Microsoft Defender XDR", access.HELPDESK_ADMINISTRATOR, False),
    ("Microsoft 365 suite", access.SERVICE_SUPPORT_ADMINISTRATOR, True),
    ("Microsoft 365 suite", access.EXCHANGE_ADMINISTRATOR, False),
    *((service, access.GLOBAL_READER, True) for service in ("Exchange Online", "Microsoft Intune")),
]


@pytest.mark.parametrize(("service", "role", "offered"), CASES)
def test_a_center_is_offered_only_with_a_role_it_accepts(
    service: str, role: access.Role, offered: bool
) -> None:
    held = person("erin", {CONTOSO.tenant_id: [role]})
    assert (admin_center_link(CONTOSO, service, held, DEMO_NOW) is not None) == offered
    assert admin_center_link(CONTOSO, service, person("erin", {"another-tenant": [role]}), DEMO_NOW) is None
    assert admin_center_link(CONTOSO, service, EVERYONE) is not None


def test_every_center_has_a_need_and_a_grant_ending_stops_its_button() -> None:
    assert set(CENTER_NEEDS) == set(AdminCenter)
    held = person("erin", {CONTOSO.tenant_id: [access.GLOBAL_READER]})
    assert admin_center_link(CONTOSO, "Exchange Online", held, UNTIL - timedelta(seconds=1)) is not None
    assert admin_center_link(CONTOSO, "Exchange Online", held, UNTIL) is None
    assert admin_center_link(CONTOSO, "Exchange Online", held) is None, "scoped, and no time given"
    assert admin_center_link(CONTOSO, "Exchange Online", PersonAccess("dev"), DEMO_NOW) is None
