"""What the conversation layer needs from a backend; the demo and live backends both provide it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from services.domain.access import Assignment, PersonAccess, Relationship
from services.domain.models import (
    Acceptance,
    Answer,
    AuditEntry,
    AzureHealth,
    Claim,
    Customer,
    Delivery,
    DeliveryState,
    DocumentWrite,
    Filing,
    Incident,
    KnownConversation,
    Notice,
    OpenRequestCounts,
    Owner,
    RequestDraft,
    ServiceRequest,
    StoredDocument,
    Subscription,
    SupportCatalogue,
    TenantHealth,
    TenantMessages,
    UnfinishedTurn,
)


class CustomerDirectory(Protocol):
    """The partner's customers (Partner Center `GET /v1/customers`)."""

    async def list_customers(self) -> Sequence[Customer]: ...


class HealthSource(Protocol):
    """Service health in a customer's tenant (Graph `healthOverviews?$expand=issues`).

    Raises DelegatedAccessMissing when the partner can't read the tenant.
    """

    async def tenant_health(self, customer: Customer) -> TenantHealth: ...


class MessageCenterSource(Protocol):
    """The message center in a customer's tenant (Graph `admin/serviceAnnouncement/messages`).

    Raises DelegatedAccessMissing when the partner can't read the tenant."""

    async def tenant_messages(self, customer: Customer) -> TenantMessages: ...

    async def messages_since(self, customer: Customer, since: datetime | None) -> TenantMessages:
        """The messages Microsoft changed at or after `since` (every one when None), read now: the
        watcher's one request per customer and cycle (`$filter` on lastModifiedDateTime), never cached."""
        ...


class MessageReader(CustomerDirectory, MessageCenterSource, Protocol):
    """What questions about messages across customers read (services.domain.service_messages)."""


class AzureHealthSource(Protocol):
    """Azure service health of a customer's subscriptions (ARM `Microsoft.ResourceHealth/events`), one
    event per tracking id. A customer with no subscription the partner reaches gets no subscriptions and
    no events, without anything being asked."""

    async def azure_health(self, customer: Customer) -> AzureHealth: ...


class Backend(CustomerDirectory, HealthSource, MessageCenterSource, AzureHealthSource, Protocol):
    """Everything one backend (demo or live) serves."""

    name: str


class ServiceRequestDesk(Protocol):
    """Where escalations go: the demo store today; Azure Support tickets or a Partner Center hand-off live.

    `file_request` must treat a repeated idempotency key as the same request: it returns the request
    filed the first time (`Filing.already_filed`), never a second one. A live desk uses the key as the
    Azure `supportTicketName` (PUT is idempotent by name) or as Partner Center's `MS-RequestId`.
    A desk that can't file (Partner Center has no create API since 2020) returns a Filing with a Handoff
    and the request AWAITING_NUMBER under its reference; `link_request` attaches the SR number later.
    Raises UpstreamUnavailable when a retry with the same key is safe.
    """

    async def support_catalogue(self) -> SupportCatalogue: ...

    async def file_request(self, draft: RequestDraft, idempotency_key: str, requested_by: str) -> Filing: ...

    async def filed_with_key(self, idempotency_key: str) -> ServiceRequest | None: ...

    async def recent_requests(
        self, customer: Customer | None = None, limit: int = 10, offset: int = 0
    ) -> Sequence[ServiceRequest]:
        """The newest filed first, `offset` of them skipped (a later page); on one page, the latest
        updated first."""
        ...

    async def count_requests(self, customer: Customer | None = None) -> int:
        """How many `recent_requests` could list: a page says '10 of 26'."""
        ...

    async def open_request_counts(self, customers: Sequence[Customer] | None = None) -> OpenRequestCounts:
        """Of every request `recent_requests` could list for `customers` (None: every customer; an empty
        sequence: nobody), how many are open, by status and severity: all of them, not a page's."""
        ...

    async def service_request(self, number: str) -> ServiceRequest: ...

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest: ...

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        """Attach the SR number a portal gave to a handed-off request (Partner Center hand-off)."""
        ...


