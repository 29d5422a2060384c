"""A scripted, deterministic simulation that makes the demo backend's service health move.

Without it the demo data is a still photograph, and proactive notifications would need a set-up to show
anything. Each tick applies the next step of a fixed script. Every new or changed incident is written as a
raw Graph `serviceHealthIssue` and parsed by `services.backends.graph.parsing`, so the demo exercises the same
shapes (and the same parser) as live data. The script cycles forever; each cycle's incidents get new ids,
so an id never comes back after it was resolved.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from services.backends.demo.backend import DemoBackend
from services.backends.graph.message_parsing import parse_message
from services.backends.graph.parsing import parse_issue
from services.domain.errors import SupportDeskError
from services.domain.models import Customer, Incident, ServiceHealth, ServiceStatus

logger = logging.getLogger(__name__)

# Microsoft's incident-id prefix for each service id in a health overview.
_ID_PREFIX = {
    "Exchange": "EX",
    "microsoftteams": "TM",
    "SharePoint": "SP",
    "OneDriveForBusiness": "OD",
    "OSDPPlatform": "MO",
    "AzureActiveDirectory": "EN",
    "Intune": "IT",
    "PowerBIcom": "PB",
    "Microsoft365Defender": "DZ",
    "O365Client": "OF",
}
# Above every id in the bundled dataset (EX1100014 ... EN1102382).
_FIRST_ID_NUMBER = 1_200_000

# The message center message the world posts once a cycle: above every id in the bundled dataset, one
# per cycle, to the SHARED_CUSTOMERS (as Microsoft posts one message to many tenants), due three weeks on.
_FIRST_MESSAGE_NUMBER = 910_000
MESSAGE_STEP = 3
MESSAGE_ACT_WITHIN = timedelta(days=21)

# Resolved incidents of the world's own kept per service, so a long demo doesn't pile up history.
KEEP_RESOLVED = 3

# The Microsoft incident that several customers share; the first three readable ones of these get it.
SHARED_CUSTOMERS = ("Contoso Ltd", "Woodgrove Bank", "Fabrikam, Inc.")


class ChangeKind(enum.StrEnum):
    STARTED = "started"
    PROGRESSED = "progressed"
    SPREAD = "spread"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class WorldChange:
    """One incident changed in the tenants of `customers` (for SPREAD: only the newly affected ones)."""

    kind: ChangeKind
    incident_id: str
    classification: str
    status: str
    customers: tuple[Customer, ...]


@dataclass(frozen=True)
class WorldTick:
    """What one tick did: `step` counts ticks from 1; `changes` is empty when the step had no target;
    `messages`: the message center messages it posted."""

    step: int
    at: datetime
    changes: tuple[WorldChange, ...]
    messages: tuple[str, ...] = ()


class _Role(enum.Enum):
    SINGLE = "single"
    SHARED = "shared"
    ADVISORY = "advisory"


class _Action(enum.Enum):
    START = "start"
    PROGRESS = "progress"
    SPREAD = "spread"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class _Story:
    """The words Microsoft would post for one incident, phase by phase."""

    services: tuple[str, ...]  # service ids, preferred first; the first quiet one in the tenant is used
    classification: str
    title: str
    impact: str
    feature: str
    feature_group: str
    opening_status: str
    opening: str
    progress: str
    closing: str


_STORIES = {
    _Role.SINGLE: _Story(
        services=("microsoftteams", "Exchange", "SharePoint", "OneDriveForBusiness"),
        classification="incident",
        title="Users may be unable to join Microsoft Teams meetings",
        impact="Users may be unable to join Microsoft Teams meetings from the desktop client.",
        feature="Teams Components",
        feature_group="Meetings",
        opening_status="investigating",
        opening="We're reviewing service monitoring telemetry to isolate the cause.",
        progress="We've identified a recent configuration change as the cause and are reverting it.",
        closing="We've confirmed that reverting the configuration change restored access to meetings.",
    ),
    _Role.SHARED: _Story(
        services=("OSDPPlatform",),
        classification="incident",
        title="Users may be unable to sign in to multiple Microsoft 365 services",
        impact="Users may be unable to sign in to multiple Microsoft 365 services.",
        feature="Portal",
        feature_group="Microsoft 365 suite",
        opening_status="investigating",
        opening="We're investigating elevated sign-in failures across several regions.",
        progress="We've rerouted authentication traffic to healthy infrastructure and are monitoring.",
        closing="We've confirmed that sign-in succeeds for all affected users after the rerouting.",
    ),
    _Role.ADVISORY: _Story(
        services=("SharePoint", "OneDriveForBusiness", "PowerBIcom"),
        classification="advisory",
        title="Users may see delays when searching for recently uploaded files",
        impact="Search results may not include files uploaded in the last few hours.",
        feature="Search",
        feature_group="SharePoint Features",
        opening_status="serviceDegradation",
        opening="We're processing a backlog of indexing requests; files become searchable as it drains.",
        progress="The indexing backlog is draining.",
        closing="The indexing backlog has been processed and search results are current.",
    ),
}

# One cycle. Over the first ticks: a single-tenant incident starts, progresses and resolves; a
# Microsoft incident starts in several tenants at once, spreads to one more, progresses and resolves
# everywhere; an advisory starts and later resolves.
_SCRIPT: tuple[tuple[_Role, _Action], ...] = (
    (_Role.SINGLE, _Action.START),
    (_Role.SHARED, _Action.START),
    (_Role.SINGLE, _Action.PROGRESS),
    (_Role.ADVISORY, _Action.START),
    (_Role.SHARED, _Action.SPREAD),
    (_Role.SINGLE, _Action.RESOLVE),
    (_Role.SHARED, _Action.PROGRESS),
    (_Role.SHARED, _Action.RESOLVE),
    (_Role.ADVISORY, _Action.RESOLVE),
)
SCRIPT_LENGTH = len(_SCRIPT)
_ID_SLOT = {_Role.SINGLE: 1, _Role.SHARED: 2, _Role.ADVISORY: 3}


@dataclass
class _Running:
    """An incident the world started and has not resolved: its Graph shape and where it is."""

    issue: dict[str, Any]
    service_id: str
    customers: list[Customer] = field(default_factory=list)


def _graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _post(story: _Story, at: datetime, status_text: str, next_update: bool = True) -> dict[str, Any]:
    parts = [
        f"Title: {story.title}",
        f"User impact: {story.impact}",
        f"Current status: {status_text}",
    ]
    if next_update:
        parts.append(f"Next update by: {_graph_time(at + timedelta(hours=2))}")
    return {
        "createdDateTime": _graph_time(at),
        "postType": "regular",
        "description": {"contentType": "html", "content": "<br><br>".join(parts)},
    }


def _service_status(incidents: tuple[Incident, ...]) -> str:
    """What the service itself reports: interrupted while any incident is active, degraded for advisories."""
    active = [i for i in incidents if not i.is_resolved]
    if any(not i.is_advisory for i in active):
        return "serviceInterruption"
    if active:
        return "serviceDegradation"
    return "serviceOperational"


def _with_issue(service: ServiceHealth, incident: Incident, made: set[str]) -> ServiceHealth:
    """The service with `incident` added or replaced, old world-made history trimmed, status recomputed."""
    others = [i for i in service.incidents if i.incident_id != incident.incident_id]
    ours_resolved = [i.incident_id for i in (*others, incident) if i.incident_id in made and i.is_resolved]
    dropped = set(ours_resolved[:-KEEP_RESOLVED])
    incidents = tuple(i for i in (*others, incident) if i.incident_id not in dropped)
    return replace(service, incidents=incidents, status=ServiceStatus(_service_status(incidents)))


class DemoWorld:
    """Moves a DemoBackend's health one scripted step per `await tick()`; deterministic for a given clock.

    Only customers with delegated access are ever touched. Ticks are serialised, so the route and an
    automatic ticker may both call `tick()`.
    """

    def __init__(self, backend: DemoBackend, clock: Callable[[], datetime]) -> None:
        self._backend = backend
        self._clock = clock
        self._ticks = 0
        self._running: dict[_Role, _Running] = {}
        self._made: set[str] = set()
        self._lock = asyncio.Lock()
        # The moment of the tick being applied: the health it writes is as of then.
        self._at: datetime | None = None

    @property
    def ticks(self) -> int:
        return self._ticks

    async def tick(self) -> WorldTick:
        async with self._lock:
            cycle, position = divmod(self._ticks, SCRIPT_LENGTH)
            self._ticks += 1
            at = self._clock()
            at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
            role, action = _SCRIPT[position]
            self._at = at
            change = await self._apply(role, action, cycle, at)
            changes = (change,) if change is not None else ()
            messages = await self._post_message(cycle, at) if position == MESSAGE_STEP else ()
            for c in changes:
                logger.info(
                    "Demo world tick %d: %s %s (%s) in %s",
                    self._ticks,
                    c.incident_id,
                    c.kind.value,
                    c.status,
                    ", ".join(customer.name for customer in c.customers),
                )
            return WorldTick(step=self._ticks, at=at, changes=changes, messages=messages)

    async def _apply(self, role: _Role, action: _Action, cycle: int, at: datetime) -> WorldChange | None:
        if action is _Action.START:
            return await self._start(role, cycle, at)
        running = self._running.get(role)
        if running is None:
            return None
        story = _STORIES[role]
        issue = running.issue
        if action is _Action.SPREAD:
            targets = await self._targets(role, cycle, spread=True)
            newcomers = [c for c in targets if c not in running.customers]
            written = await self._write_all(newcomers, running)
            running.customers.extend(written)
            return self._change(ChangeKind.SPREAD, issue, written) if written else None
        if action is _Action.PROGRESS:
            issue["status"] = "restoringService"
            issue["posts"].append(_post(story, at, story.progress))
            kind = ChangeKind.PROGRESSED
        else:
            issue["status"] = "serviceRestored"
            issue["isResolved"] = True
            issue["endDateTime"] = _graph_time(at)
            issue["posts"].append(_post(story, at, story.closing, next_update=False))
            kind = ChangeKind.RESOLVED
            del self._running[role]
        issue["lastModifiedDateTime"] = _graph_time(at)
        written = await self._write_all(running.customers, running)
        return self._change(kind, issue, written) if written else None

    async def _start(self, role: _Role, cycle: int, at: datetime) -> WorldChange | None:
        targets = await self._targets(role, cycle, spread=False)
        if not targets:
            return None
        story = _STORIES[role]
        service_id = await self._quiet_service(targets[0], story.services)
        if service_id is None:
            return None
        issue: dict[str, Any] = {
            "id": f"{_ID_PREFIX.get(service_id, 'MO')}{_FIRST_ID_NUMBER + cycle * 10 + _ID_SLOT[role]}",
            "title": story.title,
            "impactDescription": story.impact,
            "classification": story.classification,
            "origin": "microsoft",
            "status": story.opening_status,
            "service": "",  # filled from the tenant's service name when written
            "feature": story.feature,
            "featureGroup": story.feature_group,
            "startDateTime": _graph_time(at),
            "endDateTime": None,
            "lastModifiedDateTime": _graph_time(at),
            "isResolved": False,
            "highImpact": None,
            "details": [],
            "posts": [_post(story, at, story.opening)],
        }
        running = _Running(issue=issue, service_id=service_id)
        running.customers.extend(await self._write_all(targets, running))
        if not running.customers:
            return None
        self._running[role] = running
        return self._change(ChangeKind.STARTED, issue, running.customers)

    async def _post_message(self, cycle: int, at: datetime) -> tuple[str, ...]:
        """Microsoft announces a change in the shared customers' message centers, written in Graph's shape
        and parsed as live messages are."""
        by_name = {c.name: c for c in await self._readable()}
        targets = [by_name[name] for name in SHARED_CUSTOMERS if name in by_name]
        if not targets:
            return ()
        message_id = f"MC{_FIRST_MESSAGE_NUMBER + cycle}"
        act_by = _graph_time(at + MESSAGE_ACT_WITHIN)
        raw = {
            "id": message_id,
            "title": "Microsoft Teams: classic Teams meeting add-in for Outlook retires",
            "services": ["Microsoft Teams", "Exchange Online"],
            "category": "planForChange",
            "severity": "high",
            "isMajorChange": True,
            "actionRequiredByDateTime": act_by,
            "startDateTime": _graph_time(at),
            "endDateTime": _graph_time(at + 3 * MESSAGE_ACT_WITHIN),
            "lastModifiedDateTime": _graph_time(at),
            "tags": ["Retirement", "User impact"],
            "body": {
                "contentType": "html",
                "content": f"<p>The classic Teams meeting add-in stops working on {act_by}.</p>"
                "<p><b>What you need to do to prepare:</b> deploy the new add-in to users who schedule "
                "meetings from classic Outlook.</p>",
            },
        }
        message = parse_message(raw)
        if message is None:  # the world always writes an id and times
            raise ValueError(f"The demo world wrote an unparseable message: {message_id}")
        for customer in targets:
            self._backend.add_message(customer.tenant_id, message)
        logger.info("Demo world tick %d: %s posted to %d tenants", self._ticks, message_id, len(targets))
        return (message_id,)

    async def _readable(self) -> list[Customer]:
        return [c for c in await self._backend.list_customers() if c.delegated_access]

    async def _targets(self, role: _Role, cycle: int, spread: bool) -> list[Customer]:
        """Who an incident hits: the shared one always the same few, the others rotate each cycle."""
        readable = await self._readable()
        if role is _Role.SHARED and not spread:
            by_name = {c.name: c for c in readable}
            return [by_name[name] for name in SHARED_CUSTOMERS if name in by_name]
        rotation = [c for c in readable if c.name not in SHARED_CUSTOMERS]
        if not rotation:
            return []
        offset = {_Role.SINGLE: 1, _Role.ADVISORY: 2, _Role.SHARED: 3}[role]
        return [rotation[(3 * cycle + offset) % len(rotation)]]

    async def _services(self, customer: Customer) -> tuple[ServiceHealth, ...] | None:
        try:
            return (await self._backend.tenant_health(customer)).services
        except SupportDeskError:
            return None

    async def _quiet_service(self, customer: Customer, preferred: tuple[str, ...]) -> str | None:
        """The first preferred service without an active incident, so the dataset's own stay untouched."""
        services = {s.service_id: s for s in await self._services(customer) or ()}
        present = [sid for sid in preferred if sid in services]
        quiet = [sid for sid in present if not services[sid].active_incidents]
        chosen = quiet or present
        return chosen[0] if chosen else None

    async def _write_all(self, customers: list[Customer], running: _Running) -> list[Customer]:
        return [c for c in customers if await self._write(c, running)]

    async def _write(self, customer: Customer, running: _Running) -> bool:
        services = await self._services(customer)
        target = next((s for s in services or () if s.service_id == running.service_id), None)
        if services is None or target is None:
            return False
        if not running.issue["service"]:
            running.issue["service"] = target.name
        incident = _parse(running.issue, target.name)
        self._made.add(incident.incident_id)
        self._backend.replace_services(
            customer.tenant_id,
            tuple(_with_issue(s, incident, self._made) if s is target else s for s in services),
            as_of=self._at,
        )
        return True

    @staticmethod
    def _change(kind: ChangeKind, issue: Mapping[str, Any], customers: list[Customer]) -> WorldChange:
        return WorldChange(
            kind=kind,
            incident_id=str(issue["id"]),
            classification=str(issue["classification"]),
            status=str(issue["status"]),
            customers=tuple(customers),
        )


def _parse(issue: Mapping[str, Any], service_name: str) -> Incident:
    incident = parse_issue(issue, service_name)
    if incident is None:  # the script always writes an id and a start time
        raise ValueError(f"The demo world wrote an unparseable issue: {issue.get('id')!r}")
    return incident
