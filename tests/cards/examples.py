"""One realistic instance of every card, built from the demo world at its asOf instant."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from microsoft_teams.cards import AdaptiveCard

from bot.turn.commands import help_entries
from cards.actions import health_command, incidents_command
from cards.audit import audit_card
from cards.azure import azure_event_card, azure_events_card, overview_azure_section
from cards.changes import change_card, change_notice_card, changes_card, due_changes_card, weekly_changes_card
from cards.customers import customer_choice_card, customers_card, did_you_mean_card
from cards.escalation import (
    Choice,
    Question,
    RequestForm,
    SummaryField,
    guard_card,
    handoff_card,
    question_card,
    receipt_card,
    request_card,
    request_form_card,
    requests_card,
    summary_card,
)
from cards.health import health_card
from cards.help import HelpSection, help_card
from cards.incidents import incident_card, incidents_card
from cards.notices import notice_card
from cards.notifications import (
    OverviewRow,
    incident_notice_card,
    notice_digest_card,
    notices_card,
    overview_card,
    overview_rows,
    subscribed_card,
    subscriptions_card,
)
from cards.owners import (
    mine_card,
    owners_card,
    owners_how_card,
    owners_set_card,
    owners_typed_card,
    owners_unknown_card,
)
from cards.settings import ChangeSection, SettingsProblem, settings_changes_card, settings_problems_card
from cards.shared import shared_card
from locales.translator import ENGLISH, Translator
from services.backends.demo.service_requests import simulated_status
from services.backends.partner_center.handoff import PARTNER_CENTER_NEW_REQUEST, handoff_summary
from services.domain.admin_centers import admin_center_link, admin_center_links
from services.domain.azure_events import across_customers, as_incident, list_azure_events
from services.domain.customer_search import search_customers
from services.domain.incidents import find_azure_event, find_incident, list_incidents
from services.domain.models import (
    ALL_CUSTOMERS,
    AuditEntry,
    AzureUpdate,
    ChangeKind,
    Contact,
    Customer,
    Delivery,
    DeliveryState,
    DueChange,
    DueChanges,
    Handoff,
    IncidentPost,
    Notice,
    OpenRequestCounts,
    Owner,
    RequestNote,
    RequestStatus,
    ServiceRequest,
    ServiceStatus,
    Severity,
    StatusLevel,
    Subscription,
    SupportTopic,
    WeeklyDigest,
    WeeklyRow,
)
from services.domain.service_messages import as_notice_incident, due_changes, find_message, open_messages
from tests.support.harness import DEMO_NOW, demo_backend

ANA = ("a1b2c3d4-0000-4000-8000-000000000001", "Ana Bowman")
# A person in Seoul whose Teams runs in Korean: the reviewed Korean snapshots.
KOREAN = Translator("ko", ZoneInfo("Asia/Seoul"))
# Requests the help card's examples name (the help dialog reads them from the desk), for a reader who may
# file for the examples' customer (the help dialog asks the reader's access).
SAMPLE_REQUESTS = {"number": "2611240010000001", "reference": "E2611240010000001", "filing": "yes"}


def open_counts(requests: Iterable[ServiceRequest]) -> OpenRequestCounts:
    """What a desk counts of `requests` when they are all the requests there are."""
    return Counter((r.status, r.severity) for r in requests if r.status is not RequestStatus.CLOSED)


# Proactive notices: the language the conversation subscribed in, times in UTC (a channel has no one zone).
KOREAN_UTC = Translator("ko")
AUDIT_ENTRIES = tuple(
    AuditEntry(DEMO_NOW - timedelta(minutes=minutes), actor_id, name, action, detail, "3f2a9c1b7d4e")
    for minutes, actor_id, name, action, detail in (
        (
            2,
            "a1b2c3d4-0000-4000-8000-000000000001",
            "Ana Bowman",
            "request.filed",
            "2611240010000001 for contoso",
        ),
        (9, "a1b2c3d4-0000-4000-8000-000000000001", "Ana Bowman", "subscription.added", "contoso"),
        (
            30,
            "c7d8e9f0-0000-4000-8000-000000000003",
            "Sam [ops](http://x) *Lee*",
            "access.refused",
            "to file service requests",
        ),
        (95, "a1b2c3d4-0000-4000-8000-000000000001", "Ana Bowman", "notice.acknowledged", "EX1100014"),
    )
)


def _world() -> dict[str, Callable[[], AdaptiveCard]]:
    backend = demo_backend()
    customers = list(asyncio.run(backend.list_customers()))
    by_name = {c.name: c for c in customers}
    contoso = by_name["Contoso Ltd"]
    contoso_health = asyncio.run(backend.tenant_health(contoso))
    lookup = asyncio.run(find_incident(backend, "EX1100014", contoso))
    huge = replace(
        lookup,
        incident=replace(
            lookup.incident,
            posts=tuple(IncidentPost(DEMO_NOW, "A long update. " * 300) for _ in range(40)),
        ),
    )
    fabrikams = [by_name["Fabrikam, Inc."], by_name["Fabrikam Residences"]]
    woodgrove_messages = open_messages(
        asyncio.run(backend.tenant_messages(by_name["Woodgrove Bank"])), DEMO_NOW
    )
    ews = asyncio.run(find_message(backend, "MC905123"))
    due = asyncio.run(due_changes(backend, DEMO_NOW))
    # A message as long as Microsoft could write, reaching every customer, forty times over.
    huge_message = replace(ews.message, title="Retiring " * 40, body="A long paragraph. " * 3000)
    huge_ews = replace(ews, message=huge_message, also_for=tuple(customers))
    ews_customers = [ews.customer, *ews.also_for]
    week = timedelta(days=7)
    ews_notice = Notice(
        as_notice_incident(ews.message, DEMO_NOW, week),
        tuple(c.customer_id for c in ews_customers),
        2,
        ChangeKind.SPREAD,
        DEMO_NOW,
        DEMO_NOW,
    )
    names = {c.customer_id: c.name for c in customers}
    weekly_row = WeeklyRow(ews_notice.incident, ews_notice.customer_ids, True)
    weekly = WeeklyDigest((weekly_row,), (weekly_row,))
    huge_rows = tuple(
        WeeklyRow(
            as_notice_incident(replace(huge_message, message_id=f"MC{900000 + n}"), DEMO_NOW, week),
            tuple(names),
            True,
        )
        for n in range(40)
    )
    huge_weekly = WeeklyDigest(huge_rows, huge_rows)
    huge_notice = replace(
        ews_notice,
        incident=as_notice_incident(huge_message, DEMO_NOW, week),
        customer_ids=tuple(c.customer_id for c in customers),
    )
    huge_due = DueChanges(
        tuple(DueChange(replace(huge_message, message_id=f"MC9{n:05}"), tuple(customers)) for n in range(40)),
        not_read=len(customers),
    )

    key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    request = ServiceRequest(
        number="2611240010000001",
        customer_id=contoso.customer_id,
        customer_name=contoso.name,
        topic=SupportTopic("32444672", "Exchange Online", "Mailbox access"),
        severity=Severity.CRITICAL,
        title="EX1100014: Users may be unable to access their mailbox using Outlook on the web",
        description="Related Microsoft incident EX1100014.\nSince 04:00 UTC about 300 users can't open OWA.",
        contact=Contact("Ana Bowman", "ana.bowman@contoso.com", "+43 1 234 5678"),
        status=RequestStatus.OPEN,
        created=DEMO_NOW,
        last_modified=DEMO_NOW,
        incident_id="EX1100014",
    )
    older = replace(
        request,
        number="2611220010000003",
        title="Teams meetings drop after 60 minutes",
        severity=Severity.MODERATE,
        status=simulated_status(DEMO_NOW - timedelta(hours=7), DEMO_NOW)[0],
        created=DEMO_NOW - timedelta(hours=7),
        last_modified=DEMO_NOW - timedelta(hours=1),
        customer_name="Woodgrove Bank",
        notes=(RequestNote(DEMO_NOW - timedelta(hours=1), "Microsoft Support", "Please send a meeting id."),),
    )
    question = Question(
        key=key,
        step="severity",
        heading="File a service request · Contoso Ltd",
        progress="Question 3 · type 'back', 'cancel' or 'help' at any time",
        prompt="How severe is it?",
        details=("Critical: Business can't run. Microsoft's first response: within 1 hour.",),
        choices=(
            Choice("Critical", "critical"),
            Choice("Moderate", "moderate"),
            Choice("Minimal", "minimal"),
        ),
        problem="'urgent' isn't one of the choices.",
        hint="Press a button, or type its name, the start of it, or its number.",
    )
    summary = [
        SummaryField("customer", "Customer", "Contoso Ltd"),
        SummaryField("topic", "Topic", "Mailbox access"),
        SummaryField("severity", "Severity", "Critical"),
        SummaryField("phone", "Phone", ""),
    ]

    form = RequestForm(
        key=key,
        topics=(
            Choice("Exchange Online · Mail flow", "32444671"),
            Choice("Power BI · Refresh", "32444679"),
        ),
        severities=(
            Choice("Critical: Business can't run.", "critical"),
            Choice("Minimal", "minimal"),
        ),
        values={"customer": "Contoso Ltd", "topic": "32444671", "title": "Mail is slow"},
        title_max=100,
        description_max=4000,
        name_max=100,
        email_max=254,
        email_pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$",
        phone_pattern=r"\+?[0-9 ()./-]{6,20}",
        problems=("Title: That answer was empty.",),
    )
    question_ko = Question(
        key=key,
        step="severity",
        heading=KOREAN("escalation.heading_for", customer="Contoso Ltd"),
        progress=KOREAN("escalation.progress", number=3),
        prompt=KOREAN("escalation.ask_severity"),
        details=(
            KOREAN(
                "escalation.severity_line",
                label=KOREAN("severity.critical"),
                meaning=KOREAN("severity_meaning.critical"),
                first_response=KOREAN("severity_response.critical"),
            ),
        ),
        choices=tuple(Choice(KOREAN(f"severity.{s.value}"), s.value) for s in Severity),
        problem=KOREAN("escalation.unknown_choice", value="급함"),
        hint=KOREAN("escalation.hint_choice"),
    )
    summary_ko = [
        SummaryField("customer", KOREAN("escalation.field_customer"), "Contoso Ltd"),
        SummaryField("topic", KOREAN("escalation.field_topic"), "Mailbox access"),
        SummaryField("severity", KOREAN("escalation.field_severity"), KOREAN("severity.critical")),
        SummaryField("phone", KOREAN("escalation.field_phone"), ""),
    ]
    handed_off = replace(
        request,
        number="E2611240010000001",
        reference="E2611240010000001",
        status=RequestStatus.AWAITING_NUMBER,
    )
    handoff = Handoff(PARTNER_CENTER_NEW_REQUEST, handoff_summary(request))

    def choices(options: list[Customer], command: Callable[[Customer], str]) -> list[tuple[Customer, str]]:
        return [(c, command(c)) for c in options]

    return {
        "help": lambda: help_card(
            help_entries(ENGLISH, SAMPLE_REQUESTS),
            ENGLISH,
            greeting="Hi! I'm the support desk's bot.",
            setup="setup",
        ),
        "help_unknown": lambda: help_card(
            help_entries(ENGLISH, SAMPLE_REQUESTS), ENGLISH, hint="I didn't understand 'frobnicate'."
        ),
        "help_ko": lambda: help_card(
            help_entries(KOREAN, SAMPLE_REQUESTS), KOREAN, greeting=KOREAN("edge.greeting"), setup="설정"
        ),
        # `도움말 알림`: one section, with a button back to every command.
        "help_section_ko": lambda: help_card(
            [e for e in help_entries(KOREAN, SAMPLE_REQUESTS) if e.section is HelpSection.NOTICES],
            KOREAN,
            part=True,
        ),
        "notice": lambda: notice_card("Something went wrong", "Please try again.", reference="ab12cd34"),
        "audit": lambda: audit_card(AUDIT_ENTRIES, DEMO_NOW, ENGLISH),
        "audit_ko": lambda: audit_card(AUDIT_ENTRIES, DEMO_NOW, KOREAN),
        "audit_empty": lambda: audit_card((), DEMO_NOW, ENGLISH),
        "customers": lambda: customers_card(search_customers(customers, ""), "", 2, ENGLISH),
        "customers_ko": lambda: customers_card(search_customers(customers, ""), "", 2, KOREAN),
        "customers_none": lambda: customers_card((), "zzz", 1, ENGLISH),
        "choice": lambda: customer_choice_card(
            "fabrikam", choices(fabrikams, health_command), "see its health", ENGLISH
        ),
        "choice_ko": lambda: customer_choice_card(
            "fabrikam", choices(fabrikams, health_command), KOREAN("purpose.see_health"), KOREAN
        ),
        "did_you_mean": lambda: did_you_mean_card(
            "contsoo", choices([contoso, by_name["Contoso Pharmaceuticals"]], incidents_command), ENGLISH
        ),
        "did_you_mean_ko": lambda: did_you_mean_card(
            "contsoo", choices([contoso, by_name["Contoso Pharmaceuticals"]], incidents_command), KOREAN
        ),
        "health": lambda: health_card(
            contoso_health,
            ENGLISH,
            admin_center_links(contoso, (s.name for s in contoso_health.services)),
            may_file=True,
        ),
        "health_ko": lambda: health_card(
            contoso_health,
            KOREAN,
            admin_center_links(contoso, (s.name for s in contoso_health.services)),
            may_file=True,
        ),
        "changes": lambda: changes_card(by_name["Woodgrove Bank"], woodgrove_messages, DEMO_NOW, ENGLISH),
        "changes_ko": lambda: changes_card(by_name["Woodgrove Bank"], woodgrove_messages, DEMO_NOW, KOREAN),
        "changes_none": lambda: changes_card(contoso, (), DEMO_NOW, ENGLISH, "intune"),
        "change": lambda: change_card(ews, DEMO_NOW, ENGLISH),
        "change_ko": lambda: change_card(ews, DEMO_NOW, KOREAN),
        "change_huge": lambda: change_card(huge_ews, DEMO_NOW, ENGLISH),
        "change_huge_ko": lambda: change_card(huge_ews, DEMO_NOW, KOREAN),
        "change_notice": lambda: change_notice_card(ews_notice, ews_customers, DEMO_NOW, ENGLISH),
        "change_notice_ko": lambda: change_notice_card(ews_notice, ews_customers, DEMO_NOW, KOREAN, "김지수"),
        "change_notice_huge": lambda: change_notice_card(
            huge_notice, customers, DEMO_NOW, KOREAN, "x" * 300, replaces_lost_card=True
        ),
        "weekly_changes": lambda: weekly_changes_card(weekly, names, DEMO_NOW, ENGLISH),
        "weekly_changes_ko": lambda: weekly_changes_card(weekly, names, DEMO_NOW, KOREAN),
        "weekly_changes_none": lambda: weekly_changes_card(WeeklyDigest((), ()), names, DEMO_NOW, KOREAN),
        "weekly_changes_huge": lambda: weekly_changes_card(huge_weekly, names, DEMO_NOW, ENGLISH),
        "changes_due": lambda: due_changes_card(due, DEMO_NOW, ENGLISH),
        "changes_due_ko": lambda: due_changes_card(due, DEMO_NOW, KOREAN),
        "changes_due_none": lambda: due_changes_card(DueChanges(()), DEMO_NOW, KOREAN),
        "changes_due_not_read": lambda: due_changes_card(replace(due, not_read=2), DEMO_NOW, ENGLISH),
        "changes_due_huge": lambda: due_changes_card(huge_due, DEMO_NOW, ENGLISH),
        "incidents": lambda: incidents_card(
            contoso, list_incidents(contoso_health), DEMO_NOW, ENGLISH, may_file=True
        ),
        "incidents_ko": lambda: incidents_card(
            contoso, list_incidents(contoso_health), DEMO_NOW, KOREAN, may_file=True
        ),
        "incidents_all": lambda: incidents_card(
            contoso,
            list_incidents(contoso_health, include_resolved=True),
            DEMO_NOW,
            ENGLISH,
            include_resolved=True,
            may_file=True,
        ),
        "incidents_none": lambda: incidents_card(
            by_name["Northwind Traders"], (), DEMO_NOW, ENGLISH, "Exchange Online", may_file=True
        ),
        "incident": lambda: incident_card(
            lookup, DEMO_NOW, ENGLISH, admin_center_link(contoso, lookup.incident.service), may_file=True
        ),
        "incident_ko": lambda: incident_card(
            lookup, DEMO_NOW, KOREAN, admin_center_link(contoso, lookup.incident.service), may_file=True
        ),
        "incident_huge": lambda: incident_card(huge, DEMO_NOW, ENGLISH, may_file=True),
        "incident_huge_ko": lambda: incident_card(huge, DEMO_NOW, KOREAN, may_file=True),
        "escalation_question": lambda: question_card(question, ENGLISH),
        "escalation_question_ko": lambda: question_card(question_ko, KOREAN),
        "escalation_guard": lambda: guard_card(
            key,
            "guard",
            "Contoso Ltd",
            lookup.incident,
            "File a request anyway, or follow the incident?",
            ENGLISH,
        ),
        "escalation_guard_ko": lambda: guard_card(
            key,
            "guard",
            "Contoso Ltd",
            lookup.incident,
            KOREAN("escalation.guard_question", customer="Contoso Ltd"),
            KOREAN,
        ),
        "escalation_summary": lambda: summary_card(key, request.title, summary, ENGLISH),
        "escalation_summary_ko": lambda: summary_card(key, request.title, summary_ko, KOREAN),
        "escalation_receipt": lambda: receipt_card(request, ENGLISH),
        "escalation_receipt_ko": lambda: receipt_card(request, KOREAN),
        "escalation_handoff": lambda: handoff_card(handed_off, handoff, ENGLISH),
        "escalation_handoff_ko": lambda: handoff_card(handed_off, handoff, KOREAN),
        "service_requests": lambda: requests_card(
            [request, older], DEMO_NOW, ENGLISH, open_requests=open_counts([request, older])
        ),
        "service_requests_ko": lambda: requests_card(
            [request, older], DEMO_NOW, KOREAN, open_requests=open_counts([request, older])
        ),
        "service_requests_none": lambda: requests_card(
            [], DEMO_NOW, ENGLISH, "Northwind Traders", open_requests={}
        ),
        "service_request": lambda: request_card(older, DEMO_NOW, ENGLISH),
        "service_request_ko": lambda: request_card(older, DEMO_NOW, KOREAN),
        # As shared from the compose box (dialogs/compose_search.py): for people without the bot.
        "shared_health": lambda: shared_card(
            health_card(
                contoso_health,
                ENGLISH,
                admin_center_links(contoso, (s.name for s in contoso_health.services)),
                may_file=False,
            )
        ),
        "shared_health_ko": lambda: shared_card(health_card(contoso_health, KOREAN, may_file=False)),
        "shared_incident": lambda: shared_card(
            incident_card(
                lookup, DEMO_NOW, ENGLISH, admin_center_link(contoso, lookup.incident.service), may_file=False
            )
        ),
        "shared_incident_huge_ko": lambda: shared_card(incident_card(huge, DEMO_NOW, KOREAN, may_file=False)),
        "shared_request": lambda: shared_card(request_card(older, DEMO_NOW, ENGLISH, note_hint=False)),
        "shared_request_ko": lambda: shared_card(request_card(request, DEMO_NOW, KOREAN, note_hint=False)),
        "escalation_form": lambda: request_form_card(form, ENGLISH),
        "escalation_form_ko": lambda: request_form_card(
            replace(form, problems=(f"{KOREAN('escalation.field_title')}: {KOREAN('escalation.empty')}",)),
            KOREAN,
        ),
    }


def _notification_cards() -> dict[str, Callable[[], AdaptiveCard]]:
    backend = demo_backend()
    by_name = {c.name: c for c in asyncio.run(backend.list_customers())}
    contoso, woodgrove = by_name["Contoso Ltd"], by_name["Woodgrove Bank"]
    lookup = asyncio.run(find_incident(backend, "EX1100014", contoso))
    active = Notice(
        lookup.incident,
        (contoso.customer_id, woodgrove.customer_id),
        2,
        ChangeKind.SPREAD,
        DEMO_NOW - timedelta(hours=5),
        DEMO_NOW,
    )
    ended = lookup.incident.start + timedelta(hours=3, minutes=20)
    resolved = replace(
        active,
        incident=replace(
            lookup.incident, is_resolved=True, end=ended, status=ServiceStatus("serviceRestored")
        ),
        change=ChangeKind.RESOLVED,
    )
    healths = [asyncio.run(backend.tenant_health(c)) for c in by_name.values() if c.delegated_access]
    exchange = Subscription("19:ops", contoso.customer_id, ("Exchange Online",))
    everyone = Subscription("19:ops", ALL_CUSTOMERS, (), "all")
    delivered = Delivery(
        "EX1100014",
        "19:ops",
        DeliveryState.DELIVERED,
        2,
        2,
        "1",
        "19:ops;messageid=1",
        "",
        "Ana Bowman",
        DEMO_NOW,
    )
    held = replace(
        delivered,
        conversation="19:other",
        state=DeliveryState.HELD,
        reason="notices.reason_quiet_until|2026-11-24T11:00:00+00:00",
    )
    refused = replace(
        delivered,
        conversation="19:gone",
        state=DeliveryState.INACTIVE,
        reason="notices.reason_blocked",
    )
    # Owners: Ana looks after both customers and is in the channel (mentioned once); Ben isn't (named).
    ana, ben, chloe = Owner(ANA[0], ANA[1]), Owner("aad-ben", "Ben Ito"), Owner("aad-chloe", "김지수")
    owned = {contoso.customer_id: (ana, ben), woodgrove.customer_id: (chloe, ana)}
    here = {ana.object_id, chloe.object_id}
    rows = overview_rows(healths)
    owner_example = ENGLISH("owners.example", customer="contoso")  # as the snapshots were taken
    mine_rows = [*rows[:2], OverviewRow(contoso, StatusLevel.OPERATIONAL, 0)]
    return {
        "incident_notice_owners": lambda: incident_notice_card(
            active, [contoso, woodgrove], DEMO_NOW, ENGLISH, owners=owned, mentionable=here
        ),
        "incident_notice_owners_ko": lambda: incident_notice_card(
            active, [contoso, woodgrove], DEMO_NOW, KOREAN_UTC, owners=owned, mentionable=here
        ),
        "notice_digest_owners": lambda: notice_digest_card(
            [(active, [contoso, woodgrove]), (resolved, [contoso])],
            DEMO_NOW - timedelta(hours=2),
            DEMO_NOW,
            ENGLISH,
            owners=owned,
            mentionable=here,
        ),
        "overview_owners": lambda: overview_card(
            rows, len(healths), 2, DEMO_NOW, ENGLISH, owners={rows[0].customer.customer_id: (ana, ben)}
        ),
        "owners_set": lambda: owners_set_card(contoso, (ana, ben), (chloe,), ENGLISH),
        "owners_set_ko": lambda: owners_set_card(contoso, (ana, ben), (chloe,), KOREAN),
        "owners_cleared": lambda: owners_set_card(contoso, (), (ana,), ENGLISH),
        "owners_of": lambda: owners_card([(contoso, (ana, ben))], contoso, ENGLISH),
        "owners_all": lambda: owners_card([(contoso, (ana, ben)), (woodgrove, (chloe,))], None, ENGLISH),
        "owners_all_ko": lambda: owners_card([(contoso, (ana, ben)), (woodgrove, (chloe,))], None, KOREAN),
        "owners_how_personal": lambda: owners_how_card(contoso, (ana,), True, ENGLISH),
        "owners_how_ko": lambda: owners_how_card(contoso, (), False, KOREAN),
        "owners_unknown": lambda: owners_unknown_card(contoso, ["Zoë Stranger"], ENGLISH),
        "owners_typed": lambda: owners_typed_card(contoso, "@Ben Ito", ENGLISH),
        "owners_typed_ko": lambda: owners_typed_card(contoso, "@벤", KOREAN),
        "mine": lambda: mine_card(mine_rows, [woodgrove], ENGLISH, owner_example),
        "mine_ko": lambda: mine_card(mine_rows, [woodgrove], KOREAN, owner_example),
        "mine_none": lambda: mine_card([], [], ENGLISH, owner_example),
        "incident_notice": lambda: incident_notice_card(active, [contoso, woodgrove], DEMO_NOW, ENGLISH),
        "incident_notice_ko": lambda: incident_notice_card(
            active, [contoso, woodgrove], DEMO_NOW, KOREAN_UTC
        ),
        "incident_notice_acknowledged": lambda: incident_notice_card(
            active, [contoso], DEMO_NOW, ENGLISH, "Ana Bowman"
        ),
        "incident_notice_acknowledged_ko": lambda: incident_notice_card(
            active, [contoso], DEMO_NOW, KOREAN_UTC, "Ana Bowman"
        ),
        "incident_notice_resolved": lambda: incident_notice_card(resolved, [contoso], DEMO_NOW, ENGLISH),
        "incident_notice_resolved_ko": lambda: incident_notice_card(
            resolved, [contoso], DEMO_NOW, KOREAN_UTC
        ),
        "notice_digest": lambda: notice_digest_card(
            [(active, [contoso, woodgrove]), (resolved, [contoso])],
            DEMO_NOW - timedelta(hours=2),
            DEMO_NOW,
            ENGLISH,
        ),
        "notice_digest_ko": lambda: notice_digest_card(
            [(active, [contoso, woodgrove]), (resolved, [contoso])],
            DEMO_NOW - timedelta(hours=2),
            DEMO_NOW,
            KOREAN_UTC,
        ),
        "overview": lambda: overview_card(overview_rows(healths), len(healths), 2, DEMO_NOW, ENGLISH),
        "overview_ko": lambda: overview_card(overview_rows(healths), len(healths), 2, DEMO_NOW, KOREAN),
        "overview_healthy": lambda: overview_card([], 22, 2, DEMO_NOW, ENGLISH),
        "subscribed": lambda: subscribed_card(exchange, contoso, "this channel", ENGLISH),
        "subscribed_ko": lambda: subscribed_card(exchange, contoso, KOREAN("where.channel"), KOREAN),
        "subscriptions": lambda: subscriptions_card(
            [(exchange, contoso), (everyone, None)], "this channel", DEMO_NOW + timedelta(hours=2), ENGLISH
        ),
        "subscriptions_ko": lambda: subscriptions_card(
            [(exchange, contoso), (everyone, None)],
            KOREAN("where.channel"),
            DEMO_NOW + timedelta(hours=2),
            KOREAN,
        ),
        "subscriptions_none": lambda: subscriptions_card([], "this chat", None, ENGLISH),
        "notices": lambda: notices_card(
            [(active, [contoso, woodgrove], [delivered, held, refused]), (resolved, [contoso], [])],
            "19:ops",
            "",
            DEMO_NOW,
            ENGLISH,
        ),
        "notices_ko": lambda: notices_card(
            [(active, [contoso, woodgrove], [delivered, held, refused]), (resolved, [contoso], [])],
            "19:ops",
            "",
            DEMO_NOW,
            KOREAN,
        ),
    }


def _settings_cards() -> dict[str, Callable[[], AdaptiveCard]]:
    """`import`'s answers: the most problems a document can name, and a long list of changes."""
    problems = [
        SettingsProblem(
            f"subscriptions[{n}].services[0]", f"no service called 'Exchnage {n}' for this customer."
        )
        for n in range(600)
    ]
    sections = [
        ChangeSection(
            ENGLISH("import.added"),
            tuple(f"Customer {n:03}: Both (Exchange Online, Microsoft Teams)" for n in range(500)),
        ),
        ChangeSection(KOREAN("import.owners"), tuple(f"고객 {n}: 벤 이토 (지금 없음)" for n in range(3))),
    ]
    shared = [ENGLISH("import.owners_shared"), KOREAN("import.owners_shared")]
    return {
        "settings_problems": lambda: settings_problems_card(problems, ENGLISH),
        "settings_problems_ko": lambda: settings_problems_card(problems[:3], KOREAN),
        "settings_changes": lambda: settings_changes_card("0" * 32, "import", sections, shared[:1], ENGLISH),
        "settings_changes_ko": lambda: settings_changes_card(
            "0" * 32, "import", sections[1:], shared[1:], KOREAN
        ),
    }


