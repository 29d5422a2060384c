"""Which incoming activities the bot accepted and whether each got its answer, on the records port.

Teams redelivers an activity it thinks failed; an id already accepted in a conversation is not handled
again, across restarts and instances. An activity accepted but never finished (the process was stopped
or killed mid-turn) is still here, under the run of the process that owned it: once that run's heartbeat
has lapsed (services/instances/instance_heartbeats.py), a sweep claims it, exactly once, and the person who
asked is told rather than forgotten. How far the answer got (handed to the Bot Connector, or confirmed) is
recorded too, so what they are told is true.

Two collections, keyed by conversation and activity:
- `turns`: `{"accepted_at"}`, created once (so exactly one caller accepts an id), kept for recognising
  redeliveries until retention forgets it;
- `open-turns`: while the turn has no answer, what a sweep needs to tell its person (reference, what was
  asked, when, the owning run, how far the answer got). Finishing deletes it; a sweep claims it by
  writing its own token into it, and exactly one token holds. Sweeps list only these, never the history.
A turn with no open marker was answered. A turn and its marker are written together (on SQLite in one
transaction); on blobs a process killed between the two writes (milliseconds) leaves a turn that looks
answered.

The previous release wrote the same blob names but kept a turn's date and owner in blob metadata, a
finished turn's body as `{}` and an unfinished one's reference in the turn, with an empty marker: such a
turn reads as answered, or as open in a run nobody knows (so the first sweep tells its person).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.domain.models import Acceptance, Answer, UnfinishedTurn
from services.storage.places import Place, records_in
from services.storage.records import NO_CHANGE, key_name
from services.storage.sqlite_database import SqliteDatabase

_TURNS = "turns"
_OPEN = "open-turns"
# When a turn the previous release kept on blobs was accepted: its date lay in metadata, out of reach.
_UNDATED = datetime.min.replace(tzinfo=UTC)


class TurnJournal:
    def __init__(self, place: Place, owner: str = "") -> None:
        """`owner` names this run in each turn it accepts."""
        if isinstance(place, SqliteDatabase):
            migrate_turns_rows(place)
        self._turns = records_in(place, _TURNS)
        self._open = records_in(place, _OPEN)
        self._owner = owner
        # The marker of each turn this run accepted and hasn't finished, and its version.
        self._mine: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}

    async def accept(
        self,
        conversation: str,
        activity_id: str,
        reference: Mapping[str, Any],
        asked: str | None,
        now: datetime,
    ) -> Acceptance:
        """Record the activity, or say what is already known of this id in this conversation."""
        at = now.isoformat()
        marker = {"reference": dict(reference), "asked": asked, "accepted_at": at, "owner": self._owner}
        version = await self._turns.create_marked(
            {"accepted_at": at}, conversation, activity_id, marks=_OPEN, mark=marker
        )
        if version is not None:
            self._mine[conversation, activity_id] = (marker, version)
            return Acceptance.NEW
        if await self._open.get(conversation, activity_id) is None:
            return Acceptance.ANSWERED
        return Acceptance.UNANSWERED

    async def answering(self, conversation: str, activity_id: str, answer: Answer) -> None:
        """The answer was handed to the Connector, or the Connector confirmed it (never taken back).

        The run that accepted the turn knows the marker it wrote: one write over that version (a plain
        UPDATE on SQLite), unless a sweep's claim came in between."""
        key = (conversation, activity_id)
        if key in self._mine:
            marker, version = self._mine[key]
            if marker.get("answer") in (answer.value, Answer.DELIVERED.value):
                return
            new = {**marker, "answer": answer.value}
            written = await self._open.put(new, *key, version=version)
            if key not in self._mine:
                # Finished while this was written: a write landing after the finish made the marker again.
                await self._open.delete(*key)
                return
            if written is not None:
                self._mine[key] = (new, written)
                return
            del self._mine[key]

        def record(found: dict[str, Any] | None) -> Any:
            if found is None or found.get("answer") in (answer.value, Answer.DELIVERED.value):
                return NO_CHANGE
            return {**found, "answer": answer.value}

        await self._open.change(record, *key)

    async def finish(self, conversation: str, activity_id: str) -> None:
        """The activity got its answer; only its id stays, for recognising redeliveries."""
        self._mine.pop((conversation, activity_id), None)
        await self._open.delete(conversation, activity_id)

    async def unfinished(self) -> list[UnfinishedTurn]:
        """Turns not finished and not claimed by a sweep, oldest first: one listing of the markers."""
        markers = {
            key: marker for key, marker in (await self._open.values()).items() if "claimed_by" not in marker
        }
        # The previous release's markers were empty: what was asked lay in the turn.
        earlier = await self._turns.get_many(
            key for key, marker in markers.items() if "reference" not in marker
        )
        turns = []
        for (conversation, activity_id), marker in markers.items():
            asked = marker if "reference" in marker else earlier.get((conversation, activity_id), {})
            if "reference" not in asked:
                continue  # finished, its marker left by a finish cut off half-way
            answer = marker.get("answer")
            turns.append(
                UnfinishedTurn(
                    conversation,
                    activity_id,
                    asked["reference"],
                    asked["asked"],
                    datetime.fromisoformat(marker["accepted_at"]) if "accepted_at" in marker else _UNDATED,
                    marker.get("owner", ""),
                    Answer(answer) if answer in {a.value for a in Answer} else None,
                )
            )
        return sorted(turns, key=lambda turn: turn.accepted_at)

    async def claim(self, conversation: str, activity_id: str) -> bool:
        """Take an abandoned turn to tell its person: True for exactly one caller, before anything is sent."""
        token = uuid.uuid4().hex

        def take(marker: dict[str, Any] | None) -> Any:
            return NO_CHANGE if marker is None or "claimed_by" in marker else {**marker, "claimed_by": token}

        taken = await self._open.change(take, conversation, activity_id)
        return taken is not None and taken.get("claimed_by") == token

    async def forget_before(self, moment: datetime) -> int:
        """Drop finished (or claimed) ids older than any redelivery could be; how many went. It reads the
        whole journal: the leader's periodic retention does this, never start-up."""
        markers = await self._open.values()
        forgotten = 0
        for key, turn in (await self._turns.values()).items():
            marker = markers.get(key)
            if marker is not None and "claimed_by" not in marker:
                continue  # still waiting for its answer
            if "accepted_at" not in turn:
                # Kept by the previous release on blobs: dated now, forgotten a retention period later.
                await self._turns.change(
                    lambda t: NO_CHANGE if t is None else {**t, "accepted_at": _now()}, *key
                )
            elif datetime.fromisoformat(turn["accepted_at"]) < moment:
                if marker is not None:
                    await self._open.delete(*key)
                await self._turns.delete(*key)
                forgotten += 1
        return forgotten


