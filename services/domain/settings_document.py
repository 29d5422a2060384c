"""A conversation's settings as one JSON document (`export`, `import <json>`): what it hears about, its
quiet hours as they stand, and the owners of the customers it follows. Settings as code for partners
who run many channels: exported in one, pasted into another.

Here the document is written and read back into typed drafts, every shape problem named by its path
(`subscriptions[2].services[0]`); whether the customers and services it names exist, and whether the
person may see them, is the importing dialog's question (dialogs/settings_import.py).

    {"version": 1,
     "subscriptions": [{"customer": "Contoso Ltd", "customer_id": "…", "services": ["Exchange Online"],
                        "kinds": "incidents"}],
     "quiet_until": "2026-11-24T11:00:00+00:00",
     "owners": [{"customer": "Contoso Ltd", "customer_id": "…",
                 "people": [{"object_id": "…", "name": "Ben Ito"}]}]}

A subscription to every customer names `"customer_id": "*"`. A customer is found by `customer_id` when
given, else by `customer` (its name, domain or tenant id); `customer` beside an id is only for people.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.domain.models import SUBSCRIPTION_KINDS, Owner

VERSION = 1
# Longer than any partner's settings should need, short enough for one Teams message (and one card).
MAX_DOCUMENT_CHARS = 20_000
MAX_ENTRIES = 500
MAX_TEXT = 256
KINDS = SUBSCRIPTION_KINDS

_FENCE = re.compile(r"^\s*(?:```|~~~)[A-Za-z]*\s*|\s*(?:```|~~~)\s*$")
_TAG = re.compile(r"<[^<>]*>")
# Word and Outlook turn straight quotes into curly ones on the way to Teams.
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "‘": "'", "’": "'"})

_TOP = ("version", "subscriptions", "quiet_until", "owners")
_SUBSCRIPTION = ("customer", "customer_id", "services", "kinds")
_OWNERS = ("customer", "customer_id", "people")
_PERSON = ("object_id", "name")


@dataclass(frozen=True)
class Problem:
    """What is wrong at `path`, as a catalogue id (`settings.problem.*`) and its values."""

    path: str
    message_id: str
    values: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerRef:
    """A customer as the document names it: by id, or by what people type (name, domain, tenant id)."""

    path: str
    customer_id: str
    typed: str

    @property
    def shown(self) -> str:
        return self.typed or self.customer_id


@dataclass(frozen=True)
class SubscriptionDraft:
    customer: CustomerRef
    services: tuple[tuple[str, str], ...]  # (path, name as written)
    kinds: str


@dataclass(frozen=True)
class OwnersDraft:
    customer: CustomerRef
    people: tuple[Owner, ...]


@dataclass(frozen=True)
class SettingsDraft:
    """A document whose shape is right: what it names, not yet found."""

    subscriptions: tuple[SubscriptionDraft, ...]
    quiet_until: datetime | None
    owners: tuple[OwnersDraft, ...]


class UnreadableSettings(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def settings_document(
    subscriptions: list[tuple[str, str, tuple[str, ...], str]],
    quiet_until: datetime | None,
    owners: list[tuple[str, str, tuple[Owner, ...]]],
) -> dict[str, Any]:
    """The document: `subscriptions` as (customer id, name, services, kinds), `owners` as (customer id,
    name, owners); customers in the order given."""
    return {
        "version": VERSION,
        "subscriptions": [
            {"customer": name, "customer_id": customer_id, "services": list(services), "kinds": kinds}
            for customer_id, name, services, kinds in subscriptions
        ],
        "quiet_until": quiet_until.isoformat() if quiet_until else None,
        "owners": [
            {
                "customer": name,
                "customer_id": customer_id,
                "people": [{"object_id": o.object_id, "name": o.name} for o in people],
            }
            for customer_id, name, people in owners
        ],
    }


def document_text(document: dict[str, Any], compact: bool = False) -> str:
    """Indented to be read; `compact` when that is too long for one message."""
    if compact:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(document, ensure_ascii=False, indent=2)


def read_settings(text: str) -> tuple[SettingsDraft, list[Problem]]:
    """The pasted document, typed, with every problem of its shape (the entries they spoil left out, so
    what the rest names can still be checked); raises UnreadableSettings when there's no document to read."""
    return _shaped(_parsed(text))


