"""Charts above a card's list, so people see at a glance what the rows then say one by one.

Teams draws `Chart.*` elements in Adaptive Cards (learn.microsoft.com/microsoftteams/platform/
task-modules-and-cards/cards/charts-in-adaptive-cards); a host that can't renders each chart's `fallback`,
which here is a TextBlock with the same counts in words. Every chart is built from counts by one of two
builders below, so a chart and its fallback can't say different things. Charts are kept short (a single
stacked bar where a whole is split, a few bars where things are compared) so that on a narrow card the list
still starts near the top.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from microsoft_teams.cards import (
    CardElement,
    HorizontalBarChart,
    HorizontalBarChartDataValue,
    StackedHorizontalBarChart,
    StackedHorizontalBarChartData,
    StackedHorizontalBarChartDataPoint,
    TextBlock,
    VerticalBarChart,
    VerticalBarChartDataValue,
)
from microsoft_teams.cards.core import ChartColor, TextColor

from cards.parts import STATUS_COLOURS, echo, safe, status_label
from locales.translator import Translator
from services.domain.models import (
    Incident,
    IncidentPost,
    OpenRequestCounts,
    RequestStatus,
    ServiceHealth,
    Severity,
    StatusLevel,
)

# The chart colour of each text colour our cards give a status (Teams' chart colours are their own set).
_CHART_COLOURS: dict[TextColor, ChartColor] = {
    "Attention": "attention",
    "Warning": "warning",
    "Good": "good",
    "Default": "neutral",
    "Accent": "categoricalBlue",
}
SEVERITY_COLOURS: dict[Severity, ChartColor] = {
    Severity.CRITICAL: "attention",
    Severity.MODERATE: "warning",
    Severity.MINIMAL: "neutral",
}
# A customer's worst status in the words the cards already use for it.
LEVEL_WORDS: dict[StatusLevel, str] = {
    StatusLevel.INTERRUPTED: "status.serviceinterruption",
    StatusLevel.DEGRADED: "status.servicedegradation",
    StatusLevel.INFORMATIONAL: "incidents.kind_advisory",
    StatusLevel.OPERATIONAL: "status.serviceoperational",
}
# More bars than this and a narrow card's list starts below the fold: the rest become one "others" bar.
MAX_BARS = 5
# A label (a service's name, from Graph) is cut to this, so no name can crowd a chart or grow the card.
LABEL_LIMIT = 40
# The latest updates the timeline chart shows; a longer one is in the list below it.
MAX_UPDATES = 12


def level_colour(level: StatusLevel) -> ChartColor:
    return _CHART_COLOURS[STATUS_COLOURS[level]]


@dataclass(frozen=True)
class Count:
    """One bar or one segment: what it counts, how many, its colour, and the value as words say it
    (`shown`; the number in the reader's language when empty)."""

    label: str
    value: float
    colour: ChartColor | None = None
    shown: str = ""


@dataclass(frozen=True)
class Row:
    """One stacked bar: a whole (`title`, may be empty for a chart of one bar) split into counts."""

    title: str
    counts: Sequence[Count] = field(default_factory=tuple)


def _shown(counts: Iterable[Count]) -> list[Count]:
    """The counts a chart draws: none of nothing, each label on one line of at most LABEL_LIMIT."""
    return [replace(c, label=echo(c.label, LABEL_LIMIT)) for c in counts if c.value > 0]


def _value(count: Count, t: Translator) -> str:
    return count.shown or t.number(count.value)


def _facts(counts: Iterable[Count], t: Translator, label_title: str = "") -> str:
    """`label_title`: what the labels are, when a label alone (a number) wouldn't say ('Update 2')."""
    prefix = f"{label_title} " if label_title else ""
    return ", ".join(f"{prefix}{c.label}: {_value(c, t)}" for c in counts)


def _fallback(title: str, facts: str) -> TextBlock:
    """What a host without charts shows instead: the chart's title and every count it draws."""
    return TextBlock(text=safe(f"{title} · {facts}"), wrap=True, is_subtle=True, spacing="Small")


def bar_chart(
    title: str,
    counts: Sequence[Count],
    t: Translator,
    *,
    vertical: bool = False,
    x_title: str = "",
    y_title: str = "",
    wide_only: bool = False,
) -> CardElement:
    """One bar per count, side by side (`vertical`) or one under another. `wide_only`: drawn on cards of
    standard width and wider only (a vertical chart is tall: on a narrow card it would push what follows
    out of view); hosts without charts show the fallback at every width."""
    counts = _shown(counts)
    fallback = _fallback(title, _facts(counts, t, x_title))
    axes = {"x_axis_title": x_title or None, "y_axis_title": y_title or None}
    if vertical:
        return VerticalBarChart(
            title=title,
            data=[VerticalBarChartDataValue(x=c.label, y=c.value, color=c.colour) for c in counts],
            fallback=fallback,
            spacing="Small",
            target_width="atLeast:Standard" if wide_only else None,
            **axes,
        )
    # Without an axis each bar shows its count; an axis has six ticks: fractions (0.33) for small counts.
    return HorizontalBarChart(
        title=title,
        display_mode="AbsoluteNoAxis",
        data=[HorizontalBarChartDataValue(x=c.label, y=c.value, color=c.colour) for c in counts],
        fallback=fallback,
        spacing="Small",
        **axes,
    )


def stacked_chart(title: str, rows: Sequence[Row], t: Translator) -> CardElement:
    """One thin bar per row, split into its counts: the most compact way to show parts of a whole."""
    rows = [Row(echo(r.title, LABEL_LIMIT), _shown(r.counts)) for r in rows]
    rows = [r for r in rows if r.counts]
    facts = " · ".join(f"{r.title} ({_facts(r.counts, t)})" if r.title else _facts(r.counts, t) for r in rows)
    return StackedHorizontalBarChart(
        title=title,
        data=[
            StackedHorizontalBarChartData(
                # Renderers draw a bar's title but not always the chart's: a lone bar carries the chart's.
                title=r.title or (title if len(rows) == 1 else None),
                data=[
                    StackedHorizontalBarChartDataPoint(legend=c.label, value=c.value, color=c.colour)
                    for c in r.counts
                ],
            )
            for r in rows
        ],
        fallback=_fallback(title, facts),
        spacing="Small",
    )


def _capped(counts: list[Count], t: Translator) -> list[Count]:
    """The largest MAX_BARS - 1 counts and one bar for the rest, when there are more than MAX_BARS."""
    if len(counts) <= MAX_BARS:
        return counts
    kept, rest = counts[: MAX_BARS - 1], counts[MAX_BARS - 1 :]
    others = Count(t.count("chart.other_services", len(rest)), sum(c.value for c in rest), "neutral")
    return [*kept, others]


def overview_charts(
    troubled: Sequence[tuple[StatusLevel, Sequence[Incident]]], readable: int, t: Translator
) -> list[CardElement]:
    """`troubled`: each customer with active incidents, its worst status and those incidents;
    `readable`: how many customers' health was read (the rest of them have no active incidents)."""
    if not troubled:
        return []
    worst = Counter(level for level, _ in troubled)
    worst[StatusLevel.OPERATIONAL] += max(0, readable - len(troubled))
    customers = Row(
        "",
        [
            Count(t(LEVEL_WORDS[level]), worst[level], level_colour(level))
            for level in sorted(StatusLevel, reverse=True)
        ],
    )
    incidents = {i.incident_id: i for _, active in troubled for i in active}
    by_service: dict[str, list[Incident]] = {}
    for incident in incidents.values():
        by_service.setdefault(incident.service, []).append(incident)
    services = [
        Count(service, len(found), level_colour(max(i.status.level for i in found)))
        for service, found in sorted(by_service.items(), key=lambda s: (-len(s[1]), s[0].casefold()))
    ]
    return [
        stacked_chart(t("chart.overview_customers"), [customers], t),
        bar_chart(t("chart.overview_services"), _capped(services, t), t),
    ]


def health_chart(services: Sequence[ServiceHealth], t: Translator) -> list[CardElement]:
    """The customer's services split by status, worst first, in the status words of the rows below."""
    if not services:
        return []
    by_status = Counter((s.status.level, status_label(s.status, t)) for s in services)
    counts = [
        Count(word, n, level_colour(level))
        for (level, word), n in sorted(by_status.items(), key=lambda s: (-s[0][0], s[0][1].casefold()))
    ]
    return [stacked_chart(t("chart.health_services"), [Row("", counts)], t)]


def timeline_chart(incident: Incident, t: Translator) -> list[CardElement]:
    """How long after the start each update came, oldest first: whether updates are regular or the
    incident has gone quiet. Only worth a chart from two updates on."""
    posts: list[IncidentPost] = sorted(incident.posts, key=lambda p: p.created)[-MAX_UPDATES:]
    if len(posts) < 2:
        return []
    first = len(incident.posts) - len(posts) + 1

    def since_start(moment: datetime) -> float:
        return round(max(0.0, (moment - incident.start).total_seconds()) / 3600, 1)

    counts = [
        Count(
            t.number(first + n), since_start(p.created), "categoricalBlue", t.span(incident.start, p.created)
        )
        for n, p in enumerate(posts)
    ]
    return [
        bar_chart(
            t("chart.timeline"),
            counts,
            t,
            vertical=True,
            x_title=t("chart.timeline_x"),
            y_title=t("chart.timeline_y"),
            # Each update below carries its time too: a narrow card loses no fact without the chart.
            wide_only=True,
        )
    ]


OPEN_STATUSES = (
    RequestStatus.ATTENTION_NEEDED,
    RequestStatus.AWAITING_NUMBER,
    RequestStatus.OPEN,
    RequestStatus.MICROSOFT_RESPONDED,
)


def requests_chart(open_requests: OpenRequestCounts, t: Translator) -> list[CardElement]:
    """A bar per open status, split by severity: every open request the desk counted (ServiceRequestDesk.
    open_request_counts), whichever page of them the card lists."""
    if not any(open_requests.get((status, s), 0) for status in OPEN_STATUSES for s in Severity):
        return []
    rows = [
        Row(
            t(f"request_status.{status.value}"),
            [
                Count(t(f"severity.{s.value}"), open_requests.get((status, s), 0), SEVERITY_COLOURS[s])
                for s in Severity
            ],
        )
        for status in OPEN_STATUSES
    ]
    return [stacked_chart(t("chart.requests"), rows, t)]
