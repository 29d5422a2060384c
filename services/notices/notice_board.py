"""Incidents seen, notices to tell, and where each notice stands in each conversation: the outbox.

Everything the watcher and the webhook learn goes through `observe`, which compares the incident with
what was last seen for that customer and bumps the incident's notice when something worth telling
changed (new, status, post, resolved, another customer affected), then records a pending delivery for
every conversation subscribed to it. So the two sources never make two notices of one incident, a
restart neither repeats nor misses a change, and a fan-out cut short is finished by the outbox.
Deliveries carry the activity id Teams returned, so the next change is an update in place, and the
claim of a send on its way, so a send an instance was stopped in the middle of is not made again.

One board over the records port (services/storage/records.py), on the SQLite file or on shared blobs
(several instances) alike; what one SQL transaction did is done by record changes:
- `incidents/<id>`: what each customer's tenant last said of the incident (its fingerprint) and the
  notice, in one record, so comparing and bumping the notice is one write: two instances observing the
  same change at once make one notice and one version bump (the second re-reads and sees no change).
- `deliveries/<id>/<conversation>`: where the notice stands in each conversation, with the claim of the
  instance sending it.
- `due/<id>/<conversation>`: an empty marker for each delivery that may be behind, written after the
  delivery (a marker the outbox removes, seeing the delivery caught up, is then written again; an
  instance that stops between the two leaves its fan-out unfinished, which the next round redoes), so
  the outbox is read without listing every delivery ever made; a marker whose delivery has caught up is
  removed by the next round.
- `baselines/<customer>[/<stream>]`: the customer's first poll of Microsoft 365 health (or of another
  stream, such as its Azure events) was taken.
The notice's `fanned_out` says up to which version its deliveries were written; a notice bumped by an
instance that stopped before writing them all is fanned out by the next round of the outbox.

Claims: the outbox is drained by one leader, but a leader can die mid-send. A send is claimed on its
delivery (instance and expiry) as its request leaves; a claim that expired without an outcome means the
card may have reached Teams, so it is recorded as may-not-have-arrived and never sent a second time. On
the SQLite file one process drains the outbox, and every outcome clears the claim: a claim found there
at all was left by a process that stopped, so it is taken for lapsed at once.

A SQLite file written by an earlier release kept all this in four tables (notices, observations,
deliveries, baselines): `migrate_notices_rows` moves them into the records once, at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from services.domain.models import (
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
from services.domain.ports import KnownConversations, Subscriptions
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE, Key
from services.storage.sqlite_database import SqliteDatabase
from services.storage.sqlite_records import insert_records

logger = logging.getLogger("bot.notices")
T = TypeVar("T")
# Parallel record writes while fanning one notice out.
FAN_OUT_CONCURRENCY = 32
# A notice bumped this long ago and still not fanned out lost its instance on the way: fan it out.
FAN_OUT_GRACE = timedelta(seconds=10)
# The tables an earlier release kept the board in, on the SQLite file.
OLD_TABLES = ("notices", "observations", "deliveries", "baselines")


def fingerprint(incident: Incident) -> str:
    """What, when it changes, is worth telling people about; and when Microsoft last changed it. A
    message center message adds when it leaves the message center (retention forgets it after that:
    nothing tells the board when an unchanged message ends)."""
    seen: list[Any] = [
        incident.status.code.casefold(),
        len(incident.posts),
        incident.is_resolved,
        incident.last_modified.isoformat(),
    ]
    if incident.is_change:
        seen.append(incident.end.isoformat() if incident.end else None)
    return json.dumps(seen)


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
    seen = json.loads(previous)
    if incident.is_change and len(seen) > 3 and incident.last_modified > datetime.fromisoformat(seen[3]):
        # Microsoft updated the message (its text, its act-by date): the card is updated in place.
        return ChangeKind.POST
    return None


def resolved_before(fingerprints: Iterable[str], notice: Notice | None, moment: datetime) -> bool:
    """Whether an incident may be forgotten (retention): every tenant last saw it resolved, Microsoft's
    last change to it is older than `moment`, and so is its notice's last change, resolved too."""
    if notice is not None and notice.incident.is_change:
        end = notice.incident.end
        if end is None or end >= moment or notice.updated >= moment:
            return False
    elif notice is not None and (not notice.incident.is_resolved or notice.updated >= moment):
        return False
    seen = [json.loads(f) for f in fingerprints]
    if not seen:
        return notice is not None
    for fingerprint_ in seen:
        if len(fingerprint_) > 4:  # a message center message: gone once it left the message center
            if fingerprint_[4] is None or datetime.fromisoformat(fingerprint_[4]) >= moment:
                return False
            continue
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
        act_by=moment(raw["act_by"]) if raw.get("act_by") else None,
    )


