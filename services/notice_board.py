"""Incidents seen, notices to tell, and where each notice stands in each conversation: the outbox.

Everything the watcher and the webhook learn goes through `observe`, which in one transaction compares
the incident with what was last seen for that customer, bumps the incident's notice when something worth
telling changed (new, status, post, resolved, another customer affected), and records a pending delivery
for every conversation subscribed to it. So the two sources never make two notices of one incident, a
restart neither repeats nor misses a change, and a crash mid fan-out resumes from the deliveries left
pending. Deliveries carry the activity id Teams returned, so the next change is an update in place, and
the claim of a send on its way, so a send the process was killed in the middle of is not made again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from services.conversations import inactive_in
from services.models import (
    ChangeKind,
    Claim,
    Customer,
    Delivery,
    DeliveryState,
    Incident,
    IncidentPost,
    Notice,
    ServiceStatus,
)
from services.sqlite_database import SqliteDatabase
from services.storage.sqlite_records import SqliteRecords
from services.subscriptions import audience_in

_SCHEMA = """
CREATE TABLE IF NOT EXISTS observations (
    customer_id TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, incident_id)
);
CREATE TABLE IF NOT EXISTS baselines (customer_id TEXT PRIMARY KEY, seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notices (
    incident_id TEXT PRIMARY KEY,
    incident TEXT NOT NULL,
    customer_ids TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    incident_id TEXT NOT NULL,
    conversation TEXT NOT NULL,
    followed TEXT NOT NULL,
    version INTEGER NOT NULL,
    delivered_version INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    activity_id TEXT,
    thread_id TEXT,
    reason TEXT NOT NULL DEFAULT '',
    acknowledged_by TEXT NOT NULL DEFAULT '',
    refresh INTEGER NOT NULL DEFAULT 0,
    unconfirmed_posts INTEGER NOT NULL DEFAULT 0,
    claim_until TEXT,
    claimed_version INTEGER NOT NULL DEFAULT 0,
    retry_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, conversation)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, retry_at);
"""


def fingerprint(incident: Incident) -> str:
    """What, when it changes, is worth telling people about; and when Microsoft last changed it."""
    return json.dumps(
        [
            incident.status.code.casefold(),
            len(incident.posts),
            incident.is_resolved,
            incident.last_modified.isoformat(),
        ]
    )


def is_stale(previous: str | None, incident: Incident) -> bool:
    """Older than what was already seen (a late or out-of-order event): it must not turn a card back."""
    if previous is None:
        return False
    seen = json.loads(previous)
    return len(seen) > 3 and incident.last_modified < datetime.fromisoformat(seen[3])


def classify(previous: str | None, incident: Incident) -> ChangeKind | None:
    """The change since `previous` (a fingerprint), or None when nothing worth telling happened."""
    if previous is None:
        return None if incident.is_resolved else ChangeKind.NEW
    status, posts, resolved = json.loads(previous)[:3]
    if incident.is_resolved and not resolved:
        return ChangeKind.RESOLVED
    if incident.status.code.casefold() != status:
        return ChangeKind.STATUS
    if len(incident.posts) > posts:
        return ChangeKind.POST
    return None


def resolved_before(fingerprints: Iterable[str], notice: Notice | None, moment: datetime) -> bool:
    """Whether an incident may be forgotten (retention): every tenant last saw it resolved, Microsoft's
    last change to it is older than `moment`, and so is its notice's last change, resolved too."""
    if notice is not None and (not notice.incident.is_resolved or notice.updated >= moment):
        return False
    seen = [json.loads(f) for f in fingerprints]
    if not seen:
        return notice is not None
    for fingerprint_ in seen:
        if not fingerprint_[2]:
            return False
        if len(fingerprint_) > 3:
            if datetime.fromisoformat(fingerprint_[3]) >= moment:
                return False
        elif notice is None:
            return False  # recorded before fingerprints said when: keep until a notice can tell
    return True


