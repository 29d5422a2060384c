"""Charts on the overview, health, incident and requests cards: they count what the card lists, their
text fallback says the same counts, they validate against Teams' chart schema, and no input makes a card
too big."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.charts import LABEL_LIMIT, LEVEL_WORDS, MAX_BARS, MAX_UPDATES, level_colour, timeline_chart
from cards.escalation import REQUESTS_PAGE_SIZE, RequestsPage, requests_card
from cards.health import health_card
from cards.incidents import incident_card
from cards.notifications import MAX_OVERVIEW_ROWS, overview_card, overview_rows
from cards.parts import card_payload, status_label
from chatclient.card_text import render_card
from locales.translator import ENGLISH, Translator
from services.domain.models import (
    Contact,
    Customer,
    Incident,
    IncidentLookup,
    IncidentPost,
    OpenRequestCounts,
    RequestStatus,
    ServiceHealth,
    ServiceRequest,
    ServiceStatus,
    Severity,
    StatusLevel,
    SupportTopic,
    TenantHealth,
)
from tests.cards.card_schema import CHART_KINDS, VALIDATOR
from tests.cards.examples import CARDS, KOREAN
from tests.support.harness import DEMO_NOW

SNAPSHOTS = Path(__file__).parent / "snapshots"
SCHEMA_1_5 = jsonschema.Draft6Validator(
    json.loads((Path(__file__).parent / "schema" / "adaptive-card-1.5.json").read_text(encoding="utf-8"))
)
MAX_CARD_BYTES = 28 * 1024
LANGUAGES = [ENGLISH, KOREAN]
# Graph's statuses, and one it may add later (shown as Graph names it).
STATUS_CODES = [
    "serviceOperational",
    "investigating",
    "restoringService",
    "serviceDegradation",
    "serviceInterruption",
    "extendedRecovery",
    "falsePositive",
    "mitigated",
    "confirmed",
    "someNewStatus",
]
CARDS_WITH_CHARTS: tuple[str, ...] = (
    "overview",
    "overview_ko",
    "health",
    "health_ko",
    "incident",
    "incident_ko",
)
CARDS_WITH_CHARTS += ("service_requests", "service_requests_ko")


def _charts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Chart."):
            yield node
        for value in node.values():
            yield from _charts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _charts(value)


def _facts(chart: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(bar, label, value) of every count the chart draws, read from its JSON as Teams reads it."""
    if chart["type"] == "Chart.HorizontalBar.Stacked":
        return [(row.get("title", ""), p["legend"], p["value"]) for row in chart["data"] for p in row["data"]]
    return [("", point["x"], point["y"]) for point in chart["data"]]


def _fallback(chart: dict[str, Any]) -> str:
    return render_card({"body": [chart["fallback"]]}).text


def _said(chart: dict[str, Any], t: Translator) -> str:
    """What the fallback must say: the chart's title, then each of its counts as a number in words."""
    rows: dict[str, list[str]] = {}
    for bar, label, value in _facts(chart):
        # A chart of one stacked bar names the bar as the chart; its fallback says the title once.
        rows.setdefault("" if bar == chart["title"] else bar, []).append(f"{label}: {t.number(value)}")
    said = " · ".join(f"{bar} ({', '.join(f)})" if bar else ", ".join(f) for bar, f in rows.items())
    return f"{chart['title']} · {said}"


def _customer(n: int) -> Customer:
    return Customer(f"c{n}", f"t{n}", f"Customer {n:04d}", f"c{n}.onmicrosoft.com", "reseller", True)


def _incident(number: int, service: str, code: str, posts: tuple[IncidentPost, ...] = ()) -> Incident:
    start = DEMO_NOW - timedelta(hours=30)
    return Incident(
        f"EX{number}", "Mail is slow", service, "", "", ServiceStatus(code), "incident", "", start, None,
        DEMO_NOW, False, posts,
    )  # fmt: skip


def _request(
    n: int, status: RequestStatus, severity: Severity, title: str = "Mail is slow"
) -> ServiceRequest:
    return ServiceRequest(
        f"26112400100{n:05d}", "c1", "Customer 0001", SupportTopic("1", "Exchange Online", "Mail flow"),
        severity, title, "", Contact("Ana", "ana@contoso.com", ""), status, DEMO_NOW, DEMO_NOW,
    )  # fmt: skip


# --- the fallback says what the chart shows -------------------------------------------------------------


