"""The support desk's domain: customers, their services' health and Microsoft's incidents.

Frozen dataclasses, independent of where the data came from (demo files or live APIs) and of Teams.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from services.domain.service_words import names_service


@dataclass(frozen=True)
class Customer:
    """A customer tenant the partner manages, as Partner Center lists it."""

    customer_id: str
    tenant_id: str
    name: str
    domain: str
    relationship: str
    delegated_access: bool


@dataclass(frozen=True)
class AdminCenterLink:
    """A delegated-admin link into one of a customer's admin centers (services.domain.admin_centers)."""

    admin_center: str
    url: str


class StatusLevel(enum.IntEnum):
    """How much a status should worry a support engineer; higher sorts first."""

    OPERATIONAL = 0
    INFORMATIONAL = 1
    DEGRADED = 2
    INTERRUPTED = 3


# Graph's serviceHealthStatus values (camelCase in the schema) with the word we show for each.
_STATUS_WORDS: dict[str, tuple[str, StatusLevel]] = {
    "serviceoperational": ("Operational", StatusLevel.OPERATIONAL),
    "investigating": ("Investigating", StatusLevel.DEGRADED),
    "restoringservice": ("Restoring service", StatusLevel.DEGRADED),
    "verifyingservice": ("Verifying service", StatusLevel.DEGRADED),
    "servicerestored": ("Service restored", StatusLevel.OPERATIONAL),
    "postincidentreviewpublished": ("Post-incident report published", StatusLevel.OPERATIONAL),
    "servicedegradation": ("Degraded", StatusLevel.DEGRADED),
    "serviceinterruption": ("Interrupted", StatusLevel.INTERRUPTED),
    "extendedrecovery": ("Extended recovery", StatusLevel.DEGRADED),
    "falsepositive": ("False positive", StatusLevel.INFORMATIONAL),
    "investigationsuspended": ("Investigation suspended", StatusLevel.INFORMATIONAL),
    "resolved": ("Resolved", StatusLevel.OPERATIONAL),
    "mitigated": ("Mitigated", StatusLevel.INFORMATIONAL),
    "mitigatedexternal": ("Mitigated externally", StatusLevel.INFORMATIONAL),
    "resolvedexternal": ("Resolved externally", StatusLevel.OPERATIONAL),
    "confirmed": ("Confirmed", StatusLevel.DEGRADED),
    "reported": ("Reported", StatusLevel.DEGRADED),
    # An Azure event (ARM's `status`) kept as a notice: Active or Resolved.
    "active": ("Active", StatusLevel.DEGRADED),
}


@dataclass(frozen=True)
class ServiceStatus:
    """A Graph health status; the docs mix camelCase and PascalCase, and new values appear."""

    code: str

    @property
    def _known(self) -> tuple[str, StatusLevel] | None:
        return _STATUS_WORDS.get(self.code.casefold())

    @property
    def label(self) -> str:
        known = self._known
        if known:
            return known[0]
        words = re.sub(r"(?<!^)(?=[A-Z])", " ", self.code).strip()
        return words[:1].upper() + words[1:].lower() if words else "Unknown"

    @property
    def level(self) -> StatusLevel:
        known = self._known
        return known[1] if known else StatusLevel.INFORMATIONAL


# Graph's serviceHealthIssue ids: a service prefix and a number (EX1100014, MO226784). The one rule for
# an id the bot takes in, typed, in an Acknowledge button's data or from /api/notify.
INCIDENT_ID_PATTERN = r"^[A-Z]{2,4}[0-9]{3,12}$"


def is_incident_id(text: str) -> bool:
    """True for an id in Graph's shape, upper case as Graph writes it."""
    return re.fullmatch(INCIDENT_ID_PATTERN, text) is not None


# Azure tracking ids: two groups of letters and digits around a hyphen, the first may carry an underscore
# (VNL2-8S8, 2LGR-PG0, BC_1-FXZ). The hyphen keeps them apart from Graph's ids.
TRACKING_ID_PATTERN = r"^[A-Z0-9][A-Z0-9_]{1,9}-[A-Z0-9]{2,6}$"
# What a notice is kept under: a Microsoft 365 incident's id or an Azure event's tracking id.
NOTICE_ID_PATTERN = r"^(?:[A-Z]{2,4}[0-9]{3,12}|[A-Z0-9][A-Z0-9_]{1,9}-[A-Z0-9]{2,6})$"


def is_tracking_id(text: str) -> bool:
    """True for an id in Azure's shape, upper case as Azure writes it."""
    return re.fullmatch(TRACKING_ID_PATTERN, text) is not None


