"""What the conversation layer needs from a backend; the demo and live backends both provide it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from services.document_store import DocumentWrite, StoredDocument
from services.models import (
    AuditEntry,
    Customer,
    Filing,
    RequestDraft,
    ServiceRequest,
    SupportCatalogue,
    TenantHealth,
)
from services.turn_journal import Acceptance, UnfinishedTurn


class CustomerDirectory(Protocol):
    """The partner's customers (Partner Center `GET /v1/customers`)."""

    async def list_customers(self) -> Sequence[Customer]: ...


class HealthSource(Protocol):
    """Service health in a customer's tenant (Graph `healthOverviews?$expand=issues`).

    Raises DelegatedAccessMissing when the partner can't read the tenant.
    """

    async def tenant_health(self, customer: Customer) -> TenantHealth: ...


class Backend(CustomerDirectory, HealthSource, Protocol):
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
        self, customer: Customer | None = None, limit: int = 10
    ) -> Sequence[ServiceRequest]: ...

    async def service_request(self, number: str) -> ServiceRequest: ...

    async def add_note(self, number: str, author: str, text: str) -> ServiceRequest: ...

    async def link_request(self, reference: str, number: str) -> ServiceRequest:
        """Attach the SR number a portal gave to a handed-off request (Partner Center hand-off)."""
        ...


class GroupMembership(Protocol):
    """Whether a user is in an Entra group (BOT_OPERATORS_GROUP): Graph
    `POST /users/{id}/checkMemberGroups` on the live backend, a fixed demo group on the demo one."""

    async def is_member(self, group_id: str, user_object_id: str) -> bool: ...


class AuditTrail(Protocol):
    """Where privileged actions are recorded (services/audit_log.py)."""

    async def record(self, entry: AuditEntry) -> None: ...


class AuditHistory(AuditTrail, Protocol):
    """The audit log as `audit` reads it back: SQLite (services/audit_log.py) or Azure blobs
    (services/blob_audit_log.py). `latest` is newest first, in the order the entries were recorded."""

    async def latest(self, count: int) -> list[AuditEntry]: ...


class DocumentStore(Protocol):
    """Bot state (conversation, user and dialog state) as JSON documents with ETags: SQLite
    (services/document_store.py) or Azure blobs (services/blob_documents.py).

    `write` raises StaleWriteError when a document's `expected_etag` is not its current one."""

    async def read(self, keys: Iterable[str]) -> dict[str, StoredDocument]: ...

    async def write(self, changes: Mapping[str, DocumentWrite]) -> dict[str, str]: ...

    async def delete(self, keys: Iterable[str]) -> None: ...


class ActivityJournal(Protocol):
    """Which activities were accepted and answered: SQLite (services/turn_journal.py) or Azure blobs
    (services/blob_turn_journal.py). `accept` says NEW to exactly one caller per id and conversation."""

    async def accept(
        self,
        conversation: str,
        activity_id: str,
        reference: Mapping[str, Any],
        asked: str | None,
        now: datetime,
    ) -> Acceptance: ...

    async def finish(self, conversation: str, activity_id: str) -> None: ...

    async def unfinished(self) -> list[UnfinishedTurn]: ...

    async def forget_before(self, moment: datetime) -> None: ...
