"""The guided escalation, turn by turn, through the real bot on botbuilder's TestAdapter.

The pattern for multi-turn flows: `bot.last(text)` is the card the bot asked with; assertions read what
a support engineer sees; the desk is the real demo desk on an in-memory SQLite database, so "nothing
was filed" and "one request" are checked where requests are stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount

from dialogs.choices import InvalidAnswer
from dialogs.escalation_dialog import EscalationDialog
from dialogs.teams_member import member_contact
from locales.translator import ENGLISH, Translator
from services.backends.demo.backend import DATA_DIR, DemoBackend
from services.backends.demo.service_requests import DemoServiceRequests
from services.domain.errors import SupportDeskError, UpstreamUnavailable
from services.domain.models import (
    Contact,
    Customer,
    Filing,
    OpenRequestCounts,
    RequestDraft,
    ServiceRequest,
    SupportCatalogue,
)
from services.domain.ports import ServiceRequestDesk
from services.storage.sqlite_database import SqliteDatabase
from tests.doubles.live_world import LiveWorld
from tests.support import harness
from tests.support.harness import DEMO_NOW, BotHarness
from tests.support.visible import button, buttons, visible_text

# Every conversation runs on the demo desk and on the live desk against the doubles.
pytestmark = pytest.mark.usefixtures("each_backend")


class Conversation:
    """One person talking to the bot; `last` is the newest reply."""

    def __init__(self, bot: BotHarness | None = None) -> None:
        self.bot = bot or BotHarness()
        self.replies: list[Activity] = []

    @property
    def last(self) -> Activity:
        return self.replies[-1]

    @property
    def text(self) -> str:
        return "\n".join(visible_text(a) for a in self.replies)

    async def say(self, text: str) -> str:
        self.replies = await self.bot.say(text)
        return self.text

    async def press(self, title: str, reply: Activity | None = None) -> str:
        self.replies = await self.bot.press(button(reply or self.last, title))
        return self.text

    async def submit(self, value: Any) -> str:
        self.replies = await self.bot.submit(value)
        return self.text

    async def filed(self) -> Sequence[ServiceRequest]:
        return await self.bot.desk.recent_requests()


@dataclass(frozen=True)
class FiledProduct:
    """A product the desk files itself: Exchange Online on the demo desk; on the live desk an Azure
    service, filed as an Azure Support ticket (Microsoft 365 problems are handed off there)."""

    typed: str
    product: str
    topic_typed: str
    topic: str
    topic_id: str


EXCHANGE = FiledProduct("exchange", "Exchange Online", "mailbox", "Mailbox access", "32444672")
FILED = {
    "demo": EXCHANGE,
    "live": FiledProduct(
        "vm-linux",
        "VM-LINUX",
        "connectivity",
        "Connectivity / Cannot connect",
        "/providers/Microsoft.Support/services/vm-linux/problemClassifications/connectivity",
    ),
}


@pytest.fixture
def filed_product(each_backend: str) -> FiledProduct:
    return FILED[each_backend]


async def to_summary(
    chat: Conversation, customer: str = "northwind", product: FiledProduct = EXCHANGE
) -> str:
    """A request for a customer without active incidents on the product, every answer typed."""
    await chat.say(f"escalate for {customer}")
    await chat.say(product.typed)
    await chat.say(product.topic_typed)
    await chat.say("2")
    await chat.say("Outlook can't open shared mailboxes")
    await chat.say("Since this morning 40 users get error 0x8004010F when opening shared mailboxes.")
    await chat.say("Ana Bowman ana.bowman@northwind.example")
    return await chat.say("skip")


async def test_typed_answers_reach_a_summary_and_submit_files_one_request(
    filed_product: FiledProduct,
) -> None:
    chat = Conversation()
    assert "Which product is affected?" in await chat.say("escalate for northwind")
    assert f"Which {filed_product.product} topic fits best?" in await chat.say(filed_product.typed[:4])
    assert "How severe is it?" in await chat.say(filed_product.topic_typed.upper())
    assert "Microsoft's first response: within 1 hour." in chat.text
    assert "A short title" in await chat.say("2")
    await chat.say("Outlook can't open shared mailboxes")
    await chat.say("Since this morning 40 users get error 0x8004010F.")
    assert "A phone number" in await chat.say("Ana Bowman ana.bowman@northwind.example")
    summary = await chat.say("+43 1 234 5678")
    for line in (
        "Check the request before it's filed",
        "Customer Northwind Traders",
        f"Product {filed_product.product}",
        f"Topic {filed_product.topic}",
        "Severity Moderate",
        "Primary contact Ana Bowman · ana.bowman@northwind.example",
        "Phone +43 1 234 5678",
    ):
        assert line in summary
    assert await chat.filed() == [], "nothing is filed before Submit"
    receipt = await chat.press("Submit")
    (request,) = await chat.filed()
    assert receipt.startswith("Service request filed")
    assert f"SR number: {request.number}" in receipt
    assert "Status: Open" in receipt and "Severity: Moderate" in receipt
    assert f"Topic: {filed_product.product} · {filed_product.topic}" in receipt
    assert request.contact.phone == "+43 1 234 5678"


async def test_pressed_choices_work_like_typed_ones() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.press("1. Exchange Online")
    await chat.press("2. Mailbox access")
    assert "A short title" in await chat.press("3. Minimal")
    await chat.say("Shared mailboxes")
    await chat.say("They don't open.")
    await chat.say("ana.bowman@northwind.example")
    summary = await chat.press("1. Skip")
    assert "Severity Minimal" in summary and "Topic Mailbox access" in summary
    assert "Primary contact Ana Bowman · ana.bowman@northwind.example" in summary, "name from Teams"


async def test_back_returns_one_step_and_asks_it_again() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.say("teams")
    assert "Which Microsoft Teams topic" in chat.text
    assert "Which product is affected?" in await chat.say("back")
    assert "Which Exchange Online topic" in await chat.say("exchange")


async def test_back_on_the_first_question_says_so() -> None:
    chat = Conversation()
    await chat.say("escalate")
    assert "This is the first question" in await chat.say("back")
    assert "Which customer is this for?" in chat.text


async def test_edit_jumps_to_the_field_and_returns_to_the_summary() -> None:
    chat = Conversation()
    await to_summary(chat)
    assert "How severe is it?" in await chat.press("Edit Severity")
    summary = await chat.say("critical")
    assert "Check the request before it's filed" in summary
    assert "Severity Critical" in summary
    await chat.press("Edit Product")
    await chat.say("teams")
    assert "Which Microsoft Teams topic" in chat.text, "a new product needs its own topic"
    summary = await chat.say("chat")
    assert "Product Microsoft Teams" in summary and "Topic Chat and channels" in summary


async def test_cancel_ends_the_dialog_and_files_nothing() -> None:
    chat = Conversation()
    await to_summary(chat)
    assert await chat.say("cancel") == "Cancelled. Nothing was filed."
    assert await chat.filed() == []
    assert "I didn't understand 'exchange'" in await chat.say("exchange"), "the dialog ended"


async def test_help_explains_the_current_step_and_keeps_the_progress() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.say("exchange")
    text = await chat.say("help")
    assert "Pick the topic closest to the problem" in text
    assert "'back' goes one question back, 'cancel' stops without filing" in text
    assert "Which Exchange Online topic fits best?" in text
    assert "How severe is it?" in await chat.say("mail flow")


async def test_an_unrelated_command_is_answered_and_the_dialog_offers_to_resume() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.say("exchange")
    text = await chat.say("health contoso")
    assert text.startswith("Service health · Contoso Ltd")
    assert "You were filing a service request for Northwind Traders. Pick up where you left off?" in text
    assert "Which Exchange Online topic fits best?" in await chat.press("Resume")
    assert "How severe is it?" in await chat.say("mail flow")


async def test_at_a_free_text_step_a_complete_command_is_asked_about_and_run_when_chosen() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    for answer in ("exchange", "mail flow", "minimal"):
        await chat.say(answer)
    assert "'health contoso' reads like a command too." in await chat.say("health contoso")
    text = await chat.press("2. Run health contoso")
    assert text.startswith("Service health · Contoso Ltd") and "Pick up where you left off?" in text
    assert "A short title" in await chat.say("resume")
    assert "Describe the problem" in await chat.say("status page of the mail server is down")
    await chat.say("x")
    await chat.say("ana@northwind.example")
    assert "Title status page of the mail server is down" in await chat.say("skip")


async def test_a_free_text_answer_starting_with_a_command_name_but_not_its_arguments_is_an_answer() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    for answer in ("exchange", "mail flow", "minimal"):
        await chat.say(answer)
    assert "Describe the problem" in await chat.say("Link sharing fails for external users")
    await chat.say("Note: since Monday, guests get 'access denied' on shared links.")
    await chat.say("ana@northwind.example")
    summary = await chat.say("skip")
    assert "Title Link sharing fails for external users" in summary
    assert "Description Note: since Monday, guests get 'access denied' on shared links." in summary


async def test_an_oversized_customer_answer_is_refused_without_a_search() -> None:
    chat = Conversation()
    await chat.say("escalate")
    text = await chat.say("x" * 5000)
    assert "That's 5000 characters; the limit is 120." in text and "Which customer is this for?" in text


async def test_three_bad_answers_offer_to_cancel() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    assert "'frobnitz' isn't one of the choices." in await chat.say("frobnitz")
    assert "three tries" not in await chat.say("blah")
    text = await chat.say("nope")
    assert "That's three tries. Type 'cancel' to stop without filing" in text
    assert "Cancel" in [b.title for b in buttons(chat.last)]


async def test_free_text_answers_are_validated_with_the_reason() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    for answer in ("exchange", "mail flow", "minimal"):
        await chat.say(answer)
    assert "That's 101 characters; the limit is 100." in await chat.say("x" * 101)
    await chat.say("Mail is slow")
    assert "That's 4001 characters; the limit is 4000." in await chat.say("y" * 4001)
    await chat.say("Mail takes an hour to arrive.")
    assert "'ana@northwind' isn't an email address I can use." in await chat.say("ana@northwind")
    await chat.say("ana@northwind.example")
    assert "'call me maybe' isn't a phone number" in await chat.say("call me maybe")


async def test_an_empty_message_explains_the_step_like_help() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    for answer in ("exchange", "mail flow", "minimal"):
        await chat.say(answer)
    text = await chat.say("   ")
    assert "One line that says what is broken" in text and "A short title" in text


async def test_validators_refuse_empty_and_oversized_values(demo: DemoBackend) -> None:
    harness = BotHarness()
    desk = harness.desk
    catalogue = await desk.support_catalogue()
    dialog = EscalationDialog(demo, desk, lambda: DEMO_NOW, member_contact, harness.audit)
    for validate in (dialog.title_validator, dialog.description_validator):
        with pytest.raises(InvalidAnswer, match="That answer was empty."):
            validate(" \n ", catalogue, ENGLISH)
    with pytest.raises(InvalidAnswer, match="That's 101 characters; the limit is 100."):
        dialog.title_validator("t" * 101, catalogue, ENGLISH)
    with pytest.raises(InvalidAnswer, match="101자입니다. 최대 100자까지 쓸 수 있습니다."):
        dialog.title_validator("t" * 101, catalogue, Translator("ko"))
    assert dialog.title_validator("  Mail   is slow ", catalogue, ENGLISH) == "Mail is slow"
    assert dialog.contact_validator("<ana@x.example>", "Ana", catalogue, ENGLISH) == Contact(
        "Ana", "ana@x.example"
    )
    assert dialog.phone_validator("skip", catalogue, ENGLISH) == ""
    assert dialog.phone_validator("건너뛰기", catalogue, ENGLISH) == ""
    with pytest.raises(InvalidAnswer, match="isn't a phone number"):
        dialog.phone_validator("12", catalogue, ENGLISH)


async def test_escalation_guard_shows_the_active_incident_first() -> None:
    chat = Conversation()
    await chat.say("escalate for contoso")
    text = await chat.say("exchange online")
    assert "Microsoft is already working on this" in text
    assert "EX1100014 · Exchange Online · Interrupted" in text
    text = await chat.press("Follow the incident")
    assert text.startswith("Nothing was filed. Here is the incident to follow:")
    assert "Users may be unable to access their mailbox using Outlook on the web" in text
    # Following it takes nothing away: whoever may file is still offered it from the incident.
    assert ": File a service request]" in text
    assert await chat.filed() == []
    assert "didn't understand" in await chat.say("mail flow"), "the dialog ended"


async def test_escalation_guard_lets_you_file_anyway() -> None:
    chat = Conversation()
    await chat.say("escalate for contoso")
    await chat.say("exchange online")
    assert "Which Exchange Online topic fits best?" in await chat.say("file anyway")


async def test_no_guard_on_a_service_without_active_incidents() -> None:
    chat = Conversation()
    await chat.say("escalate for contoso")
    assert "Which Microsoft Teams topic fits best?" in await chat.say("teams")


async def test_the_guard_stops_only_for_incidents_never_for_advisories() -> None:
    """Every customer and product of the dataset with something active: the guard shows an incident and
    lets an advisory-only product (Contoso's Defender XDR, Lamna's Intune) straight through."""
    backend = harness.default_backend()
    products = (await BotHarness().desk.support_catalogue()).products
    cases: list[tuple[Customer, str, list[str]]] = []
    for customer in await backend.list_customers():
        try:
            health = await backend.tenant_health(customer)
        except SupportDeskError:
            continue  # no delegated access: the guard can't look, and says nothing
        for service in health.services:
            if service.active_incidents and service.name in products:
                incidents = [i.incident_id for i in service.active_incidents if not i.is_advisory]
                cases.append((customer, service.name, incidents))
    assert any(not incidents for *_, incidents in cases), "the dataset has advisory-only products"
    assert any(incidents for *_, incidents in cases), "and products with incidents"
    for customer, product, incidents in cases:
        chat = Conversation()
        await chat.say(f"escalate for {customer.customer_id}")
        text = await chat.say(product)
        if incidents:
            assert "Microsoft is already working on this" in text and any(i in text for i in incidents)
        else:
            assert f"Which {product} topic fits best?" in text, f"{customer.name} · {product}: {text[:200]}"
            assert "Microsoft is already working on this" not in text


@pytest.mark.parametrize(
    "path",
    [
        ("escalate for contoso", "exchange", "file", "1", "minimal", "T", "D", "a@contoso.example", "skip"),
        ("escalate", "contoso", "exchange", "file", "1", "minimal", "T", "D", "a@contoso.example", "skip"),
        ("escalate contoso on exchange", "file", "1", "minimal", "T", "D", "a@contoso.example", "skip"),
        ("escalate for contoso about EX1100014", "1", "minimal", "1", "1", "a@contoso.example", "skip"),
        ("escalate for northwind", "exchange", "1", "minimal", "T", "D", "a@northwind.example", "skip"),
    ],
)
async def test_question_numbers_count_up_by_one_with_or_without_the_guard(path: tuple[str, ...]) -> None:
    chat = Conversation()
    numbers = []
    for text in path:
        numbers += [int(n) for n in re.findall(r"Question (\d+) ·", await chat.say(text))]
    assert "Check the request before it's filed" in chat.text
    assert numbers == list(range(1, len(numbers) + 1))


async def test_the_incident_card_button_starts_it_prefilled() -> None:
    chat = Conversation()
    await chat.say("incident EX1100014")
    text = await chat.press("File a service request")
    assert "File a service request · Contoso Ltd" in text
    assert "Which Exchange Online topic fits best?" in text, "customer and product come from the incident"
    await chat.say("mailbox access")
    await chat.say("critical")
    assert "Suggested: EX1100014: Users may be unable" in chat.text
    await chat.press("1. Use the suggestion")
    assert "Related Microsoft incident EX1100014" in chat.text
    await chat.press("1. Use the suggestion")
    await chat.say("ana@contoso.example")
    summary = await chat.say("skip")
    assert "Title EX1100014: Users may be unable to access their mailbox using Outlook on the web" in summary
    assert "Impact: Users may be unable to access their mailbox" in summary


async def test_the_customer_is_resolved_as_health_does_with_ambiguity() -> None:
    chat = Conversation()
    await chat.say("escalate")
    assert "Which customer did you mean by 'fabrikam'?" in await chat.say("fabrikam")
    residences = [b for b in buttons(chat.last) if b.title == "Choose"][1]
    chat.replies = await chat.bot.press(residences)
    assert "File a service request · Fabrikam Residences" in chat.text
    assert "Which product is affected?" in chat.text
    await chat.say("back")
    assert "Which customer is this for?" in chat.text


async def test_tampered_card_data_is_refused_and_files_nothing() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    topics = (await chat.bot.say("exchange"))[-1]
    key = button(topics, "1. Mail flow").action["data"]["key"]
    text = await chat.submit(
        {"action": "escalation.answer", "key": key, "step": "topic", "value": "99999999"}
    )
    assert "That topic isn't in the support catalogue." in text
    text = await chat.submit({"action": "escalation.submit", "key": "not-a-key"})
    assert "That button didn't send anything I understand" in text
    text = await chat.submit(
        {"action": "escalation.answer", "key": key, "step": "topic", "value": "x" * 5000}
    )
    assert "That button didn't send anything I understand" in text
    assert await chat.filed() == []
    assert "How severe is it?" in await chat.press("1. Mail flow", topics)


async def test_submit_twice_and_an_older_card_file_one_request() -> None:
    chat = Conversation()
    await to_summary(chat)
    summary = chat.last
    await chat.press("Submit", summary)
    (request,) = await chat.filed()
    again = await chat.press("Submit", summary)
    assert again.startswith(f"Already filed as {request.number}.")
    assert len(await chat.filed()) == 1


async def test_a_dialog_belongs_to_the_person_who_started_it(filed_product: FiledProduct) -> None:
    bot = BotHarness()
    ana = Conversation(bot)
    await to_summary(ana, product=filed_product)
    summary = ana.last
    bob = ChannelAccount(id="29:bob", name="Bob Kelly")
    answer = await bot.receive(
        Activity(
            type=ActivityTypes.message, from_property=bob, value=button(summary, "Submit").action["data"]
        )
    )
    assert "started by someone else. Type 'escalate' to start your own." in visible_text(answer[0])
    assert await ana.filed() == []
    bob_says = await bot.receive(Activity(type=ActivityTypes.message, from_property=bob, text="exchange"))
    assert visible_text(bob_says[0]).startswith("Ana Bowman is answering my questions here")
    assert "Service request filed" in await ana.press("Submit", summary)


class FailingDesk:
    """The demo desk, except filing fails `failures` times as a timing-out upstream would."""

    def __init__(self, inner: ServiceRequestDesk, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.keys: list[str] = []

    async def support_catalogue(self) -> SupportCatalogue:
        return await self.inner.support_catalogue()

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing:
        self.keys.append(idempotency_key)
        if self.failures:
            self.failures -= 1
            raise UpstreamUnavailable("The demo desk")
        return await self.inner.file_request(draft, idempotency_key, requested_by)

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None:
        return await self.inner.filed_with_key(idempotency_key)

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        return await self.inner.recent_requests(customer, limit, offset)

    async def count_requests(self, customer: Customer | None = None) -> int:
        return await self.inner.count_requests(customer)

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        return await self.inner.open_request_counts(customers)

    async def service_request(self, number: str) -> ServiceRequest:
        return await self.inner.service_request(number)

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest:
        return await self.inner.add_note(number, author, text)

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        return await self.inner.link_request(reference, number)


async def test_a_failed_filing_offers_try_again_with_the_same_request(filed_product: FiledProduct) -> None:
    first = BotHarness()
    desk = FailingDesk(first.desk, failures=1)
    chat = Conversation(BotHarness(desk=desk, database=first.database))
    await to_summary(chat, product=filed_product)
    text = await chat.press("Submit")
    assert text.startswith("The request wasn't filed")
    assert "Reference: " in text
    assert await chat.filed() == []
    assert "Service request filed" in await chat.press("Try again")
    assert len(await chat.filed()) == 1
    assert len(set(desk.keys)) == 1, "the retry used the same idempotency key"


def form_data(chat: Conversation, **values: str) -> dict[str, Any]:
    """The form's Submit data merged with its inputs' values, as Teams sends them."""
    submit = button(chat.last, "Submit").action["data"]
    return {**submit, **values}


GOOD_FORM = {
    "customer": "Northwind Traders",
    "topic": "32444673",
    "severity": "moderate",
    "title": "Calls drop",
    "description": "PSTN calls drop after 10 minutes.",
    "contact_name": "Ana Bowman",
    "contact_email": "ana@northwind.example",
    "phone": "",
}


async def test_the_form_takes_every_field_through_the_same_validation(each_backend: str) -> None:
    filed_topic = {"demo": "32444673", "live": FILED["live"].topic_id}[each_backend]
    product, topic = {
        "demo": ("Microsoft Teams", "Meetings and calling"),
        "live": (FILED["live"].product, FILED["live"].topic),
    }[each_backend]
    chat = Conversation()
    await chat.say("escalate")
    form = await chat.press("Fill in a form instead")
    for label in ("Customer (name, domain or tenant id)", "Product and topic", "Severity", "Title"):
        assert f"<{label}: " in form
    bad = {**GOOD_FORM, "customer": "fabrikam", "topic": "99", "title": "t" * 101, "contact_email": "ana@"}
    text = await chat.submit(form_data(chat, **bad))
    assert "Please fix:" in text
    assert "Customer: That customer isn't in your customer list." in text
    assert "Topic: That topic isn't in the support catalogue." in text
    assert "Title: That's 101 characters; the limit is 100." in text
    assert "Primary contact: 'ana@' isn't an email address I can use." in text
    assert "<Title: " + "t" * 100 + ">" in text, "what was typed is kept, up to what the field takes"
    assert await chat.filed() == []
    summary = await chat.submit(form_data(chat, **{**GOOD_FORM, "topic": filed_topic}))
    assert "Check the request before it's filed" in summary
    assert f"Topic {topic}" in summary and f"Product {product}" in summary
    assert "Service request filed" in await chat.press("Submit")
    assert len(await chat.filed()) == 1


async def test_the_form_still_passes_the_escalation_guard() -> None:
    chat = Conversation()
    await chat.say("escalate")
    await chat.press("Fill in a form instead")
    contoso_exchange = {**GOOD_FORM, "customer": "contoso", "topic": "32444671"}
    text = await chat.submit(form_data(chat, **contoso_exchange))
    assert "EX1100014 · Exchange Online · Interrupted" in text
    assert "Check the request before it's filed" in await chat.say("file anyway")


NORTHWIND_ID = "6f6795aa-eee4-5859-9d0d-eae69f1b3d1c"


def partner_center_request(number: str, status: str) -> dict[str, Any]:
    """A service request as Partner Center's `GET /v1/servicerequests/{id}` returns it."""
    return {
        "id": number,
        "title": "Shared mailboxes",
        "description": "Filed in Partner Center from the bot's hand-off.",
        "severity": "moderate",
        "status": status,
        "supportTopicName": "Exchange Online - Mailbox access",
        "createdDate": "2026-11-24T08:10:00Z",
        "lastModifiedDate": "2026-11-24T08:50:00Z",
        "notes": [],
        "attributes": {"objectType": "ServiceRequest"},
    }