@dataclass(frozen=True)
class IncidentPost:
    """One update Microsoft posted on an incident, already turned from HTML into plain text."""

    created: datetime
    text: str


@dataclass(frozen=True)
class Incident:
    """A Graph serviceHealthIssue: an incident or an advisory on one service."""

    incident_id: str
    title: str
    service: str
    feature: str
    feature_group: str
    status: ServiceStatus
    classification: str
    impact: str
    start: datetime
    end: datetime | None
    last_modified: datetime
    is_resolved: bool
    posts: tuple[IncidentPost, ...] = ()
    # A message center message kept as a notice (services.domain.service_messages.as_notice_incident): the
    # date it must be acted on by.
    act_by: datetime | None = None

    @property
    def is_advisory(self) -> bool:
        return self.classification.casefold() == "advisory"

    @property
    def is_change(self) -> bool:
        """A message center message on the notice board, not a health incident."""
        return self.classification == CHANGE_CLASSIFICATION


# The classification a message center message takes on the notice board, and its status there: a change of
# it (a major change coming within its act-by window) is news on the same card. Both statuses are worded
# under `status.<code>` in the catalogues.
CHANGE_CLASSIFICATION = "change"
ACTION_DUE = "actionDue"
MAJOR_CHANGE = "majorChange"


@dataclass(frozen=True)
class ServiceHealth:
    """One service's current status in a tenant, with its issues (active and resolved)."""

    service_id: str
    name: str
    status: ServiceStatus
    incidents: tuple[Incident, ...] = ()

    @property
    def active_incidents(self) -> tuple[Incident, ...]:
        return tuple(i for i in self.incidents if not i.is_resolved)

    @property
    def needs_attention(self) -> bool:
        return self.status.level > StatusLevel.INFORMATIONAL or bool(self.active_incidents)


@dataclass(frozen=True)
class TenantHealth:
    """A customer's whole health overview, as of the moment it was read."""

    customer: Customer
    services: tuple[ServiceHealth, ...]
    as_of: datetime

    @property
    def incidents(self) -> tuple[Incident, ...]:
        return tuple(i for s in self.services for i in s.incidents)


@dataclass(frozen=True)
class IncidentLookup:
    """An incident found by id, the customer it was found for, and other customers it affects."""

    incident: Incident
    customer: Customer
    also_affected: tuple[Customer, ...] = ()


# The Microsoft 365 message center (Graph serviceUpdateMessage): planned changes and retirements, with the
# dates they must be acted on by. Graph adds enum values over time: an unknown category or severity is
# kept as OTHER, never rejected. Questions about them are services/domain/service_messages.py.

# `changes` across customers lists what must be acted on within this long.
DUE_WITHIN = timedelta(days=30)


class MessageCategory(enum.StrEnum):
    PLAN_FOR_CHANGE = "planForChange"
    PREVENT_OR_FIX_ISSUE = "preventOrFixIssue"
    STAY_INFORMED = "stayInformed"
    OTHER = "other"

    @classmethod
    def of(cls, value: str) -> MessageCategory:
        """Graph's value in either case; one Graph adds later (or `unknownFutureValue`) is OTHER."""
        folded = value.casefold()
        return next((c for c in cls if c.value.casefold() == folded and c is not cls.OTHER), cls.OTHER)