def _azure_cards() -> dict[str, Callable[[], AdaptiveCard]]:
    """Azure service health (cards/azure.py) from the demo's ARM-shaped data."""
    backend = demo_backend()
    customers = asyncio.run(backend.list_customers())
    by_name = {c.name: c for c in customers}
    contoso = by_name["Contoso Ltd"]
    contoso_health = asyncio.run(backend.tenant_health(contoso))
    azure = asyncio.run(backend.azure_health(contoso))
    woodgrove = asyncio.run(backend.azure_health(by_name["Woodgrove Bank"]))
    lookup = asyncio.run(find_azure_event(backend, "VNL2-8S8"))
    huge = replace(
        lookup,
        event=replace(
            lookup.event,
            updates=tuple(AzureUpdate(DEMO_NOW, "A long update. " * 300, "East US") for _ in range(40)),
        ),
    )
    everyone = [asyncio.run(backend.azure_health(c)) for c in customers]
    healths = [asyncio.run(backend.tenant_health(c)) for c in customers if c.delegated_access]

    notice_customers = [contoso, by_name["Woodgrove Bank"]]
    notice = Notice(
        as_incident(lookup.event, DEMO_NOW),
        tuple(c.customer_id for c in notice_customers),
        2,
        ChangeKind.SPREAD,
        DEMO_NOW,
        DEMO_NOW,
    )

    def overview(t: Translator) -> AdaptiveCard:
        section = overview_azure_section(across_customers(everyone), DEMO_NOW, t)
        return overview_card(overview_rows(healths), len(healths), 2, DEMO_NOW, t, azure=section)

    return {
        "health_azure": lambda: health_card(contoso_health, ENGLISH, azure=azure, may_file=True),
        "health_azure_ko": lambda: health_card(contoso_health, KOREAN, azure=azure, may_file=True),
        "azure_events": lambda: azure_events_card(woodgrove, list_azure_events(woodgrove), DEMO_NOW, ENGLISH),
        "azure_events_ko": lambda: azure_events_card(
            woodgrove, list_azure_events(woodgrove), DEMO_NOW, KOREAN
        ),
        "azure_events_all": lambda: azure_events_card(
            azure, list_azure_events(azure, include_resolved=True), DEMO_NOW, ENGLISH, include_resolved=True
        ),
        "azure_event": lambda: azure_event_card(lookup, DEMO_NOW, ENGLISH, may_file=True),
        "azure_event_ko": lambda: azure_event_card(lookup, DEMO_NOW, KOREAN, may_file=True),
        "azure_event_huge": lambda: azure_event_card(huge, DEMO_NOW, ENGLISH, may_file=True),
        "azure_event_huge_ko": lambda: azure_event_card(huge, DEMO_NOW, KOREAN, may_file=True),
        "escalation_guard_azure": lambda: guard_card(
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "guard",
            "Contoso Ltd",
            lookup.event,
            ENGLISH("escalation.guard_question", customer="Contoso Ltd"),
            ENGLISH,
        ),
        "escalation_guard_azure_ko": lambda: guard_card(
            "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "guard",
            "Contoso Ltd",
            lookup.event,
            KOREAN("escalation.guard_question", customer="Contoso Ltd"),
            KOREAN,
        ),
        "incident_notice_azure": lambda: incident_notice_card(notice, notice_customers, DEMO_NOW, ENGLISH),
        "incident_notice_azure_ko": lambda: incident_notice_card(notice, notice_customers, DEMO_NOW, KOREAN),
        "overview_azure": lambda: overview(ENGLISH),
        "overview_azure_ko": lambda: overview(KOREAN),
    }