class NoticeBoard:
    def __init__(self, place: Place, subscriptions: Subscriptions, conversations: KnownConversations) -> None:
        if isinstance(place, SqliteDatabase):
            migrate_notices_rows(place)
        # One process drains a SQLite file: a claim found there was left by one that stopped.
        self._one_process = isinstance(place, SqliteDatabase)
        self._incidents = records_in(place, "incidents")
        self._deliveries = records_in(place, "deliveries")
        self._due = records_in(place, "due")
        self._baselines = records_in(place, "baselines")
        self._subscriptions = subscriptions
        self._conversations = conversations

    # What the watcher and the webhook learn.

    async def observe(
        self, customer: Customer, incident: Incident, now: datetime, announce: bool = True
    ) -> Notice | None:
        """Record what `customer`'s tenant says of `incident`; the notice when it changed for someone.
        `announce` off: only note it (a baseline of the caller's own, as the message center's is)."""
        return await self._observe(customer.customer_id, incident, now, announce)

    async def observe_tenant(
        self,
        customer: Customer,
        incidents: tuple[Incident, ...],
        now: datetime,
        announce: bool = True,
        stream: str = "",
    ) -> list[Notice]:
        """A whole poll of one of a customer's streams; the first poll of each stream only sets its
        baseline, so a stream the bot starts to read (Azure events after an upgrade, or for a customer
        given subscriptions) doesn't announce everything already going on in it."""
        key = (customer.customer_id, stream) if stream else (customer.customer_id,)
        tell = announce and await self._baselines.get(*key) is not None
        changed = [await self._observe(customer.customer_id, i, now, tell) for i in incidents]
        # Only now: a crash before this line makes the next poll a silent baseline again.
        await self._baselines.create({"seen_at": now.isoformat()}, *key)
        return [notice for notice in changed if notice is not None]

    async def _observe(
        self, customer_id: str, incident: Incident, now: datetime, announce: bool
    ) -> Notice | None:
        bumped: list[Notice] = []

        def change(before: dict[str, Any] | None) -> Any:
            bumped.clear()
            record = dict(before or _new_incident())
            seen = record["seen"].get(customer_id)
            if is_stale(seen, incident):
                return NO_CHANGE
            record["seen"] = {**record["seen"], customer_id: fingerprint(incident)}
            current = _notice(record["notice"]) if record["notice"] else None
            notice, news = after_observing(seen, current, customer_id, incident, now, announce)
            if notice is not None:
                record["notice"] = _notice_record(notice)
            if news:
                assert notice is not None
                bumped.append(notice)
            # A poll that finds the incident as it was writes nothing (a write per incident per poll).
            return NO_CHANGE if record == before else record

        await self._incidents.change(change, incident.incident_id)
        if not bumped:
            return None
        await self._fan_out(bumped[0], now)
        return bumped[0]

    async def _fan_out(self, notice: Notice, now: datetime) -> None:
        """A pending delivery of `notice` for every conversation subscribed to it; idempotent."""
        incident_id = notice.incident.incident_id
        audience = await self._subscriptions.audience(list(notice.customer_ids), notice.incident)
        known = await self._conversations.many(list(audience))
        inactive = {c for c, k in known.items() if not k.active}

        async def write(conversation: str, followed: list[str]) -> None:
            # An end goes only where the incident's card is: a conversation that subscribed while it was
            # going on (and heard nothing since) gets no "Resolved" card as its first.
            if (
                notice.change is ChangeKind.RESOLVED
                and await self._deliveries.get(incident_id, conversation) is None
            ):
                return

            def change(record: dict[str, Any] | None) -> Any:
                if record is not None and record["version"] >= notice.version:
                    return NO_CHANGE
                return {
                    **(record or _new_delivery()),
                    "followed": followed,
                    "version": notice.version,
                    "state": DeliveryState.INACTIVE if conversation in inactive else DeliveryState.PENDING,
                    "retry_at": None,
                    "updated_at": now.isoformat(),
                }

            await self._deliveries.change(change, incident_id, conversation)
            await self._due.create({}, incident_id, conversation)

        await _bounded(write(c, f) for c, f in audience.items())
        await self._incidents.change(
            lambda r: (
                {**r, "fanned_out": max(r["fanned_out"], notice.version)}
                if r and r["fanned_out"] < notice.version
                else NO_CHANGE
            ),
            incident_id,
        )

    # What the delivery loop needs.

    async def due(self, now: datetime, limit: int = 500) -> list[tuple[Notice, Delivery, tuple[str, ...]]]:
        """Deliveries behind their notice (or asked to refresh), oldest first, with who they follow."""
        await self._finish_fan_outs(now)
        markers = await self._due.keys()
        deliveries = await self._deliveries.get_many(markers)
        notices = await self._notices({incident_id for incident_id, _ in markers})
        found: list[tuple[Notice, Delivery, tuple[str, ...]]] = []
        caught_up: list[tuple[str, ...]] = []
        for key in markers:
            record = deliveries.get(key)
            notice = notices.get(key[0])
            if record is None or notice is None or not _behind(record):
                caught_up.append(key)
                continue
            retry_at = record["retry_at"]
            if retry_at is not None and datetime.fromisoformat(retry_at) > now:
                continue
            found.append((notice, _delivery(key, record), tuple(record["followed"])))
        await _bounded(self._forget_marker(key) for key in caught_up)
        found.sort(key=lambda item: item[1].updated)
        return found[:limit]

    async def _forget_marker(self, key: tuple[str, ...]) -> None:
        """Remove the marker, unless its delivery fell behind again meanwhile (then it stays)."""
        await self._due.delete(*key)
        record = await self._deliveries.get(*key)
        if record is not None and _behind(record):
            await self._due.create({}, *key)

    async def _finish_fan_outs(self, now: datetime) -> None:
        for (incident_id,), record in (await self._incidents.values()).items():
            notice = record["notice"]
            if notice and notice["version"] > record["fanned_out"]:
                if datetime.fromisoformat(notice["updated_at"]) <= now - FAN_OUT_GRACE:
                    logger.info("finishing an interrupted fan-out incident=%s", incident_id)
                    await self._fan_out(_notice(notice), now)

    async def _notices(self, incident_ids: Iterable[str]) -> dict[str, Notice]:
        found = await self._incidents.get_many((i,) for i in incident_ids)
        return {key[0]: _notice(r["notice"]) for key, r in found.items() if r["notice"]}

    async def claim(
        self, delivery: Delivery, holder: str, until: datetime, now: datetime, abandoned_reason: str
    ) -> Claim:
        """Take the send of this delivery's current version for `holder` until `until`.

        Any live claim keeps every sender off, `holder` too (App Service restarts an instance under the
        same name, and the new process must not send what the old one may have sent); on the SQLite file
        any claim found is one a stopped process left (see the module's docstring). A claim that
        lapsed without an outcome is recorded here, in the same write, as may-have-arrived with
        `abandoned_reason`, and a card it was posting is counted as unconfirmed: a change made since is
        still due, on the card whose id is known or else on one replacement (never a card per change)."""
        outcome: list[Claim] = []

        def change(record: dict[str, Any] | None) -> Any:
            outcome.clear()
            if record is None:
                outcome.append(Claim.BUSY)
                return NO_CHANGE
            claim_until = record.get("claim_until")
            if claim_until and datetime.fromisoformat(claim_until) > now and not self._one_process:
                outcome.append(Claim.BUSY)
                return NO_CHANGE
            if claim_until:
                outcome.append(Claim.ABANDONED)
                reached = max(record["delivered_version"], record["claimed_version"])
                behind = record["version"] > reached
                posting = record["activity_id"] is None
                return {
                    **_unclaimed(record),
                    "delivered_version": reached,
                    "refresh": False,
                    "unconfirmed_posts": record.get("unconfirmed_posts", 0) + (1 if posting else 0),
                    "state": DeliveryState.PENDING if behind else DeliveryState.UNCERTAIN,
                    "reason": abandoned_reason,
                    "updated_at": now.isoformat(),
                }
            outcome.append(Claim.CLAIMED)
            return {
                **record,
                "claimed_by": holder,
                "claim_until": until.isoformat(),
                "claimed_version": record["version"],
            }

        await self._deliveries.change(change, delivery.incident_id, delivery.conversation)
        return outcome[0]

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

        def change(record: dict[str, Any]) -> dict[str, Any]:
            reached = max(record["delivered_version"], version)
            return {
                **_unclaimed(record),
                "delivered_version": reached,
                "refresh": False,
                "activity_id": activity_id if activity_id is not None else record["activity_id"],
                "thread_id": thread_id if thread_id is not None else record["thread_id"],
                "state": DeliveryState.PENDING if record["version"] > reached else state,
                "reason": reason,
                "retry_at": None,
                "updated_at": now.isoformat(),
            }

        await self._update(delivery, change)

    async def unconfirmed(self, delivery: Delivery, version: int, reason: str, now: datetime) -> None:
        """A card posted for `version` whose answer was lost: it may have arrived, without its id."""

        def change(record: dict[str, Any]) -> dict[str, Any]:
            reached = max(record["delivered_version"], version)
            return {
                **_unclaimed(record),
                "delivered_version": reached,
                "refresh": False,
                "unconfirmed_posts": record.get("unconfirmed_posts", 0) + 1,
                "state": DeliveryState.PENDING if record["version"] > reached else DeliveryState.UNCERTAIN,
                "reason": reason,
                "retry_at": None,
                "updated_at": now.isoformat(),
            }

        await self._update(delivery, change)

    async def failed(self, delivery: Delivery, reason: str, retry_at: datetime, now: datetime) -> None:
        await self._set_state(delivery, DeliveryState.FAILED, reason, now, retry_at)

    async def held(self, delivery: Delivery, reason: str, now: datetime) -> None:
        await self._set_state(delivery, DeliveryState.HELD, reason, now, None)

    async def _set_state(
        self, delivery: Delivery, state: DeliveryState, reason: str, now: datetime, retry_at: datetime | None
    ) -> None:
        await self._update(
            delivery,
            lambda record: {
                **_unclaimed(record),
                "state": state,
                "reason": reason,
                "retry_at": retry_at.isoformat() if retry_at else None,
                "updated_at": now.isoformat(),
            },
        )

    async def _update(self, delivery: Delivery, change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        await self._deliveries.change(
            lambda record: change(record) if record else NO_CHANGE,
            delivery.incident_id,
            delivery.conversation,
        )

    async def deactivate(self, conversation: str, reason: str, now: datetime) -> None:
        """The conversation refused the bot (403/404): nothing more is sent there."""
        keys = [key for key in await self._deliveries.keys() if key[1] == conversation]

        async def mark(key: tuple[str, ...]) -> None:
            await self._deliveries.change(
                lambda r: (
                    {
                        **_unclaimed(r),
                        "state": DeliveryState.INACTIVE,
                        "reason": reason,
                        "updated_at": now.isoformat(),
                    }
                    if r
                    else NO_CHANGE
                ),
                *key,
            )

        await _bounded(mark(key) for key in keys)

    async def acknowledge(
        self, incident_id: str, conversation: str, by: str, now: datetime
    ) -> Delivery | None:
        """Who took the incident in this conversation; the card is refreshed for everyone there."""
        record = await self._deliveries.change(
            lambda r: (
                {**r, "acknowledged_by": by, "refresh": True, "updated_at": now.isoformat()}
                if r
                else NO_CHANGE
            ),
            incident_id,
            conversation,
        )
        if record is None:
            return None
        await self._due.create({}, incident_id, conversation)
        return _delivery((incident_id, conversation), record)

    async def audience_size(self, incident_id: str) -> int:
        """How many conversations are to hear of the incident's notice as it now stands (0: no notice).

        The instance that bumped the notice may still be writing its deliveries (the same event posted to
        two instances at once): the fan-out is finished here first, idempotently, so both count them all."""
        record = await self._incidents.get(incident_id)
        if record is None or not record["notice"]:
            return 0
        notice = _notice(record["notice"])
        if record["fanned_out"] < notice.version:
            await self._fan_out(notice, notice.updated)
        records = await self._deliveries.values(incident_id)
        return sum(
            1
            for r in records.values()
            if r["version"] == notice.version and r["state"] != DeliveryState.INACTIVE
        )

    async def notice(self, incident_id: str) -> Notice | None:
        record = await self._incidents.get(incident_id)
        return _notice(record["notice"]) if record and record["notice"] else None

    async def delivery(self, incident_id: str, conversation: str) -> tuple[Delivery, tuple[str, ...]] | None:
        record = await self._deliveries.get(incident_id, conversation)
        if record is None:
            return None
        return _delivery((incident_id, conversation), record), tuple(record["followed"])

    async def notices(self) -> list[Notice]:
        """Every notice as it now stands, without its deliveries (one listing)."""
        records = await self._incidents.values()
        return [_notice(r["notice"]) for r in records.values() if r["notice"]]

    async def latest(self, limit: int, customer_id: str | None = None) -> list[tuple[Notice, list[Delivery]]]:
        """The newest notices (about one customer, if given), each with its deliveries."""
        records = await self._incidents.values()
        notices = sorted(
            (_notice(r["notice"]) for r in records.values() if r["notice"]),
            key=lambda n: n.updated,
            reverse=True,
        )
        chosen = [n for n in notices if customer_id is None or customer_id in n.customer_ids][:limit]
        found = []
        for notice in chosen:
            deliveries = await self._deliveries.values(notice.incident.incident_id)
            found.append((notice, [_delivery(key, r) for key, r in sorted(deliveries.items())]))
        return found

    # Retention.

    async def forget_resolved_before(self, moment: datetime) -> int:
        """Incidents resolved before `moment` lose their deliveries, outbox markers and then their record
        (notice and observations), in that order so a round cut off is finished by the next; how many
        incidents went."""
        doomed = [
            incident_id
            for (incident_id,), record in (await self._incidents.values()).items()
            if resolved_before(
                record["seen"].values(), _notice(record["notice"]) if record["notice"] else None, moment
            )
        ]
        for incident_id in doomed:
            keys = await self._deliveries.keys(incident_id) + await self._due.keys(incident_id)
            await _bounded(self._deliveries.delete(*key) for key in keys)
            await _bounded(self._due.delete(*key) for key in keys)
            await self._incidents.delete(incident_id)
        return len(doomed)


def migrate_notices_rows(database: SqliteDatabase) -> None:
    """Move the board an earlier release kept in the `notices`, `observations`, `deliveries` and
    `baselines` tables into its records, in one transaction, once: each incident's notice with what each
    tenant last said of it (fanned out, as the old transaction did), each delivery with its claim, a due
    marker for each delivery still behind, and each baseline. The old tables are kept as
    `<table>_before_records`; a file without them (a new install, or a second start) is left as it is."""
    records_in(database, "incidents")  # the records table, made if this is its first start

    def move(db: sqlite3.Connection) -> None:
        present = {
            row[0]
            for row in db.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                f"({','.join('?' * len(OLD_TABLES))})",
                OLD_TABLES,
            )
        }
        if not present:
            return
        rows = {table: _rows(db, table) if table in present else [] for table in OLD_TABLES}
        records: dict[tuple[str, Key], Any] = {}
        for row in rows["observations"]:
            incident = records.setdefault(("incidents", (row["incident_id"],)), _new_incident())
            incident["seen"][row["customer_id"]] = row["fingerprint"]
        for row in rows["notices"]:
            incident = records.setdefault(("incidents", (row["incident_id"],)), _new_incident())
            incident["notice"] = {
                "incident": row["incident"],
                "customer_ids": json.loads(row["customer_ids"]),
                "version": row["version"],
                "change": row["change"],
                "first_seen": row["first_seen"],
                "updated_at": row["updated_at"],
            }
            incident["fanned_out"] = row["version"]
        for row in rows["deliveries"]:
            key = (row["incident_id"], row["conversation"])
            delivery = {
                **_new_delivery(),
                **{name: row[name] for name in _DELIVERY_FIELDS if name in row},
                "followed": json.loads(row["followed"]),
                "refresh": bool(row["refresh"]),
                "claimed_by": None,
                "claim_until": row.get("claim_until"),
                "claimed_version": row.get("claimed_version", 0),
            }
            records["deliveries", key] = delivery
            if _behind(delivery):
                records["due", key] = {}
        for row in rows["baselines"]:
            records["baselines", (row["customer_id"],)] = {"seen_at": row["seen_at"]}
        insert_records(db, records)
        for table in sorted(present):
            db.execute(f"ALTER TABLE {table} RENAME TO {table}_before_records")

    database.upgrade(move)