class DelegatedAccessDirectory(Protocol):
    """GDAP as Microsoft Graph tells it (`tenantRelationships/delegatedAdminRelationships`, each one's
    `accessAssignments`, and `users/{id}/transitiveMemberOf`); the demo backend reads the same shapes from
    its data. Raises UpstreamUnavailable when Graph can't answer: access is then refused, never widened."""

    async def relationships(self) -> Sequence[Relationship]: ...

    async def assignments(self, relationship_id: str) -> Sequence[Assignment]: ...

    async def group_ids(self, object_id: str) -> frozenset[str]: ...


class PeopleAccess(Protocol):
    """What each person may reach (services/access): GDAP-scoped, or everything (BOT_ACCESS=everyone).
    Raises AccessUnavailable when it can't be known now."""

    async def person(self, object_id: str) -> PersonAccess: ...


class GroupMembership(Protocol):
    """Whether a user is in an Entra group (BOT_OPERATORS_GROUP): Graph
    `POST /users/{id}/checkMemberGroups` on the live backend, a fixed demo group on the demo one."""

    async def is_member(self, group_id: str, user_object_id: str) -> bool: ...


class AuditTrail(Protocol):
    """Where privileged actions are recorded (services/storage/audit_log.py)."""

    async def record(self, entry: AuditEntry) -> None: ...


class AuditRecords(AuditTrail, Protocol):
    """The audit trail that can also be read back (`audit`): SQLite or shared blobs."""

    async def latest(self, count: int) -> list[AuditEntry]: ...

    async def forget_before(self, moment: datetime) -> int: ...


class DocumentStore(Protocol):
    """Bot state (conversation, user and dialog state) as JSON documents with ETags
    (services/storage/document_store.py, on SQLite or blobs).

    `write` raises StaleWriteError when a document's `expected_etag` is not its current one."""

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]: ...

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]: ...

    async def delete(self, keys: Iterable[str]) -> None: ...


class ActivityJournal(Protocol):
    """Which activities were accepted and answered (services/instances/turn_journal.py, on SQLite or blobs).
    `accept` says NEW to exactly one caller per id and conversation."""

    async def accept(
        self,
        conversation: str,
        activity_id: str,
        reference: Mapping[str, Any],
        asked: str | None,
        now: datetime,
    ) -> Acceptance: ...

    async def answering(self, conversation: str, activity_id: str, answer: Answer) -> None: ...

    async def finish(self, conversation: str, activity_id: str) -> None: ...

    async def unfinished(self) -> list[UnfinishedTurn]: ...

    async def claim(self, conversation: str, activity_id: str) -> bool: ...

    async def forget_before(self, moment: datetime) -> int: ...


class Heartbeats(Protocol):
    """Which runs of the bot are alive (services/instances/instance_heartbeats.py); `run` names this one."""

    run: str
    # How often `beat` must run (0: never needed).
    interval: float

    async def beat(self) -> None: ...

    async def alive(self) -> set[str]: ...

    async def stop(self) -> None: ...


class Subscriptions(Protocol):
    """Who wants to hear of which customers' incidents: SQLite or shared blobs
    (services/notices/subscriptions.py)."""

    async def add(self, subscription: Subscription, now: datetime) -> None: ...

    async def of_conversation(self, conversation: str) -> list[Subscription]: ...

    async def remove(self, subscriptions: list[Subscription]) -> int: ...

    async def forget_conversation(self, conversation: str) -> int: ...

    async def watched_customers(self, kind: str | None = None) -> tuple[bool, set[str]]:
        """Whether some conversation wants every customer, and the customers named one by one; of
        subscriptions of `kind` only, when given."""
        ...

    async def audience(self, customer_ids: list[str], incident: Incident) -> dict[str, list[str]]: ...


