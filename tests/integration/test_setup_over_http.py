"""`setup` with its owners step, then `export` and `import` into another channel, over real HTTP on both
stores (the SQLite file, and shared blobs in Azurite), with the bot restarted in the middle of the set-up:
the flow carries on from what the store kept, and the owners it names are the partner's, seen from the
other channel too."""

from __future__ import annotations

import html
import json
import re
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from services.storage.blob_container import BlobLocation
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import (
    BOT_NAME,
    CHANNEL,
    PERSONAL_CHAT,
    TENANT,
    channel_message,
    installation_update,
)
from tests.integration.test_escalation_over_http import Thread
from tests.integration.test_notifications import QUIET_BOT

OTHER_CHANNEL = "19:c0ffee00c0ffee00c0ffee00c0ffee00@thread.tacv2"
BEN = {"id": "29:1Ben-Ito-Teams-Id", "name": "Ben Ito", "aadObjectId": "b2c3d4e5-0000-4000-8000-000000000002"}


@pytest.fixture(params=["sqlite", "azureblob"])
def storage(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The settings that choose the store: none for the SQLite file, a fresh container for blobs."""
    if request.param == "sqlite":
        return {}
    azurite = request.getfixturevalue("azurite")
    return {"blob": BlobLocation(f"setup-{uuid.uuid4().hex[:12]}", azurite.connection_string)}


class ChannelThread(Thread):
    def __init__(
        self, bot: TestClient[Any, Any], connector: FakeConnector, service_url: str, channel: str
    ) -> None:
        super().__init__(bot, connector, service_url)
        self.channel = channel

    async def say(self, text: str) -> str:
        return await self.post(
            channel_message(self.service_url, text, thread=self.thread, channel=self.channel)
        )

    async def mention(self, member: dict[str, str]) -> str:
        """`@Support Bot @Ben Ito`, as Teams sends it: both <at> tags, and a mention entity for each."""
        activity = channel_message(self.service_url, "", thread=self.thread, channel=self.channel)
        tag = f"<at>{member['name']}</at>"
        activity["text"] = f"<at>{BOT_NAME}</at> {tag}"
        activity["entities"].append(
            {"type": "mention", "mentioned": {"id": member["id"], "name": member["name"]}, "text": tag}
        )
        return await self.post(activity)

    async def press(self, title: str, message: dict[str, Any] | None = None) -> str:
        activity = self.click(message or self.last, title)
        activity["conversation"]["id"] = f"{self.channel};messageid={self.thread}"
        return await self.post(activity)

    def exported(self) -> str:
        found = re.search(r"<pre>(.*)</pre>", str(self.last.get("text")), re.DOTALL)
        assert found and self.last.get("textFormat") == "xml", self.last
        return html.unescape(found.group(1))


async def test_set_up_with_owners_survives_a_restart_and_exports_into_another_channel(
    start_bot: StartBot, connector: FakeConnector, service_url: str, storage: dict[str, Any]
) -> None:
    connector.members = {BEN["id"]: BEN}
    bot = await start_bot(**QUIET_BOT, **storage)
    first = ChannelThread(bot, connector, service_url, CHANNEL)
    assert "Which customers should this conversation hear about?" in await first.say("setup")
    assert "Which services?" in await first.say("contoso, northwind")
    assert "Incidents, advisories, both, or message center changes?" in await first.say("exchange")
    assert "Hold notices here" in await first.say("incidents")
    assert "Who looks after these customers? @mention them here" in await first.say("none")
    await bot.close()

    bot = await start_bot(**QUIET_BOT, **storage)
    first.bot = bot
    summary = await first.mention(BEN)
    assert "Owners Ben Ito" in summary and "Customers Contoso Ltd, Northwind Traders" in summary
    assert "Who looks after these customers?" in await first.press("Edit Owners")
    assert "Owners Unchanged" in await first.say("skip")
    await first.press("Edit Owners")
    assert "Owners Ben Ito" in await first.mention(BEN)
    assert "now hears about what you chose" in await first.press("Submit")
    await first.say("export")
    document = first.exported()
    assert '"object_id": "b2c3d4e5-0000-4000-8000-000000000002"' in document

    await bot.close()

    bot = await start_bot(**QUIET_BOT, **storage)  # restarted again: what is kept is in the store
    other = ChannelThread(bot, connector, service_url, OTHER_CHANNEL)
    summary = await other.say(f"import {document}")
    assert "Contoso Ltd: Incidents (Exchange Online)" in summary
    assert "Owners" not in summary, "owners are the partner's: Ben already owns both"
    changes = other.last
    assert "now has the imported settings: 2 added" in await other.press("Apply")
    await other.say("export")
    assert other.exported() == document
    assert "That card belongs to an import that has ended" in await other.press("Apply", changes)
    assert document.count('"object_id"') == 2, "Ben for each customer; never the bot's own mention"


async def test_the_install_greeting_in_a_channel_offers_to_set_it_up(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    thread = ChannelThread(bot, connector, service_url, CHANNEL)
    greeting = await thread.post(installation_update(service_url))
    assert (
        "Hi! I'm the support desk's bot." in greeting and "Set this channel up in a few questions" in greeting
    )
    thread.thread = ""
    assert "Which customers should this conversation hear about?" in await thread.press("Set up this channel")


async def test_the_install_greeting_in_a_personal_chat_has_no_set_up_button(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    bot = await start_bot(**QUIET_BOT)
    installed = installation_update(service_url)
    installed["conversation"] = {"conversationType": "personal", "tenantId": TENANT, "id": PERSONAL_CHAT}
    installed["channelData"] = {"tenant": {"id": TENANT}}
    greeting = await ChannelThread(bot, connector, service_url, CHANNEL).post(installed)
    assert "Hi! I'm the support desk's bot." in greeting and "Set up this channel" not in greeting


@pytest.mark.parametrize(
    ("answer", "customers"),
    [
        ("Fabrikam, Inc., contoso", ["Fabrikam, Inc.", "Contoso Ltd"]),
        ("contoso,fabrikam, inc", ["Contoso Ltd", "Fabrikam, Inc."]),
        ("Fabrikam Residences, Fabrikam, Inc.", ["Fabrikam Residences", "Fabrikam, Inc."]),
        ("fabrikam, inc., Fabrikam, Inc.", ["Fabrikam, Inc."]),
        ("northwind, , contoso,", ["Northwind Traders", "Contoso Ltd"]),
    ],
    ids=["a comma in the name", "lower case, no dot", "beside a name it starts", "twice", "empty pieces"],
)
async def test_a_customer_whose_name_has_a_comma_is_named_in_full_at_the_customers_question(
    start_bot: StartBot, connector: FakeConnector, service_url: str, answer: str, customers: list[str]
) -> None:
    """'Type their names, separated by commas': 'Fabrikam, Inc.' split into 'Fabrikam' (two customers)
    and 'Inc.', so the full name was answered 'type more of the name', however much was typed."""
    thread = ChannelThread(await start_bot(**QUIET_BOT), connector, service_url, CHANNEL)
    await thread.say("setup")
    assert "Which services?" in await thread.say(answer)
    for step in ("all", "incidents", "none"):
        await thread.say(step)
    summary = await thread.say("skip")
    assert f"Customers {', '.join(customers)} | [1: Edit Customers]" in summary.splitlines(), summary
    await thread.press("Submit")
    rows = [line for line in (await thread.say("subscriptions")).splitlines() if "|" in line]
    assert sorted(row.split(" · ")[0] for row in rows) == sorted(customers), rows


async def test_a_name_two_customers_start_is_still_asked_about(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    thread = ChannelThread(await start_bot(**QUIET_BOT), connector, service_url, CHANNEL)
    await thread.say("setup")
    again = await thread.say("fabrikam, contoso")
    assert "'fabrikam' could be Fabrikam, Inc. or Fabrikam Residences: type more of the name." in again
    assert "Which customers should this conversation hear about?" in again


async def test_services_for_all_customers_are_read_past_a_customer_without_delegated_access(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """The demo partner's Tailspin Toys has no delegated access: reading its health for 'All customers'
    failed the whole answer ('Something went wrong on my side'), however the services were named."""
    thread = ChannelThread(await start_bot(**QUIET_BOT), connector, service_url, CHANNEL)
    await thread.say("setup")
    await thread.say("all")
    assert "Incidents, advisories, both, or message center changes?" in await thread.say("exchange, teams")
    for step in ("incidents", "none"):
        summary = await thread.say(step)
    assert "Services Exchange Online, Microsoft Teams | [2: Edit Services]" in summary.splitlines(), summary


async def test_services_of_a_customer_without_delegated_access_say_why_and_ask_again(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    thread = ChannelThread(await start_bot(**QUIET_BOT), connector, service_url, CHANNEL)
    await thread.say("setup")
    await thread.say("tailspin")
    again = await thread.say("exchange")
    assert "Tailspin Toys is an advisor relationship without delegated admin access" in again, again
    assert "Which services?" in again and "Something went wrong" not in again
    assert "Incidents, advisories, both, or message center changes?" in await thread.say("azure")


async def test_every_customer_with_services_exports_and_imports_into_another_channel(
    start_bot: StartBot, connector: FakeConnector, service_url: str
) -> None:
    """'subscribe all exchange' exported, then imported elsewhere: the import read every customer's
    services and failed on Tailspin Toys ('No delegated access'), so the document could never be used."""
    bot = await start_bot(**QUIET_BOT)
    first = ChannelThread(bot, connector, service_url, CHANNEL)
    await first.say("subscribe all exchange")
    await first.say("export")
    document = first.exported()
    other = ChannelThread(bot, connector, service_url, OTHER_CHANNEL)
    in_korean = channel_message(service_url, f"import {document}", channel="19:k0ree00@thread.tacv2")
    in_korean["locale"] = "ko-KR"
    assert re.search(r"^모든 고객: 장애 \(Exchange Online\)$", await other.post(in_korean), re.MULTILINE)
    summary = await other.say(f"import {document}")
    # Its line starts with a capital, as any customer's name would.
    assert re.search(r"^Every customer: Incidents \(Exchange Online\)$", summary, re.MULTILINE), summary
    assert "now has the imported settings: 1 added" in await other.press("Apply")
    assert "Every customer · Exchange Online · incidents" in await other.say("subscriptions")
    refused = await other.say(
        'import {"version": 1, "subscriptions": [{"customer": "tailspin", "services": ["exchange"]}]}'
    )
    assert "Tailspin Toys is an advisor relationship without delegated admin access" in refused


def _owned(*customers: str) -> str:
    people = [{"object_id": BEN["aadObjectId"], "name": BEN["name"]}]
    return json.dumps({"version": 1, "owners": [{"customer": c, "people": people} for c in customers]})


@pytest.mark.parametrize(
    ("customers", "done"),
    [
        (("contoso",), "0 added, 0 removed, 0 changed, owners of 1 customer. Type"),
        (("contoso", "northwind"), "0 added, 0 removed, 0 changed, owners of 2 customers. Type"),
    ],
)
async def test_the_import_receipt_counts_customers_in_good_english(
    start_bot: StartBot, connector: FakeConnector, service_url: str, customers: tuple[str, ...], done: str
) -> None:
    thread = ChannelThread(await start_bot(**QUIET_BOT), connector, service_url, CHANNEL)
    await thread.say(f"import {_owned(*customers)}")
    assert done in await thread.press("Apply")
    assert done.removesuffix(". Type") in await thread.say("audit 1")