async def test_a_handed_off_request_gets_a_partner_center_card_and_link_attaches_the_number(
    each_live_world: LiveWorld | None,
) -> None:
    if each_live_world is None:  # the demo desk hands off the products it is told to
        database = SqliteDatabase(Path(":memory:"))
        desk = DemoServiceRequests.open(database, DATA_DIR, lambda: DEMO_NOW, frozenset({"Exchange Online"}))
        chat = Conversation(BotHarness(desk=desk, database=database))
    else:  # the live desk hands off every Microsoft 365 problem; Partner Center has the SR once filed
        each_live_world.partner_center.service_requests[NORTHWIND_ID] = [
            partner_center_request("2611240010000042", "attention_needed")
        ]
        chat = Conversation()
    await to_summary(chat)
    text = await chat.press("Submit")
    (request,) = await chat.filed()
    assert text.startswith("Ready to file in Partner Center")
    assert f"link {request.reference} <SR number>" in text
    assert "Customer: Northwind Traders" in text and "Title: Outlook can't open shared mailboxes" in text
    assert (
        button(chat.last, "Open in Partner Center").action["url"].startswith("https://partner.microsoft.com/")
    )
    assert "Awaiting SR number" in await chat.say("requests")
    linked = await chat.say(f"link {request.reference} 2611240010000042")
    assert linked.startswith("Outlook can't open shared mailboxes\n2611240010000042 · Northwind Traders")
    if each_live_world is not None:
        assert "Attention needed" in linked, "the status is Partner Center's"
        listed = await chat.say("requests")
        assert "2611240010000042 Outlook can't open shared mailboxes" in listed
        assert "| Attention needed" in listed and "Awaiting SR number" not in listed
    assert "Already linked" in await chat.say(f"link {request.reference} 2611240010000043")