@pytest.mark.parametrize("name", CARDS_WITH_CHARTS)
def test_each_chart_on_the_reviewed_cards_has_a_fallback_with_its_counts(name: str) -> None:
    charts = list(_charts(card_payload(CARDS[name]())))
    assert charts, f"{name} has no chart"
    t = KOREAN if name.endswith("_ko") else ENGLISH
    for chart in charts:
        if chart["type"] == "Chart.VerticalBar":  # the timeline says each time in words: its own test
            continue
        assert _fallback(chart) == _said(chart, t)


@pytest.mark.parametrize("name", CARDS_WITH_CHARTS)
def test_the_txt_rendering_of_a_card_shows_each_charts_fallback(name: str) -> None:
    """The terminal client and the reviewed .txt files show what a host without charts shows."""
    payload = json.loads((SNAPSHOTS / f"{name}.json").read_text(encoding="utf-8"))
    text = (SNAPSHOTS / f"{name}.txt").read_text(encoding="utf-8")
    charts = list(_charts(payload))
    assert charts
    for chart in charts:
        assert _fallback(chart) in text.splitlines()
    assert render_card(payload).text + "\n" == text


@settings(max_examples=60, deadline=None)
@given(
    statuses=st.lists(st.sampled_from(STATUS_CODES), min_size=1, max_size=40),
    t=st.sampled_from(LANGUAGES),
)
def test_health_chart_counts_every_service_once_by_its_status(statuses: list[str], t: Translator) -> None:
    services = tuple(ServiceHealth(f"s{n}", f"Service {n}", ServiceStatus(c)) for n, c in enumerate(statuses))
    health = TenantHealth(_customer(1), services, DEMO_NOW)
    (chart,) = _charts(card_payload(health_card(health, t, may_file=True)))
    facts = _facts(chart)
    assert sum(value for _, _, value in facts) == len(services)
    expected = {status_label(s.status, t): level_colour(s.status.level) for s in services}
    assert {label: p["color"] for p in chart["data"][0]["data"] for label in [p["legend"]]} == expected
    levels = [next(s.status.level for s in services if status_label(s.status, t) == f[1]) for f in facts]
    assert levels == sorted(levels, reverse=True), "worst first"
    assert _fallback(chart) == _said(chart, t)


@st.composite
def _customers_with_incidents(draw: st.DrawFn) -> list[TenantHealth]:
    """Customers, some sharing an incident (one Microsoft incident seen in several tenants)."""
    shared = [
        _incident(n, draw(st.sampled_from(["Exchange Online", "Teams", "SharePoint"])), "investigating")
        for n in range(3)
    ]
    healths = []
    for n in range(draw(st.integers(1, 12))):
        own = [
            _incident(100 * n + k, f"Service {draw(st.integers(0, 9))}", draw(st.sampled_from(STATUS_CODES)))
            for k in range(draw(st.integers(0, 3)))
        ]
        mine = own + draw(st.lists(st.sampled_from(shared), unique_by=lambda i: i.incident_id, max_size=3))
        by_service: dict[str, list[Incident]] = {}
        for incident in mine:
            by_service.setdefault(incident.service, []).append(incident)
        services = tuple(
            ServiceHealth(name, name, ServiceStatus("investigating"), tuple(found))
            for name, found in by_service.items()
        )
        healths.append(TenantHealth(_customer(n), services, DEMO_NOW))
    return healths


@settings(max_examples=60, deadline=None)
@given(healths=_customers_with_incidents(), healthy=st.integers(0, 5), t=st.sampled_from(LANGUAGES))
def test_overview_charts_count_customers_by_worst_status_and_each_incident_once(
    healths: list[TenantHealth], healthy: int, t: Translator
) -> None:
    rows = overview_rows(healths)
    readable = len(healths) + healthy
    charts = list(_charts(card_payload(overview_card(rows, readable, 0, DEMO_NOW, t))))
    if not rows:
        assert charts == []
        return
    by_worst, by_service = charts
    worst = {label: value for _, label, value in _facts(by_worst)}
    assert sum(worst.values()) == readable
    for level in StatusLevel:
        # A customer without active incidents counts as operational, as does one whose incidents are
        # all at an operational status (restored, not yet closed): the list shows it in the same colour.
        healthy_ones = readable - len(rows) if level == StatusLevel.OPERATIONAL else 0
        assert worst.get(t(LEVEL_WORDS[level]), 0) == sum(r.worst == level for r in rows) + healthy_ones
    distinct = {i.incident_id for h in healths for i in h.incidents if not i.is_resolved}
    assert sum(value for _, _, value in _facts(by_service)) == len(distinct)
    assert len(by_service["data"]) <= MAX_BARS
    for chart in charts:
        assert _fallback(chart) == _said(chart, t)