CARDS = {**_world(), **_notification_cards(), **_settings_cards(), **_azure_cards()}
SNAPSHOTTED = (
    "incident_notice_owners_ko",
    "notice_digest_owners",
    "owners_set_ko",
    "mine_ko",
    "changes_ko",
    "change_ko",
    "changes_due_ko",
    "changes",
    "change",
    "changes_due",
    "incident_notice_ko",
    "incident_notice_resolved_ko",
    "notice_digest_ko",
    "escalation_question_ko",
    "escalation_guard_ko",
    "escalation_summary_ko",
    "escalation_receipt_ko",
    "escalation_handoff_ko",
    "escalation_form_ko",
    "audit_ko",
    "service_requests_ko",
    "service_request_ko",
    "notices_ko",
    "subscribed_ko",
    "subscriptions_ko",
    "overview_ko",
    "customers_ko",
    "choice_ko",
    "did_you_mean_ko",
    "incidents_ko",
    "incident_ko",
    "help_ko",
    "help_section_ko",
    "health_ko",
    "incident_notice",
    "incident_notice_resolved",
    "notice_digest",
    "overview",
    "subscriptions",
    "notices",
    "help",
    "audit",
    "notice",
    "customers",
    "choice",
    "did_you_mean",
    "health",
    "incidents",
    "incident",
    "escalation_question",
    "escalation_guard",
    "escalation_summary",
    "escalation_receipt",
    "escalation_handoff",
    "service_requests",
    "service_request",
    "escalation_form",
    "health_azure",
    "azure_event_ko",
    "overview_azure",
    "incident_notice_azure_ko",
)
