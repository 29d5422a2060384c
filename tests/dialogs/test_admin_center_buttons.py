"""The health and incident dialogs hand each card the customer's delegated-admin links."""

from __future__ import annotations

from tests.support.harness import BotHarness
from tests.support.visible import button, visible_text


async def test_health_offers_the_admin_center_of_each_troubled_service() -> None:
    reply = await BotHarness().one("health woodgrove")
    opened = button(reply, "Open Exchange admin center for Woodgrove Bank")
    assert opened.action == {
        "type": "Action.OpenUrl",
        "title": "Open Exchange admin center for Woodgrove Bank",
        "url": "https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar"
        "&delegatedOrg=woodgrovebank.onmicrosoft.com",
    }
    assert button(reply, "Exchange Online incidents")


async def test_an_incident_offers_the_admin_center_of_its_service() -> None:
    reply = await BotHarness().one("incident EX1100014 contoso")
    assert (
        "Open Exchange admin center for Contoso Ltd ↗ https://admin.exchange.microsoft.com/"
        in visible_text(reply)
    )