def test_timeline_chart_shows_hours_from_start_to_each_update_and_says_them_in_words() -> None:
    offsets = [timedelta(minutes=m) for m in (12, 132, 312, 1500)]
    incident = _incident(1, "Exchange Online", "investigating")
    posts = tuple(IncidentPost(incident.start + d, "update") for d in reversed(offsets))  # newest first
    for t in LANGUAGES:
        (element,) = timeline_chart(replace(incident, posts=posts), t)
        chart = card_payload(element)
        assert [p["y"] for p in chart["data"]] == [0.2, 2.2, 5.2, 25.0]  # oldest first, in hours
        spans = [t.span(incident.start, incident.start + d) for d in offsets]
        update = t("chart.timeline_x")
        facts = ", ".join(f"{update} {n}: {span}" for n, span in enumerate(spans, 1))
        assert _fallback(chart) == f"{t('chart.timeline')} · {facts}"


def test_timeline_chart_needs_two_updates_and_shows_only_the_latest() -> None:
    incident = _incident(1, "Exchange Online", "investigating")
    one = (IncidentPost(incident.start, "first"),)
    assert timeline_chart(replace(incident, posts=one), ENGLISH) == []
    many = tuple(IncidentPost(incident.start + timedelta(hours=h), "u") for h in range(MAX_UPDATES + 5))
    chart = card_payload(timeline_chart(replace(incident, posts=many), ENGLISH)[0])
    assert [p["x"] for p in chart["data"]] == [str(n) for n in range(6, MAX_UPDATES + 6)]
    assert chart["data"][-1]["y"] == MAX_UPDATES + 4


OPEN = [s for s in RequestStatus if s is not RequestStatus.CLOSED]


@settings(max_examples=80, deadline=None)
@given(
    counts=st.dictionaries(
        st.tuples(st.sampled_from(OPEN), st.sampled_from(list(Severity))), st.integers(1, 5000), max_size=12
    ),
    listed=st.integers(0, REQUESTS_PAGE_SIZE),
    t=st.sampled_from(LANGUAGES),
)
def test_requests_chart_draws_every_open_count_the_desk_gave_and_its_fallback_says_them(
    counts: dict[tuple[RequestStatus, Severity], int], listed: int, t: Translator
) -> None:
    """Whatever page the card lists (here `listed` requests, all closed), the chart is the desk's counts:
    a bar per status, a segment per severity, and the fallback says each count in the reader's language."""
    page = [_request(n, RequestStatus.CLOSED, Severity.MINIMAL) for n in range(listed)]
    payload = card_payload(
        requests_card(
            page, DEMO_NOW, t, page=RequestsPage(total=5 * REQUESTS_PAGE_SIZE), open_requests=counts
        )
    )
    charts = list(_charts(payload))
    if not counts:
        assert charts == []
        return
    (chart,) = charts
    assert chart["title"] == t("chart.requests")
    expected = [
        (t(f"request_status.{status.value}"), t(f"severity.{severity.value}"), n)
        for (status, severity), n in counts.items()
    ]
    assert sorted(_facts(chart)) == sorted(expected)
    assert _fallback(chart) == _said(chart, t)
    for (_status, severity), n in counts.items():
        assert f"{t(f'severity.{severity.value}')}: {t.number(n)}" in _fallback(chart)


def test_requests_chart_counts_all_open_requests_not_the_page_and_never_says_this_page() -> None:
    requests = [_request(n, RequestStatus.OPEN, Severity.MODERATE) for n in range(REQUESTS_PAGE_SIZE)]
    page = RequestsPage(total=3 * REQUESTS_PAGE_SIZE, number=2)
    counts = {
        (RequestStatus.OPEN, Severity.MODERATE): 24,
        (RequestStatus.ATTENTION_NEEDED, Severity.CRITICAL): 3,
    }
    for t in LANGUAGES:
        card = requests_card(requests, DEMO_NOW, t, page=page, open_requests=counts)
        (chart,) = _charts(card_payload(card))
        assert chart["title"] == t("chart.requests")
        assert sum(value for _, _, value in _facts(chart)) == 27
        assert _fallback(chart).startswith(t("chart.requests"))


def test_no_chart_when_nothing_is_open_or_troubled() -> None:
    closed = [_request(1, RequestStatus.CLOSED, Severity.CRITICAL)]
    assert not list(_charts(card_payload(requests_card(closed, DEMO_NOW, ENGLISH, open_requests={}))))
    assert not list(_charts(card_payload(overview_card([], 22, 0, DEMO_NOW, ENGLISH))))