async def test_a_customers_page_button_interrupts_and_offers_to_resume() -> None:
    chat = Conversation()
    first_page = (await chat.bot.say("customers"))[0]
    await chat.say("escalate for northwind")
    text = await chat.press("Next page", first_page)
    assert "24 customers · page 2 of 3" in text
    assert "Pick up where you left off?" in text


async def test_dialog_state_is_plain_json() -> None:
    chat = Conversation()
    await chat.say("escalate for northwind")
    await chat.say("exchange")
    stored = await chat.bot.storage.read(
        [key for key in chat.bot.storage.memory if "/conversations/" in key and "/users/" in key]
    )
    (state,) = stored.values()

    def escalation(node: object) -> dict[str, Any] | None:
        if isinstance(node, dict):
            if "escalation" in node and isinstance(node["escalation"], dict):
                return node["escalation"]
            return next((found for v in node.values() if (found := escalation(v)) is not None), None)
        if isinstance(node, list):
            return next((found for v in node if (found := escalation(v)) is not None), None)
        return escalation(vars(node)) if hasattr(node, "__dict__") else None

    flow = escalation(state)
    assert flow is not None and flow["customer_name"] == "Northwind Traders" and flow["step"] == "topic"
    assert json.loads(json.dumps(flow)) == flow


async def test_someone_else_writing_during_a_dialog_is_told_whose_it_is_and_it_carries_on() -> None:
    bot = BotHarness()
    await bot.say("escalate for northwind")
    megan = ChannelAccount(id="29:megan", name="Megan Bowen")

    async def megan_says(text: str) -> str:
        (reply,) = await bot.receive(Activity(type=ActivityTypes.message, text=text, from_property=megan))
        return visible_text(reply)

    assert (await megan_says("mail is slow")).startswith(
        "Ana Bowman is answering my questions here, and your message isn't one of the answers."
    )
    assert (await megan_says("health contoso")).startswith("Service health · Contoso Ltd"), "commands work"
    (question,) = await bot.say("exchange")
    assert "Which Exchange Online topic fits best?" in visible_text(question), "Ana's dialog carries on"
    await bot.say("cancel")
    assert (await megan_says("mail is slow")).startswith("I didn't understand"), "no dialog in progress now"


async def test_an_incident_named_with_an_ambiguous_customer_is_kept_until_the_customer_is_chosen() -> None:
    ana = Conversation()
    choice = await ana.say("escalate fabrikam about EN1100100")
    assert "Which customer did you mean by 'fabrikam'?" in choice
    chosen = await ana.press("Choose")
    assert "Which Microsoft Entra topic fits best?" in chosen, "the product came from the incident"
    await ana.say("sign-in")
    await ana.say("moderate")
    assert "Suggested: EN1100100: Users may be prompted repeatedly" in ana.text