def after_observing(
    seen: str | None,
    current: Notice | None,
    customer_id: str,
    incident: Incident,
    now: datetime,
    announce: bool,
) -> tuple[Notice | None, bool]:
    """The incident's notice once `customer_id`'s tenant said `incident` (its fingerprint was `seen`), and
    whether that is news: a new version to tell. Both boards decide with this, in their one write.

    Not news, the notice still takes the newest state (another tenant's older view doesn't turn it back),
    and a customer seen at its baseline (`announce` off) joins its list without announcing a spread."""
    change = classify(seen, incident)
    if current is None and change is ChangeKind.RESOLVED:
        # Seen going on at a baseline (silently) and now over, with nobody ever told of it: its end alone is
        # no news; a first notice saying "Resolved" about an incident from before the subscription would be.
        change = None
    if current is not None and customer_id not in current.customer_ids and not incident.is_resolved:
        change = ChangeKind.SPREAD if change in (None, ChangeKind.NEW) else change
    if change is None or not announce:
        if current is None:
            return None, False
        newer = incident if incident.last_modified >= current.incident.last_modified else current.incident
        joined = current.customer_ids
        if not announce and customer_id not in joined and not incident.is_resolved:
            joined = (*joined, customer_id)
        return replace(current, incident=newer, customer_ids=joined), False
    customers = tuple(dict.fromkeys([*(current.customer_ids if current else ()), customer_id]))
    version = (current.version if current else 0) + 1
    return Notice(incident, customers, version, change, current.first_seen if current else now, now), True


def _was_told(db: sqlite3.Connection, incident_id: str, conversation: str) -> bool:
    """Whether `conversation` had a card of the incident. Its end goes only there: a conversation that
    subscribed while it was going on (and heard nothing since) gets no "Resolved" card as its first."""
    found = db.execute(
        "SELECT 1 FROM deliveries WHERE incident_id = ? AND conversation = ?", (incident_id, conversation)
    ).fetchone()
    return found is not None


def incident_to_json(incident: Incident) -> str:
    raw = asdict(incident)
    raw["status"] = incident.status.code
    return json.dumps(raw, default=lambda value: value.isoformat())


def incident_from_json(text: str) -> Incident:
    raw = json.loads(text)
    moment = datetime.fromisoformat
    return Incident(
        incident_id=raw["incident_id"],
        title=raw["title"],
        service=raw["service"],
        feature=raw["feature"],
        feature_group=raw["feature_group"],
        status=ServiceStatus(raw["status"]),
        classification=raw["classification"],
        impact=raw["impact"],
        start=moment(raw["start"]),
        end=moment(raw["end"]) if raw["end"] else None,
        last_modified=moment(raw["last_modified"]),
        is_resolved=raw["is_resolved"],
        posts=tuple(IncidentPost(moment(p["created"]), p["text"]) for p in raw["posts"]),
    )


def _notice(row: tuple[Any, ...]) -> Notice:
    incident, customer_ids, version, change, first_seen, updated = row
    return Notice(
        incident_from_json(incident),
        tuple(json.loads(customer_ids)),
        version,
        ChangeKind(change),
        datetime.fromisoformat(first_seen),
        datetime.fromisoformat(updated),
    )


_NOTICE_COLUMNS = "incident, customer_ids, version, change, first_seen, updated_at"
_DELIVERY_COLUMNS = (
    "incident_id, conversation, state, version, delivered_version, activity_id, thread_id, reason, "
    "acknowledged_by, updated_at, unconfirmed_posts"
)


def _delivery(row: tuple[Any, ...]) -> Delivery:
    incident_id, conversation, state, version, delivered, activity_id, thread_id, reason, ack = row[:9]
    updated, unconfirmed_posts = row[9:]
    return Delivery(
        incident_id,
        conversation,
        DeliveryState(state),
        version,
        delivered,
        activity_id,
        thread_id,
        reason,
        ack,
        datetime.fromisoformat(updated),
        unconfirmed_posts,
    )