# A delivery's columns that its record holds as they were (the rest are converted or were added later).
_DELIVERY_FIELDS = (
    "version",
    "delivered_version",
    "state",
    "activity_id",
    "thread_id",
    "reason",
    "acknowledged_by",
    "unconfirmed_posts",
    "retry_at",
    "updated_at",
)


def _rows(db: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    cursor = db.execute(f"SELECT * FROM {table} ORDER BY rowid")  # one of OLD_TABLES, not input
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _new_incident() -> dict[str, Any]:
    return {"seen": {}, "notice": None, "fanned_out": 0}


def _behind(record: dict[str, Any]) -> bool:
    return bool(
        (record["version"] > record["delivered_version"] or record["refresh"])
        and record["state"] != DeliveryState.INACTIVE
    )


def _new_delivery() -> dict[str, Any]:
    return {
        "delivered_version": 0,
        "activity_id": None,
        "thread_id": None,
        "reason": "",
        "acknowledged_by": "",
        "refresh": False,
        "unconfirmed_posts": 0,
    }


def _unclaimed(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "claimed_by": None, "claim_until": None, "claimed_version": 0}


def _delivery(key: tuple[str, ...], record: dict[str, Any]) -> Delivery:
    incident_id, conversation = key
    return Delivery(
        incident_id,
        conversation,
        DeliveryState(record["state"]),
        record["version"],
        record["delivered_version"],
        record["activity_id"],
        record["thread_id"],
        record["reason"],
        record["acknowledged_by"],
        datetime.fromisoformat(record["updated_at"]),
        record.get("unconfirmed_posts", 0),
    )


def _notice_record(notice: Notice) -> dict[str, Any]:
    return {
        "incident": incident_to_json(notice.incident),
        "customer_ids": list(notice.customer_ids),
        "version": notice.version,
        "change": notice.change.value,
        "first_seen": notice.first_seen.isoformat(),
        "updated_at": notice.updated.isoformat(),
    }


def _notice(record: dict[str, Any]) -> Notice:
    return Notice(
        incident_from_json(record["incident"]),
        tuple(record["customer_ids"]),
        record["version"],
        ChangeKind(record["change"]),
        datetime.fromisoformat(record["first_seen"]),
        datetime.fromisoformat(record["updated_at"]),
    )


async def _bounded(work: Iterable[Awaitable[T]]) -> list[T]:
    """Run `work` with at most FAN_OUT_CONCURRENCY at a time."""
    gate = asyncio.Semaphore(FAN_OUT_CONCURRENCY)

    async def one(item: Awaitable[T]) -> T:
        async with gate:
            return await item

    return await asyncio.gather(*(one(item) for item in work))