class MessageSeverity(enum.StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"
    OTHER = "other"

    @classmethod
    def of(cls, value: str) -> MessageSeverity:
        folded = value.casefold()
        return next((s for s in cls if s.value == folded and s is not cls.OTHER), cls.OTHER)


@dataclass(frozen=True)
class ServiceMessage:
    """One message center post; `body` is already plain text (services.domain.html_text)."""

    message_id: str
    title: str
    services: tuple[str, ...]
    category: MessageCategory
    severity: MessageSeverity
    is_major_change: bool
    act_by: datetime | None
    start: datetime | None
    end: datetime | None
    last_modified: datetime
    tags: tuple[str, ...] = ()
    body: str = ""

    def is_open(self, now: datetime) -> bool:
        """Still in the message center: Microsoft ends a message at its `endDateTime`."""
        return self.end is None or self.end > now

    def due_within(self, now: datetime, window: timedelta) -> bool:
        """Its act-by date is at most `window` from now: an overdue one that is still open needs action
        most of all."""
        return self.act_by is not None and self.act_by <= now + window


@dataclass(frozen=True)
class TenantMessages:
    """A customer's message center, as of the moment it was read."""

    customer: Customer
    messages: tuple[ServiceMessage, ...]
    as_of: datetime


@dataclass(frozen=True)
class MessageLookup:
    """A message found by id, the customer it was found for, and the other customers it reaches."""

    message: ServiceMessage
    customer: Customer
    also_for: tuple[Customer, ...] = ()


@dataclass(frozen=True)
class DueChange:
    """A message that must be acted on soon, and every customer it applies to."""

    message: ServiceMessage
    customers: tuple[Customer, ...]


@dataclass(frozen=True)
class DueChanges:
    """What needs action soon across the reader's customers, and how many of their message centers
    couldn't be read just now: their messages are missing from `rows`, which the card must say."""

    rows: tuple[DueChange, ...]
    not_read: int = 0


@dataclass(frozen=True)
class WeeklyRow:
    """One message in a digest: as the board keeps it, the customers (of those the conversation follows)
    it reaches, and whether it is new this week."""

    message: Incident
    customer_ids: tuple[str, ...]
    new: bool


@dataclass(frozen=True)
class WeeklyDigest:
    """A conversation's weekly message center digest (services/notices/weekly_changes.py)."""

    new: tuple[WeeklyRow, ...]
    due: tuple[WeeklyRow, ...]


# Azure service health (ARM `Microsoft.ResourceHealth/events`; services/domain/azure_events.py asks the
# questions of them): one event per tracking id, however many subscriptions and customers it reaches.


class AzureEventType(enum.StrEnum):
    """`properties.eventType`. Microsoft adds values (RCA, EmergingIssues, ...): those are OTHER, kept and
    shown, never dropped."""

    SERVICE_ISSUE = "ServiceIssue"
    PLANNED_MAINTENANCE = "PlannedMaintenance"
    HEALTH_ADVISORY = "HealthAdvisory"
    SECURITY_ADVISORY = "SecurityAdvisory"
    OTHER = "other"

    @classmethod
    def of(cls, raw: str) -> AzureEventType:
        wanted = raw.strip().casefold()
        return next((k for k in cls if k is not cls.OTHER and k.value.casefold() == wanted), cls.OTHER)


@dataclass(frozen=True)
class AzureUpdate:
    """One update Microsoft posted on an event, in one region, as plain text."""

    created: datetime
    text: str
    region: str = ""


@dataclass(frozen=True)
class AzureImpact:
    """One Azure service an event touches, and the regions where it does."""

    service: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class AzureEvent:
    tracking_id: str
    event_type: AzureEventType
    # What ARM wrote, so an unknown type is still named ('EmergingIssues').
    type_name: str
    status: str  # Active | Resolved (as written)
    title: str
    summary: str
    impact: tuple[AzureImpact, ...]
    start: datetime | None
    mitigated: datetime | None
    last_updated: datetime | None
    updates: tuple[AzureUpdate, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.status.casefold() == "active"

    @property
    def is_service_issue(self) -> bool:
        return self.event_type is AzureEventType.SERVICE_ISSUE

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(i.service for i in self.impact)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for i in self.impact for r in i.regions))


@dataclass(frozen=True)
class AzureHealth:
    """A customer's Azure service health as of a moment: the subscriptions read and their events.
    No subscriptions means the customer has no Azure the partner can reach (nothing was asked)."""

    customer: Customer
    subscriptions: tuple[str, ...]
    events: tuple[AzureEvent, ...]
    as_of: datetime

    @property
    def has_azure(self) -> bool:
        return bool(self.subscriptions)

    @property
    def active_events(self) -> tuple[AzureEvent, ...]:
        return tuple(e for e in self.events if e.is_active)

    @property
    def active_issues(self) -> tuple[AzureEvent, ...]:
        return tuple(e for e in self.active_events if e.is_service_issue)

    def event(self, tracking_id: str) -> AzureEvent | None:
        wanted = tracking_id.strip().upper()
        return next((e for e in self.events if e.tracking_id == wanted), None)


@dataclass(frozen=True)
class AzureEventLookup:
    """An Azure event found by tracking id, and every customer it affects (the first one shown)."""

    event: AzureEvent
    customer: Customer
    also_affected: tuple[Customer, ...] = ()


@dataclass(frozen=True)
class AzureEventAcross:
    """One event and the customers it affects, for a list across customers (overview, notices)."""

    event: AzureEvent
    customers: tuple[Customer, ...] = field(default_factory=tuple)


# Notifications: who hears about what, and what they have been told.