# --- where the charts sit ---------------------------------------------------------------------------------


def _kinds(payload: dict[str, Any]) -> list[str]:
    return [str(e["type"]) for e in payload["body"]]


@pytest.mark.parametrize("name", ["overview", "health", "service_requests"])
def test_charts_sit_between_the_subtitle_and_the_list(name: str) -> None:
    kinds = _kinds(card_payload(CARDS[name]()))
    first = next(n for n, k in enumerate(kinds) if k.startswith("Chart."))
    assert kinds[:first] == ["TextBlock", "TextBlock"]  # heading and subtitle
    rest = kinds[first:]
    charts = [k for k in rest if k.startswith("Chart.")]
    assert rest[: len(charts)] == charts and 1 <= len(charts) <= 2


def test_incident_chart_comes_after_the_facts_and_the_admin_center_button_and_only_on_wide_cards() -> None:
    payload = card_payload(CARDS["incident"]())
    kinds = _kinds(payload)
    chart = kinds.index("Chart.VerticalBar")
    assert kinds.index("FactSet") < chart and kinds.index("ActionSet") < chart
    # It is tall; on a narrow card the updates below, each with its time, say the same.
    assert payload["body"][chart]["targetWidth"] == "atLeast:Standard"
    assert "fallback" in payload["body"][chart] and "targetWidth" not in payload["body"][chart]["fallback"]


# --- size with the largest inputs -------------------------------------------------------------------------


def _valid_and_small(payload: dict[str, Any]) -> None:
    errors = list(VALIDATOR.iter_errors(payload))
    assert not errors, errors[0].message[:300]
    assert len(json.dumps(payload, ensure_ascii=False).encode("utf-8")) < MAX_CARD_BYTES


@pytest.mark.parametrize("t", LANGUAGES, ids=["en", "ko"])
def test_overview_of_1000_customers_over_many_services_fits(t: Translator) -> None:
    long = "Microsoft 365 service with a very long name that Graph might send " * 3
    healths = [
        TenantHealth(
            _customer(n),
            (
                ServiceHealth(
                    "s",
                    f"{long}{n % 80}",
                    ServiceStatus("investigating"),
                    (_incident(n, f"{long}{n % 80}", STATUS_CODES[n % len(STATUS_CODES)]),),
                ),
            ),
            DEMO_NOW,
        )  # fmt: skip
        for n in range(1000)
    ]
    payload = card_payload(overview_card(overview_rows(healths), 1000, 0, DEMO_NOW, t))
    _valid_and_small(payload)
    by_worst, by_service = _charts(payload)
    assert len(by_service["data"]) == MAX_BARS
    assert all(len(label) <= LABEL_LIMIT for _, label, _ in _facts(by_service)), "long names are cut"
    assert sum(value for _, _, value in _facts(by_service)) == 1000
    assert _fallback(by_service) == _said(by_service, t)
    listed = render_card(payload).text
    assert listed.count("[") == MAX_OVERVIEW_ROWS  # one Health button per listed customer
    assert t.count("overview.more_troubled", 1000 - MAX_OVERVIEW_ROWS) in listed


@pytest.mark.parametrize("t", LANGUAGES, ids=["en", "ko"])
def test_health_of_many_services_in_many_statuses_fits(t: Translator) -> None:
    """Twice the services Microsoft 365 reports (about 40), each troubled, in 40 statuses (30 of them new
    to us): the chart, one segment per status, stays small and the card within budget."""
    codes = STATUS_CODES + [f"newStatus{n}" for n in range(30)]
    services = tuple(
        ServiceHealth(f"s{n}", f"Service {n} " + "x" * 80, ServiceStatus(codes[n % len(codes)]))
        for n in range(80)
    )
    payload = card_payload(health_card(TenantHealth(_customer(1), services, DEMO_NOW), t, may_file=True))
    _valid_and_small(payload)
    (chart,) = _charts(payload)
    assert sum(value for _, _, value in _facts(chart)) == 80
    assert len(json.dumps(chart, ensure_ascii=False).encode("utf-8")) < 4 * 1024