class CustomerOwners(Protocol):
    """Who looks after which customer, across the partner (not per conversation): SQLite or shared blobs
    (services/notices/owners.py)."""

    async def of_customers(self, customer_ids: Iterable[str]) -> dict[str, tuple[Owner, ...]]:
        """The owners of those of `customer_ids` that have any, in the order they were named."""
        ...

    async def replace(self, customer_id: str, owners: Sequence[Owner]) -> tuple[Owner, ...]:
        """Make `owners` the customer's owners (none: it has none); returns the owners it had."""
        ...

    async def owned_by(self, object_id: str) -> list[str]:
        """The customers this person owns."""
        ...

    async def everything(self) -> dict[str, tuple[Owner, ...]]:
        """Every customer that has owners, with them."""
        ...


class KnownConversations(Protocol):
    """Where the bot can post without being asked: SQLite or shared blobs
    (services/notices/conversations.py)."""

    async def remember(self, conversation: str, reference: Mapping[str, Any], now: datetime) -> None: ...

    async def get(self, conversation: str) -> KnownConversation | None: ...

    async def many(self, conversations: list[str]) -> dict[str, KnownConversation]: ...

    async def deactivate(self, conversation: str, reason: str) -> None: ...

    async def set_quiet(self, conversation: str, since: datetime | None, until: datetime | None) -> None: ...

    async def set_language(self, conversation: str, language: str) -> None: ...

    async def end_quiet(self, conversation: str, now: datetime) -> None: ...

    async def forget(self, conversation: str) -> None: ...

    async def count(self) -> int: ...


class NoticeOutbox(Protocol):
    """Incidents seen, notices and their deliveries (services/notices/notice_board.py, on either storage)."""

    async def observe(
        self, customer: Customer, incident: Incident, now: datetime, announce: bool = True
    ) -> Notice | None: ...

    async def observe_tenant(
        self,
        customer: Customer,
        incidents: tuple[Incident, ...],
        now: datetime,
        announce: bool = True,
        stream: str = "",
    ) -> list[Notice]:
        """A whole poll of one of the customer's streams (`stream`: '' for Microsoft 365 health, or a
        name such as 'azure'); each stream's first poll only sets its baseline."""
        ...

    async def due(
        self, now: datetime, limit: int = 500
    ) -> list[tuple[Notice, Delivery, tuple[str, ...]]]: ...

    async def claim(
        self, delivery: Delivery, holder: str, until: datetime, now: datetime, abandoned_reason: str
    ) -> Claim: ...

    async def delivered(
        self,
        delivery: Delivery,
        version: int,
        activity_id: str | None,
        thread_id: str | None,
        now: datetime,
        state: DeliveryState = DeliveryState.DELIVERED,
        reason: str = "",
    ) -> None: ...

    async def unconfirmed(self, delivery: Delivery, version: int, reason: str, now: datetime) -> None: ...

    async def failed(self, delivery: Delivery, reason: str, retry_at: datetime, now: datetime) -> None: ...

    async def held(self, delivery: Delivery, reason: str, now: datetime) -> None: ...

    async def deactivate(self, conversation: str, reason: str, now: datetime) -> None: ...

    async def acknowledge(
        self, incident_id: str, conversation: str, by: str, now: datetime
    ) -> Delivery | None: ...

    async def audience_size(self, incident_id: str) -> int: ...

    async def notice(self, incident_id: str) -> Notice | None: ...

    async def delivery(
        self, incident_id: str, conversation: str
    ) -> tuple[Delivery, tuple[str, ...]] | None: ...

    async def latest(
        self, limit: int, customer_id: str | None = None
    ) -> list[tuple[Notice, list[Delivery]]]: ...

    async def notices(self) -> list[Notice]: ...

    async def forget_resolved_before(self, moment: datetime) -> int: ...