class NoticeBoard:
    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        database.create_schema(_SCHEMA)
        database.ensure_column("deliveries", "unconfirmed_posts", "INTEGER NOT NULL DEFAULT 0")
        database.ensure_column("deliveries", "claim_until", "TEXT")
        database.ensure_column("deliveries", "claimed_version", "INTEGER NOT NULL DEFAULT 0")
        SqliteRecords(database, "conversations")  # the records table it reads the audience from

    # What the watcher and the webhook learn.

    async def observe(self, customer: Customer, incident: Incident, now: datetime) -> Notice | None:
        """Record what `customer`'s tenant says of `incident`; the notice when it changed for someone."""
        return await self._database.run(
            lambda db: self._observe(db, customer.customer_id, incident, now, True)
        )

    async def observe_tenant(
        self, customer: Customer, incidents: tuple[Incident, ...], now: datetime, announce: bool = True
    ) -> list[Notice]:
        """A whole poll of one tenant. The first poll of a customer, and any with `announce` off, only sets
        the baseline: what is already going on when a subscription starts is not announced as new."""

        def work(db: sqlite3.Connection) -> list[Notice]:
            baselined = db.execute(
                "SELECT 1 FROM baselines WHERE customer_id = ?", (customer.customer_id,)
            ).fetchone()
            tell = announce and bool(baselined)
            changed = [self._observe(db, customer.customer_id, i, now, tell) for i in incidents]
            # Only now: a crash before this line makes the next poll a silent baseline again.
            db.execute(
                "INSERT OR IGNORE INTO baselines (customer_id, seen_at) VALUES (?, ?)",
                (customer.customer_id, now.isoformat()),
            )
            return [notice for notice in changed if notice is not None]

        return await self._database.run(work)

    def _observe(
        self, db: sqlite3.Connection, customer_id: str, incident: Incident, now: datetime, announce: bool
    ) -> Notice | None:
        with SqliteDatabase.transaction(db):
            seen = db.execute(
                "SELECT fingerprint FROM observations WHERE customer_id = ? AND incident_id = ?",
                (customer_id, incident.incident_id),
            ).fetchone()
            if is_stale(seen[0] if seen else None, incident):
                return None
            db.execute(
                "INSERT INTO observations (customer_id, incident_id, fingerprint, seen_at) "
                "VALUES (?, ?, ?, ?) "
                "ON CONFLICT(customer_id, incident_id) DO UPDATE SET fingerprint = excluded.fingerprint, "
                "seen_at = excluded.seen_at",
                (customer_id, incident.incident_id, fingerprint(incident), now.isoformat()),
            )
            row = db.execute(
                f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE incident_id = ?", (incident.incident_id,)
            ).fetchone()
            current = _notice(row) if row else None
            notice, news = after_observing(
                seen[0] if seen else None, current, customer_id, incident, now, announce
            )
            if notice is None:
                return None
            if not news:
                db.execute(
                    "UPDATE notices SET incident = ?, customer_ids = ? WHERE incident_id = ?",
                    (
                        incident_to_json(notice.incident),
                        json.dumps(list(notice.customer_ids)),
                        incident.incident_id,
                    ),
                )
                return None
            db.execute(
                f"INSERT OR REPLACE INTO notices (incident_id, {_NOTICE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    incident.incident_id,
                    incident_to_json(incident),
                    json.dumps(list(notice.customer_ids)),
                    notice.version,
                    notice.change.value,
                    notice.first_seen.isoformat(),
                    now.isoformat(),
                ),
            )
            # A conversation that refused the bot (403/404) hears nothing until it writes to the bot again.
            inactive = inactive_in(db)
            for conversation, followed in audience_in(db, list(notice.customer_ids), incident).items():
                if notice.change is ChangeKind.RESOLVED and not _was_told(
                    db, incident.incident_id, conversation
                ):
                    continue
                db.execute(
                    "INSERT INTO deliveries "
                    "(incident_id, conversation, followed, version, state, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(incident_id, conversation) DO UPDATE SET "
                    "followed = excluded.followed, version = excluded.version, "
                    "updated_at = excluded.updated_at, retry_at = NULL, state = excluded.state",
                    (
                        incident.incident_id,
                        conversation,
                        json.dumps(followed),
                        notice.version,
                        "inactive" if conversation in inactive else "pending",
                        now.isoformat(),
                    ),
                )
            return notice

    # What the delivery loop needs.

    async def claim(
        self, delivery: Delivery, holder: str, until: datetime, now: datetime, abandoned_reason: str
    ) -> Claim:
        """Take the send of this delivery's current version, as its request leaves.

        One process drains this file, and every outcome clears the claim: a claim still here was left by
        a process that stopped (killed, crashed) while sending, so the card may have reached Teams. It is
        recorded as may-have-arrived with `abandoned_reason` (a card it was posting counted as
        unconfirmed), never sent a second time; a change made since is still due."""

        def work(db: sqlite3.Connection) -> Claim:
            key = (delivery.incident_id, delivery.conversation)
            with SqliteDatabase.transaction(db):
                row = db.execute(
                    "SELECT claim_until, claimed_version, delivered_version, version, activity_id "
                    "FROM deliveries WHERE incident_id = ? AND conversation = ?",
                    key,
                ).fetchone()
                if row is None:
                    return Claim.BUSY
                claim_until, claimed_version, delivered_version, version, activity_id = row
                if claim_until is None:
                    db.execute(
                        "UPDATE deliveries SET claim_until = ?, claimed_version = version "
                        "WHERE incident_id = ? AND conversation = ?",
                        (until.isoformat(), *key),
                    )
                    return Claim.CLAIMED
                reached = max(delivered_version, claimed_version)
                db.execute(
                    "UPDATE deliveries SET claim_until = NULL, claimed_version = 0, delivered_version = ?, "
                    "refresh = 0, unconfirmed_posts = unconfirmed_posts + ?, state = ?, reason = ?, "
                    "updated_at = ? WHERE incident_id = ? AND conversation = ?",
                    (
                        reached,
                        1 if activity_id is None else 0,
                        "pending" if version > reached else "uncertain",
                        abandoned_reason,
                        now.isoformat(),
                        *key,
                    ),
                )
                return Claim.ABANDONED

        return await self._database.run(work)

    async def due(self, now: datetime, limit: int = 500) -> list[tuple[Notice, Delivery, tuple[str, ...]]]:
        """Deliveries behind their notice (or asked to refresh), oldest first, with who they follow."""

        def select(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
            return db.execute(
                f"SELECT n.incident, n.customer_ids, n.version, n.change, n.first_seen, n.updated_at, "
                f"d.followed, {', '.join('d.' + c.strip() for c in _DELIVERY_COLUMNS.split(','))} "
                "FROM deliveries d JOIN notices n ON n.incident_id = d.incident_id "
                "WHERE (d.version > d.delivered_version OR d.refresh = 1) AND d.state NOT IN ('inactive') "
                "AND (d.retry_at IS NULL OR d.retry_at <= ?) ORDER BY d.updated_at LIMIT ?",
                (now.isoformat(), limit),
            ).fetchall()

        return [
            (_notice(row[:6]), _delivery(row[7:]), tuple(json.loads(row[6])))
            for row in await self._database.run(select)
        ]

    async def delivered(
        self,
        delivery: Delivery,
        version: int,
        activity_id: str | None,
        thread_id: str | None,
        now: datetime,
        state: DeliveryState = DeliveryState.DELIVERED,
        reason: str = "",
    ) -> None:
        """`version` of the notice reached the conversation (or, UNCERTAIN, may have)."""
        await self._database.run(
            lambda db: db.execute(
                "UPDATE deliveries SET delivered_version = max(delivered_version, ?), refresh = 0, "
                "claim_until = NULL, activity_id = coalesce(?, activity_id), "
                "thread_id = coalesce(?, thread_id), "
                "state = CASE WHEN version > max(delivered_version, ?) THEN 'pending' ELSE ? END, "
                "reason = ?, retry_at = NULL, updated_at = ? WHERE incident_id = ? AND conversation = ?",
                (
                    version,
                    activity_id,
                    thread_id,
                    version,
                    state.value,
                    reason,
                    now.isoformat(),
                    delivery.incident_id,
                    delivery.conversation,
                ),
            )
        )

    async def unconfirmed(self, delivery: Delivery, version: int, reason: str, now: datetime) -> None:
        """A card posted for `version` whose answer was lost: it may have arrived, without its id."""
        await self._database.run(
            lambda db: db.execute(
                "UPDATE deliveries SET delivered_version = max(delivered_version, ?), refresh = 0, "
                "claim_until = NULL, unconfirmed_posts = unconfirmed_posts + 1, "
                "state = CASE WHEN version > max(delivered_version, ?) THEN 'pending' ELSE 'uncertain' END, "
                "reason = ?, retry_at = NULL, updated_at = ? WHERE incident_id = ? AND conversation = ?",
                (version, version, reason, now.isoformat(), delivery.incident_id, delivery.conversation),
            )
        )

    async def failed(self, delivery: Delivery, reason: str, retry_at: datetime, now: datetime) -> None:
        await self._set_state(delivery, DeliveryState.FAILED, reason, now, retry_at)

    async def held(self, delivery: Delivery, reason: str, now: datetime) -> None:
        await self._set_state(delivery, DeliveryState.HELD, reason, now, None)

    async def _set_state(
        self, delivery: Delivery, state: DeliveryState, reason: str, now: datetime, retry_at: datetime | None
    ) -> None:
        await self._database.run(
            lambda db: db.execute(
                "UPDATE deliveries SET state = ?, reason = ?, retry_at = ?, updated_at = ?, "
                "claim_until = NULL WHERE incident_id = ? AND conversation = ?",
                (
                    state.value,
                    reason,
                    retry_at.isoformat() if retry_at else None,
                    now.isoformat(),
                    delivery.incident_id,
                    delivery.conversation,
                ),
            )
        )

    async def deactivate(self, conversation: str, reason: str, now: datetime) -> None:
        """The conversation refused the bot (403/404): nothing more is sent there."""
        await self._database.run(
            lambda db: db.execute(
                "UPDATE deliveries SET state = 'inactive', reason = ?, updated_at = ?, claim_until = NULL "
                "WHERE conversation = ?",
                (reason, now.isoformat(), conversation),
            )
        )

    async def acknowledge(
        self, incident_id: str, conversation: str, by: str, now: datetime
    ) -> Delivery | None:
        """Who took the incident in this conversation; the card is refreshed for everyone there."""

        def work(db: sqlite3.Connection) -> Delivery | None:
            db.execute(
                "UPDATE deliveries SET acknowledged_by = ?, refresh = 1, updated_at = ? "
                "WHERE incident_id = ? AND conversation = ?",
                (by, now.isoformat(), incident_id, conversation),
            )
            row = db.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE incident_id = ? AND conversation = ?",
                (incident_id, conversation),
            ).fetchone()
            return _delivery(row) if row else None

        return await self._database.run(work)

    async def audience_size(self, incident_id: str) -> int:
        """How many conversations are to hear of the incident's notice as it now stands (0: no notice)."""
        row = await self._database.run(
            lambda db: db.execute(
                "SELECT count(*) FROM deliveries d JOIN notices n ON n.incident_id = d.incident_id "
                "WHERE d.incident_id = ? AND d.version = n.version AND d.state != 'inactive'",
                (incident_id,),
            ).fetchone()
        )
        return int(row[0])

    async def notice(self, incident_id: str) -> Notice | None:
        row = await self._database.run(
            lambda db: db.execute(
                f"SELECT {_NOTICE_COLUMNS} FROM notices WHERE incident_id = ?", (incident_id,)
            ).fetchone()
        )
        return _notice(row) if row else None

    async def delivery(self, incident_id: str, conversation: str) -> tuple[Delivery, tuple[str, ...]] | None:
        row = await self._database.run(
            lambda db: db.execute(
                f"SELECT {_DELIVERY_COLUMNS}, followed FROM deliveries "
                "WHERE incident_id = ? AND conversation = ?",
                (incident_id, conversation),
            ).fetchone()
        )
        return (_delivery(row[:-1]), tuple(json.loads(row[-1]))) if row else None

    async def latest(self, limit: int, customer_id: str | None = None) -> list[tuple[Notice, list[Delivery]]]:
        """The newest notices (about one customer, if given), each with its deliveries."""

        def select(db: sqlite3.Connection) -> list[tuple[Notice, list[Delivery]]]:
            rows = db.execute(
                f"SELECT incident_id, {_NOTICE_COLUMNS} FROM notices ORDER BY updated_at DESC"
            ).fetchall()
            found = []
            for row in rows:
                notice = _notice(row[1:])
                if customer_id is not None and customer_id not in notice.customer_ids:
                    continue
                deliveries = db.execute(
                    f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE incident_id = ? ORDER BY conversation",
                    (row[0],),
                ).fetchall()
                found.append((notice, [_delivery(d) for d in deliveries]))
                if len(found) == limit:
                    break
            return found

        return await self._database.run(select)

    async def forget_resolved_before(self, moment: datetime) -> int:
        """Retention: incidents resolved before `moment` lose their notice, deliveries and observations
        (see resolved_before); how many incidents went."""

        def work(db: sqlite3.Connection) -> int:
            seen: dict[str, list[str]] = {}
            for incident_id, fingerprint_ in db.execute("SELECT incident_id, fingerprint FROM observations"):
                seen.setdefault(incident_id, []).append(fingerprint_)
            notices = {
                row[0]: _notice(row[1:])
                for row in db.execute(f"SELECT incident_id, {_NOTICE_COLUMNS} FROM notices").fetchall()
            }
            doomed = [
                incident_id
                for incident_id in seen.keys() | notices.keys()
                if resolved_before(seen.get(incident_id, []), notices.get(incident_id), moment)
            ]
            with SqliteDatabase.transaction(db):
                for incident_id in doomed:
                    for table in ("deliveries", "notices", "observations"):
                        db.execute(f"DELETE FROM {table} WHERE incident_id = ?", (incident_id,))
            return len(doomed)

        return await self._database.run(work)