def _parsed(text: str) -> Any:
    """JSON as people paste it into Teams: maybe wrapped in its HTML (<pre>, <p>, entities), in a Markdown
    code fence, or with curly quotes from Word or Outlook."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise UnreadableSettings([Problem("", "settings.problem.too_long", {"most": MAX_DOCUMENT_CHARS})])
    text = text.strip()
    if text.startswith("<"):
        text = html.unescape(_TAG.sub(" ", text)).strip()
    text = _FENCE.sub("", text).strip()
    if not text:
        raise UnreadableSettings([Problem("", "settings.problem.empty")])
    error: json.JSONDecodeError | None = None
    for candidate in dict.fromkeys((text, text.translate(_SMART_QUOTES))):
        try:
            return json.loads(candidate, object_pairs_hook=_Fields.written)
        except json.JSONDecodeError as failed:
            error = error or failed
        except RecursionError:
            break
        except ValueError:
            raise UnreadableSettings([_number_too_long(candidate)]) from None
    line, column = (error.lineno, error.colno) if error else (1, 1)
    raise UnreadableSettings([Problem("", "settings.problem.not_json", {"line": line, "column": column})])


class _Fields(dict[str, Any]):
    """A JSON object as written, remembering the names written more than once: JSON keeps only the
    last, so a document naming "subscriptions" twice would lose the first in silence."""

    repeated: tuple[str, ...] = ()

    @classmethod
    def written(cls, pairs: list[tuple[str, Any]]) -> _Fields:
        fields = cls(pairs)
        if len(fields) < len(pairs):
            fields.repeated = tuple(name for name, count in Counter(n for n, _ in pairs).items() if count > 1)
        return fields


def _number_too_long(text: str) -> Problem:
    """Where Python refuses a number for its length (more digits than `int` reads, a guard against
    slow conversions): valid JSON, but nothing this document holds."""
    most = sys.get_int_max_str_digits()
    found = re.search(rf"\d{{{most + 1},}}", text)
    lines = text[: found.start() if found else 0].split("\n")
    place = {"line": len(lines), "column": len(lines[-1]) + 1}
    return Problem("", "settings.problem.number_too_long", {**place, "most": most})


def as_written(value: Any) -> str:
    """A value quoted back as the JSON the person wrote (["incidents"], null, true), not as Python."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Reader:
    """Walks the document once, keeping every problem rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, message_id: str, **values: str | int) -> None:
        self.problems.append(Problem(path, message_id, values))

    def fields(self, value: Any, path: str, known: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, "settings.problem.not_object")
            return None
        for name in value:
            if name not in known:
                shown = f"{path}.{name}" if path else str(name)
                self.problem(shown[:MAX_TEXT], "settings.problem.unknown_field", known=", ".join(known))
        for name in getattr(value, "repeated", ()):
            shown = f"{path}.{name}" if path else str(name)
            self.problem(shown[:MAX_TEXT], "settings.problem.repeated_field")
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, "settings.problem.not_list")
            return []
        if len(value) > MAX_ENTRIES:
            self.problem(path, "settings.problem.too_many", most=MAX_ENTRIES)
            return []
        return value

    def text(self, value: Any, path: str, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(path, "settings.problem.not_text")
            return ""
        if len(value) > MAX_TEXT:
            self.problem(path, "settings.problem.text_too_long", most=MAX_TEXT)
            return ""
        return value.strip()

    def customer(self, entry: dict[str, Any], path: str) -> CustomerRef | None:
        before = len(self.problems)
        customer_id = self.text(entry.get("customer_id"), f"{path}.customer_id")
        typed = self.text(entry.get("customer"), f"{path}.customer")
        if not customer_id and not typed:
            if len(self.problems) == before:
                self.problem(f"{path}.customer_id", "settings.problem.no_customer")
            return None
        return CustomerRef(f"{path}.customer_id" if customer_id else f"{path}.customer", customer_id, typed)


def _shaped(document: Any) -> tuple[SettingsDraft, list[Problem]]:
    reader = _Reader()
    top = reader.fields(document, "", _TOP)
    if top is None:
        raise UnreadableSettings(reader.problems)
    version = top.get("version")
    if "version" not in top:
        reader.problem("version", "settings.problem.no_version", version=VERSION)
    elif type(version) is not int or version != VERSION:
        reader.problem("version", "settings.problem.version", version=VERSION, found=as_written(version)[:20])
    subscriptions = [
        draft
        for index, entry in enumerate(reader.items(top.get("subscriptions"), "subscriptions"))
        if (draft := _subscription(reader, entry, f"subscriptions[{index}]")) is not None
    ]
    quiet_until = _quiet_until(reader, top.get("quiet_until"))
    owners = [
        named
        for index, entry in enumerate(reader.items(top.get("owners"), "owners"))
        if (named := _owners(reader, entry, f"owners[{index}]")) is not None
    ]
    return SettingsDraft(tuple(subscriptions), quiet_until, tuple(owners)), reader.problems


def _subscription(reader: _Reader, value: Any, path: str) -> SubscriptionDraft | None:
    entry = reader.fields(value, path, _SUBSCRIPTION)
    if entry is None:
        return None
    customer = reader.customer(entry, path)
    services = [
        (f"{path}.services[{n}]", reader.text(name, f"{path}.services[{n}]", required=True))
        for n, name in enumerate(reader.items(entry.get("services"), f"{path}.services"))
    ]
    kinds = entry.get("kinds", "incidents")
    if kinds not in KINDS:
        reader.problem(
            f"{path}.kinds", "settings.problem.kinds", found=as_written(kinds)[:40], kinds=", ".join(KINDS)
        )
    if customer is None:
        return None
    # What is spoilt is left out (its problem is named), so the rest is still checked.
    return SubscriptionDraft(customer, tuple(s for s in services if s[1]), kinds if kinds in KINDS else "all")


def _owners(reader: _Reader, value: Any, path: str) -> OwnersDraft | None:
    entry = reader.fields(value, path, _OWNERS)
    if entry is None:
        return None
    customer = reader.customer(entry, path)
    people: list[Owner] = []
    for n, person in enumerate(reader.items(entry.get("people"), f"{path}.people")):
        fields = reader.fields(person, f"{path}.people[{n}]", _PERSON)
        if fields is None:
            continue
        if not isinstance(fields.get("object_id"), str) or not fields["object_id"].strip():
            reader.problem(f"{path}.people[{n}].object_id", "settings.problem.no_object_id")
            continue
        object_id = reader.text(fields["object_id"], f"{path}.people[{n}].object_id", required=True)
        name = reader.text(fields.get("name"), f"{path}.people[{n}].name")
        if object_id:
            people.append(Owner(object_id, name or object_id))
    return OwnersDraft(customer, tuple(people)) if customer is not None else None


def _quiet_until(reader: _Reader, value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        reader.problem("quiet_until", "settings.problem.not_time")
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        reader.problem("quiet_until", "settings.problem.not_time")
        return None
    if moment.tzinfo is None:
        reader.problem("quiet_until", "settings.problem.no_time_zone")
        return None
    return moment