@pytest.mark.parametrize("t", LANGUAGES, ids=["en", "ko"])
def test_incident_with_hundreds_of_long_updates_fits(t: Translator) -> None:
    incident = _incident(1, "Exchange Online", "investigating")
    posts = tuple(IncidentPost(incident.start + timedelta(minutes=7 * n), "Long. " * 400) for n in range(300))
    lookup = IncidentLookup(replace(incident, posts=posts), _customer(1), ())
    payload = card_payload(incident_card(lookup, DEMO_NOW, t, may_file=True))
    _valid_and_small(payload)
    (chart,) = _charts(payload)
    assert len(chart["data"]) == MAX_UPDATES


@pytest.mark.parametrize("t", LANGUAGES, ids=["en", "ko"])
def test_a_full_page_of_requests_fits(t: Translator) -> None:
    requests = [
        _request(n, list(RequestStatus)[n % 5], list(Severity)[n % 3], "Long title " * 40)
        for n in range(REQUESTS_PAGE_SIZE)
    ]
    counts: OpenRequestCounts = {(status, severity): 999_999 for status in OPEN for severity in Severity}
    page = RequestsPage(total=10_000)
    _valid_and_small(card_payload(requests_card(requests, DEMO_NOW, t, page=page, open_requests=counts)))


# --- the schema -------------------------------------------------------------------------------------------

# One element of each kind, in the shapes the examples on Microsoft's charts page use.
DOCUMENTED: dict[str, dict[str, Any]] = {
    "Chart.Donut": {"data": [{"legend": "Pear", "value": 59}, {"legend": "Kiwi", "value": 179}]},
    "Chart.Pie": {"colorSet": "categorical", "data": [{"legend": "Pear", "value": 59}]},
    "Chart.Gauge": {
        "value": 35,
        "valueFormat": "fraction",
        "segments": [{"legend": "Used", "size": 35}, {"legend": "Unused", "size": 65, "color": "neutral"}],
    },
    "Chart.VerticalBar.Grouped": {
        "stacked": True,
        "xAxisTitle": "Days",
        "data": [{"legend": "Outlook", "values": [{"x": "2023-05-01", "y": 24}]}],
    },
    "Chart.HorizontalBar": {"displayMode": "PartToWhole", "color": "categoricalPurple",
                            "data": [{"x": "Yes", "y": 15}]},
    "Chart.HorizontalBar.Stacked": {
        "title": "Sample",
        "data": [{"title": "Outlook", "data": [{"legend": "2023-05-01", "value": 24, "color": "good"}]}],
    },
    "Chart.Line": {"colorSet": "categorical",
                   "data": [{"legend": "Teams", "values": [{"x": "2023-05-01", "y": 12}]}]},
    "Chart.VerticalBar": {"yAxisTitle": "Sales", "data": [{"x": "Pear", "y": 59}]},
}  # fmt: skip


def _card(*body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body)}


def test_the_schema_knows_every_chart_teams_documents() -> None:
    assert set(DOCUMENTED) == set(CHART_KINDS)


@pytest.mark.parametrize("kind", sorted(DOCUMENTED))
def test_each_documented_chart_validates_with_the_chart_schema_only(kind: str) -> None:
    card = _card({"type": kind, **DOCUMENTED[kind]})
    assert not list(VALIDATOR.iter_errors(card))
    assert list(SCHEMA_1_5.iter_errors(card)), "Adaptive Cards 1.5 alone has no charts"


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.update(sparkle=True),  # a property the page doesn't list
        lambda c: c["data"][0].update(color="purple"),  # a colour that isn't one of Teams' chart colours
        lambda c: c["data"][0].pop("y"),  # a bar without its value
        lambda c: c.update(fallback={"type": "TextBlock"}),  # a fallback that isn't a valid element
        lambda c: c.update(spacing="Huge"),
    ],
    ids=["unknown property", "unknown colour", "bar without value", "invalid fallback", "bad spacing"],
)
def test_the_chart_schema_rejects_what_the_page_does_not_allow(change: Any) -> None:
    chart = copy.deepcopy({"type": "Chart.VerticalBar", **DOCUMENTED["Chart.VerticalBar"]})
    change(chart)
    assert list(VALIDATOR.iter_errors(_card(chart)))


@pytest.mark.parametrize("name", CARDS_WITH_CHARTS)
def test_every_chart_we_send_is_one_the_schema_checks(name: str) -> None:
    """A chart kind outside the schema would pass only if the schema let unknown elements through."""
    for chart in _charts(card_payload(CARDS[name]())):
        assert chart["type"] in CHART_KINDS
        broken = copy.deepcopy(chart)
        broken["data"] = [{"nonsense": 1}]
        assert list(VALIDATOR.iter_errors(_card(broken)))