def _now() -> str:
    return datetime.now(UTC).isoformat()


def migrate_turns_rows(database: SqliteDatabase) -> None:
    """Once, at start-up: the previous release's `turns` table into records (each turn, and a marker for
    each one still waiting for its answer), then kept as `turns_before_records`."""
    records_in(database, _TURNS)  # the records table exists before the copy

    def migrate(db: sqlite3.Connection) -> None:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'turns'").fetchone():
            return
        # Columns added after the first release: a file it wrote lacks them.
        columns = {row[1] for row in db.execute("PRAGMA table_info(turns)")}
        optional = ", ".join(
            name if name in columns else default
            for name, default in (("owner", "''"), ("answer", "NULL"), ("claimed", "0"))
        )
        rows = db.execute(
            "SELECT conversation, activity_id, finished, reference, asked, accepted_at, "
            f"{optional} FROM turns"
        ).fetchall()
        copies = []
        for conversation, activity_id, finished, reference, asked, at, owner, answer, claimed in rows:
            name = key_name(conversation, activity_id)
            copies.append((_TURNS, name, _dump({"accepted_at": at})))
            if not finished and not claimed:
                marker = {
                    "reference": json.loads(reference),
                    "asked": asked,
                    "accepted_at": at,
                    "owner": owner,
                }
                copies.append((_OPEN, name, _dump({**marker, "answer": answer} if answer else marker)))
        db.executemany(
            "INSERT OR IGNORE INTO records (collection, name, value, version) VALUES (?, ?, ?, 1)", copies
        )
        db.execute("ALTER TABLE turns RENAME TO turns_before_records")

    database.upgrade(migrate)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