ALL_CUSTOMERS = "*"
# What a subscription hears about, the one list subscribe, setup and import take: health incidents,
# advisories, both ('all'), or message center changes, which none of the others include.
SUBSCRIPTION_KINDS = ("incidents", "advisories", "all", "changes")
CHANGES = "changes"


@dataclass(frozen=True)
class Subscription:
    """A conversation's wish to hear about a customer's (or every customer's) incidents or advisories."""

    conversation: str
    customer_id: str
    services: tuple[str, ...] = ()
    kinds: str = "incidents"

    def covers(self, customer_id: str, incident: Incident) -> bool:
        if self.customer_id not in (ALL_CUSTOMERS, customer_id):
            return False
        if incident.is_change or self.kinds == CHANGES:
            return incident.is_change and self.kinds == CHANGES and self._names(incident)
        if self.kinds != "all" and incident.is_advisory != (self.kinds == "advisories"):
            return False
        return self._names(incident)

    def _names(self, incident: Incident) -> bool:
        return not self.services or any(names_service(s, incident.service) for s in self.services)


@dataclass(frozen=True)
class Owner:
    """Someone who looks after a customer: their Entra object id (what a Teams mention can name, and what
    stays when their Teams id differs per tenant) with their name as the roster gave it."""

    object_id: str
    name: str


@dataclass(frozen=True)
class KnownConversation:
    """A conversation the bot may post into on its own: the Teams edge's reference to it (opaque here),
    whether it still accepts the bot (403/404 mark it inactive), and any quiet it asked for."""

    conversation: str
    reference: dict[str, Any]
    active: bool
    inactive_reason: str
    quiet_since: datetime | None
    quiet_until: datetime | None
    # The language notices are posted in: the subscriber's, set by `subscribe` ('' until then: English).
    language: str = ""

    def quiet_at(self, moment: datetime) -> bool:
        return self.quiet_until is not None and moment < self.quiet_until


class ChangeKind(enum.StrEnum):
    """What happened to an incident since the conversations last heard of it."""

    NEW = "new"
    STATUS = "status"
    POST = "post"
    RESOLVED = "resolved"
    SPREAD = "spread"


@dataclass(frozen=True)
class Notice:
    """One Microsoft incident as subscribed conversations hear of it: its latest state, every customer it
    affects, and a version that grows with each change worth telling."""

    incident: Incident
    customer_ids: tuple[str, ...]
    version: int
    change: ChangeKind
    first_seen: datetime
    updated: datetime


class Claim(enum.Enum):
    """Whether an instance may send a delivery now (services/notices/notice_board.py explains claims)."""

    CLAIMED = "claimed"
    # Another instance holds a live claim: leave the delivery to it for now.
    BUSY = "busy"
    # A claim expired without an outcome: the card may have arrived; record that, never send it again.
    ABANDONED = "abandoned"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    HELD = "held"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Delivery:
    """Where one notice stands in one conversation."""

    incident_id: str
    conversation: str
    state: DeliveryState
    version: int
    delivered_version: int
    activity_id: str | None
    thread_id: str | None
    reason: str
    acknowledged_by: str
    updated: datetime
    # Cards posted here whose answer was lost (a timeout, or the instance sending them stopped): each may
    # have arrived, without its id. After one, the next change posts one replacement that says so.
    unconfirmed_posts: int = 0


# Service requests (escalations to Microsoft). Shaped after Partner Center's ServiceRequest resource
# (severity critical/moderate/minimal, status open/attention_needed/closed) so a live desk can map 1:1.


class Severity(enum.Enum):
    CRITICAL = "critical"
    MODERATE = "moderate"
    MINIMAL = "minimal"


class RequestStatus(enum.Enum):
    AWAITING_NUMBER = "awaiting_number"  # handed off to Partner Center; the SR number comes later
    OPEN = "open"
    MICROSOFT_RESPONDED = "microsoft_responded"
    ATTENTION_NEEDED = "attention_needed"
    CLOSED = "closed"


# What an Azure Support problem classification's id holds: `/providers/Microsoft.Support/services/<service>
# /problemClassifications/<classification>` (Microsoft.Support 2024-04-01).
AZURE_PROBLEM_CLASSIFICATIONS = "/problemClassifications/"


@dataclass(frozen=True)
class SupportTopic:
    """One topic of the support catalogue: Partner Center's `supportTopicId` (a number on the wire), or an
    Azure Support problem classification's id under its service (the product)."""

    topic_id: str
    product: str
    name: str

    @property
    def is_azure(self) -> bool:
        return AZURE_PROBLEM_CLASSIFICATIONS in self.topic_id


