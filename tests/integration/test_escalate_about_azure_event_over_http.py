"""`escalate [customer] about <Azure tracking id>` over HTTP on the demo backend: the escalation starts
for that Azure event as its card's "File a service request" does (its customer when it affects only one,
its Azure service's product chosen or asked among Azure's), however the id was pasted; an id the customer
has no Azure event for points at Azure's list ('incidents <customer> azure'), never Microsoft 365's. English
and Korean."""

from __future__ import annotations

import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.test_azure_escalation_demo_over_http import ANA, Thread, choice_titles

VM_PRODUCTS = ["Virtual Machine running Windows", "Virtual Machine running Linux"]
ASK_AZURE = {
    "en-US": "Which Azure product is affected (Virtual Machines)?",
    "ko-KR": "어느 Azure 제품에 문제가 있나요? (Virtual Machines)",
}
GUARD = {"en-US": "Microsoft is already working on this", "ko-KR": "Microsoft가 이미 처리하고 있습니다"}
ABOUT = {"en-US": "escalate {customer} about {id}", "ko-KR": "에스컬레이션 {customer} 관련 {id}"}
# Every hyphen a pasted tracking id arrives with.
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
@pytest.mark.parametrize("dash", DASHES, ids=[f"U+{ord(d):04X}" for d in DASHES])
async def test_escalating_about_an_azure_event_for_its_customer_asks_its_azure_product(
    start_bot: StartBot, connector: FakeConnector, locale: str, dash: str
) -> None:
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, locale)
    text = await thread.say(ABOUT[locale].format(customer="contoso", id=f"“VNL2{dash}8S8”"))
    assert ASK_AZURE[locale] in text and "Contoso Ltd" in text, text[:300]
    assert choice_titles(thread.last) == VM_PRODUCTS


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
async def test_an_azure_event_of_one_customer_is_escalated_for_it_with_its_product_chosen(
    start_bot: StartBot, connector: FakeConnector, locale: str
) -> None:
    """KR3T-7HN reaches Hanbit only, on AKS: the product is chosen and the event itself shown first."""
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, locale)
    text = await thread.say(ABOUT[locale].format(customer="", id="KR3T-7HN").replace("  ", " "))
    assert text.startswith(GUARD[locale]) and "KR3T-7HN · Azure Kubernetes Service" in text, text[:300]
    assert "한빛 물류 (Hanbit Logistics)" in text


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
async def test_an_azure_event_of_several_customers_asks_which_then_looks_there(
    start_bot: StartBot, connector: FakeConnector, locale: str
) -> None:
    """VNL2-8S8 reaches Contoso and others: the customer is asked; one it reaches gets the Azure product
    question, one it doesn't is told so, with Azure's list to look in."""
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, locale)
    typed = ABOUT[locale].format(customer="", id="VNL2-8S8").replace("  ", " ")
    await thread.say(typed)
    text = await thread.say("contoso")
    assert ASK_AZURE[locale] in text and choice_titles(thread.last) == VM_PRODUCTS, text[:300]

    other = Thread(await start_bot(), connector, locale)
    await other.say(typed)
    text = await other.say("hanbit")
    assert NOT_FOUND[locale].format(customer="한빛 물류 (Hanbit Logistics)", id="VNL2-8S8") in text, text


NOT_FOUND = {
    "en-US": "I couldn't find Azure event {id} in the subscriptions of {customer}. Check the tracking id, "
    "or run 'incidents <customer> azure all' to list its recent ones.",
    "ko-KR": "{customer}의 구독에서 Azure 이벤트 {id}을(를) 찾지 못했습니다. 추적 ID를 확인하거나 "
    "'장애 <고객> 애저 전체'로 최근 이벤트를 확인하세요.",
}


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
@pytest.mark.parametrize(
    ("customer", "name"), [("contoso", "Contoso Ltd"), ("hanbit", "한빛 물류 (Hanbit Logistics)")]
)
async def test_a_tracking_id_the_customer_has_no_event_for_points_at_azures_list(
    start_bot: StartBot, connector: FakeConnector, locale: str, customer: str, name: str
) -> None:
    connector.members[ANA["id"]] = ANA
    thread = Thread(await start_bot(), connector, locale)
    wanted = "ZZ9Q-1AB" if customer == "contoso" else "VNL2-8S8"
    text = await thread.say(ABOUT[locale].format(customer=customer, id=wanted))
    assert NOT_FOUND[locale].format(customer=name, id=wanted) in text, text
    assert "'incidents <customer> all'" not in text and "'장애 <고객> 전체'" not in text