@dataclass(frozen=True)
class SeverityLevel:
    severity: Severity
    label: str
    meaning: str
    first_response: str


@dataclass(frozen=True)
class FieldLimits:
    """What the backend accepts; the dialog validates answers against these, never its own guesses."""

    title_max: int
    description_max: int
    name_max: int
    email_max: int
    phone_pattern: str  # a regular expression the whole phone number must match


@dataclass(frozen=True)
class SupportCatalogue:
    topics: tuple[SupportTopic, ...]
    severities: tuple[SeverityLevel, ...]
    limits: FieldLimits

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.product for t in self.topics))

    @property
    def azure_products(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.product for t in self.topics if t.is_azure))

    def topics_of(self, product: str) -> tuple[SupportTopic, ...]:
        return tuple(t for t in self.topics if t.product == product)

    def topic(self, topic_id: str) -> SupportTopic | None:
        return next((t for t in self.topics if t.topic_id == topic_id), None)

    def level(self, severity: Severity) -> SeverityLevel:
        return next(s for s in self.severities if s.severity is severity)


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class RequestDraft:
    """A finished, validated request, ready to file."""

    customer: Customer
    topic: SupportTopic
    severity: Severity
    title: str
    description: str
    contact: Contact
    incident_id: str = ""


@dataclass(frozen=True)
class RequestNote:
    created: datetime
    author: str
    text: str


@dataclass(frozen=True)
class ServiceRequest:
    number: str
    customer_id: str
    customer_name: str
    topic: SupportTopic
    severity: Severity
    title: str
    description: str
    contact: Contact
    status: RequestStatus
    created: datetime
    last_modified: datetime
    incident_id: str = ""
    notes: tuple[RequestNote, ...] = ()
    # Our escalation reference when the request was handed off to a portal; `number` is the SR number
    # once `link` attached it, the reference until then.
    reference: str = ""


# How many open service requests there are of each (status, severity), the ones with none left out:
# what the `requests` chart draws (ServiceRequestDesk.open_request_counts).
OpenRequestCounts: TypeAlias = Mapping[tuple[RequestStatus, Severity], int]


@dataclass(frozen=True)
class Handoff:
    """A request the bot can't file itself: where to file it, and the finished text to paste there."""

    portal_url: str
    summary: str


@dataclass(frozen=True)
class Filing:
    """The outcome of filing: `already_filed` when the idempotency key had been used before."""

    request: ServiceRequest
    already_filed: bool
    handoff: Handoff | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One privileged action (services/storage/audit_log.py); `conversation` is hashed."""

    at: datetime
    actor_id: str
    actor_name: str
    action: str
    detail: str
    conversation: str
    # The person's UPN when the action went out with their own token (Teams SSO); '' when the bot acted
    # with its own identity, and in entries recorded before SSO existed.
    actor_upn: str = ""


# Bot state documents (services/storage/document_store.py): botbuilder's state objects, as jsonpickle's JSON.
ANY_ETAG = "*"


class StaleWriteError(Exception):
    """Someone wrote the document since it was read; re-read and retry."""

    def __init__(self, key: str) -> None:
        super().__init__(f"document {key!r} was changed by another writer")
        self.key = key


@dataclass(frozen=True)
class StoredDocument:
    value: Any
    etag: str


@dataclass(frozen=True)
class DocumentWrite:
    """A new value; `expected_etag` None or '*' writes unconditionally."""

    value: Any
    expected_etag: str | None = None


# The turn journal (services/instances/turn_journal.py): which activities were accepted and answered.
class Acceptance(enum.Enum):
    NEW = "new"
    # Seen before and answered: a redelivery.
    ANSWERED = "answered"
    # Seen before and not answered yet: in progress, or abandoned by an attempt that was cut off.
    UNANSWERED = "unanswered"


class Answer(enum.Enum):
    """How far a turn's answer got: handed to the Bot Connector (it may have arrived), or confirmed."""

    HANDED = "handed"
    DELIVERED = "delivered"


@dataclass(frozen=True)
class UnfinishedTurn:
    """An accepted activity that never got its answer: where to reply, and what was asked."""

    conversation: str
    activity_id: str
    reference: dict[str, Any]
    # What the person typed, '' for a button press, None when nobody waits for an answer.
    asked: str | None
    accepted_at: datetime
    # The run (instance and process start) that accepted it; '' from a version that didn't say.
    owner: str = ""
    answer: Answer | None = None
