"""A settings document as people paste it into Teams, read back: the wrappings Teams and Office add are
seen through, and every hostile or broken shape is named at its path, never an exception."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from services.domain.models import Owner
from services.domain.settings_document import (
    MAX_DOCUMENT_CHARS,
    MAX_ENTRIES,
    CustomerRef,
    SettingsDraft,
    UnreadableSettings,
    read_settings,
    settings_document,
)

DOCUMENT = settings_document(
    [("c-contoso", "Contoso Ltd", ("Exchange Online",), "incidents"), ("*", "every customer", (), "all")],
    datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
    [("c-contoso", "Contoso Ltd", (Owner("aad-ben", "Ben Ito"),))],
)
TEXT = json.dumps(DOCUMENT)
DIGITS = sys.get_int_max_str_digits()


def _with(**changes: Any) -> str:
    return json.dumps({**DOCUMENT, **changes})


def _subscription(**changes: Any) -> str:
    return _with(subscriptions=[{**DOCUMENT["subscriptions"][0], **changes}])


def _person(person: Any) -> str:
    return _with(owners=[{"customer_id": "c-contoso", "people": [person]}])


# How a document arrives when people paste it: each must read as the document itself.
WRAPPED = {
    "as is": TEXT,
    "Teams' code block": f'<pre class="language-json"><code>{TEXT.replace(chr(34), "&quot;")}</code></pre>',
    "Teams' paragraphs": f"<p>{TEXT.replace(chr(34), '&quot;')}</p><p>&nbsp;</p>",
    "a Markdown fence": f"```json\n{json.dumps(DOCUMENT, indent=2)}\n```",
    "a bare fence": f"```{TEXT}```",
    "curly quotes from Word": TEXT.replace('"', "“", 1).replace('"', "”", 1).replace('"', "“"),
    "surrounding space": f"\n\t {TEXT} \n",
}


@pytest.mark.parametrize("wrapping", sorted(WRAPPED))
def test_a_pasted_document_reads_the_same_in_every_wrapping(wrapping: str) -> None:
    draft, problems = read_settings(WRAPPED[wrapping])
    assert problems == []
    assert draft == read_settings(TEXT)[0]


def test_the_document_reads_back_as_written() -> None:
    draft, problems = read_settings(TEXT)
    assert problems == []
    assert draft == SettingsDraft(
        subscriptions=draft.subscriptions,
        quiet_until=datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
        owners=draft.owners,
    )
    first, every = draft.subscriptions
    assert first.customer == CustomerRef("subscriptions[0].customer_id", "c-contoso", "Contoso Ltd")
    assert first.services == (("subscriptions[0].services[0]", "Exchange Online"),)
    assert (every.customer.customer_id, every.services, every.kinds) == ("*", (), "all")
    assert draft.owners[0].people == (Owner("aad-ben", "Ben Ito"),)


# Documents that can't be read at all: one problem, no path.
UNREADABLE = {
    "empty": ("", "settings.problem.empty"),
    "an empty fence": ("```json\n```", "settings.problem.empty"),
    "cut short": (TEXT[:-10], "settings.problem.not_json"),
    "single quotes": ("{'version': 1}", "settings.problem.not_json"),
    "trailing comma": ('{"version": 1,}', "settings.problem.not_json"),
    "prose": ("please set this up like the other channel", "settings.problem.not_json"),
    "nested past the recursion limit": ("[" * 5000 + "]" * 5000, "settings.problem.not_json"),
    "oversized": (_with(padding="x" * MAX_DOCUMENT_CHARS), "settings.problem.too_long"),
    "a number longer than Python reads": (
        _with(version=0).replace('"version": 0', '"version": ' + "9" * (DIGITS + 1)),
        "settings.problem.number_too_long",
    ),
    "a long number in curly quotes": (
        "{“version”: 1, “quiet_until”: -" + "1" * (DIGITS * 2) + "}",
        "settings.problem.number_too_long",
    ),
}


def test_a_number_too_long_is_placed_by_line_and_column() -> None:
    text = '{\n  "version": 1,\n  "owners": [' + "7" * (DIGITS + 1) + "]\n}"
    with pytest.raises(UnreadableSettings) as raised:
        read_settings(text)
    (problem,) = raised.value.problems
    assert problem.values == {"line": 3, "column": 14, "most": DIGITS}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_what_is_no_document_is_said_in_one_problem(case: str) -> None:
    text, message_id = UNREADABLE[case]
    with pytest.raises(UnreadableSettings) as raised:
        read_settings(text)
    assert [(p.path, p.message_id) for p in raised.value.problems] == [("", message_id)]


# A document of the wrong shape: every problem at its path, in one answer.
BROKEN: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "a list, not an object": ("[]", [("", "settings.problem.not_object")]),
    "null": ("null", [("", "settings.problem.not_object")]),
    "a number": ("42", [("", "settings.problem.not_object")]),
    "no version": (
        json.dumps({k: v for k, v in DOCUMENT.items() if k != "version"}),
        [("version", "settings.problem.no_version")],
    ),
    "version 2": (_with(version=2), [("version", "settings.problem.version")]),
    "version as text": (_with(version="1"), [("version", "settings.problem.version")]),
    "version true": (_with(version=True), [("version", "settings.problem.version")]),
    "version NaN": (
        TEXT.replace('"version": 1', '"version": NaN'),
        [("version", "settings.problem.version")],
    ),
    "an unknown field": (_with(channel="ops"), [("channel", "settings.problem.unknown_field")]),
    "subscriptions not a list": (
        _with(subscriptions={"a": 1}),
        [("subscriptions", "settings.problem.not_list")],
    ),
    "too many subscriptions": (
        _with(subscriptions=[{"customer": "contoso"}] * (MAX_ENTRIES + 1)),
        [("subscriptions", "settings.problem.too_many")],
    ),
    "a subscription as text": (
        _with(subscriptions=["contoso"]),
        [("subscriptions[0]", "settings.problem.not_object")],
    ),
    "no customer": (
        _with(subscriptions=[{"services": [], "kinds": "all"}]),
        [("subscriptions[0].customer_id", "settings.problem.no_customer")],
    ),
    "empty customer": (
        _subscription(customer="", customer_id=""),
        [("subscriptions[0].customer_id", "settings.problem.no_customer")],
    ),
    "customer id a number": (
        _subscription(customer_id=42, customer=None),
        [("subscriptions[0].customer_id", "settings.problem.not_text")],
    ),
    "a customer name of 300 characters": (
        _subscription(customer="C" * 300, customer_id=None),
        [("subscriptions[0].customer", "settings.problem.text_too_long")],
    ),
    "services as text": (
        _subscription(services="Exchange Online"),
        [("subscriptions[0].services", "settings.problem.not_list")],
    ),
    "a service a number": (
        _subscription(services=["Exchange Online", 7]),
        [("subscriptions[0].services[1]", "settings.problem.not_text")],
    ),
    "a blank service": (
        _subscription(services=["  "]),
        [("subscriptions[0].services[0]", "settings.problem.not_text")],
    ),
    "a bad kind": (_subscription(kinds="outages"), [("subscriptions[0].kinds", "settings.problem.kinds")]),
    "kinds a list": (
        _subscription(kinds=["incidents"]),
        [("subscriptions[0].kinds", "settings.problem.kinds")],
    ),
    "a misspelt field": (
        _subscription(service=["Exchange Online"]),
        [("subscriptions[0].service", "settings.problem.unknown_field")],
    ),
    "quiet a number": (_with(quiet_until=2), [("quiet_until", "settings.problem.not_time")]),
    "quiet not a time": (_with(quiet_until="tomorrow"), [("quiet_until", "settings.problem.not_time")]),
    "quiet without a zone": (
        _with(quiet_until="2026-11-24T11:00:00"),
        [("quiet_until", "settings.problem.no_time_zone")],
    ),
    "an owner without an object id": (
        _person({"name": "Ben Ito"}),
        [("owners[0].people[0].object_id", "settings.problem.no_object_id")],
    ),
    "an owner with a blank object id": (
        _person({"object_id": " ", "name": "Ben Ito"}),
        [("owners[0].people[0].object_id", "settings.problem.no_object_id")],
    ),
    "an owner's object id a number": (
        _person({"object_id": 12, "name": "Ben Ito"}),
        [("owners[0].people[0].object_id", "settings.problem.no_object_id")],
    ),
    "an owner as text": (_person("Ben Ito"), [("owners[0].people[0]", "settings.problem.not_object")]),
    "subscriptions twice (JSON keeps the last)": (
        TEXT.replace('"subscriptions": [', '"subscriptions": [], "subscriptions": [', 1),
        [("subscriptions", "settings.problem.repeated_field")],
    ),
    "a service list's field twice": (
        TEXT.replace('"kinds": "incidents"', '"kinds": "all", "kinds": "incidents"', 1),
        [("subscriptions[0].kinds", "settings.problem.repeated_field")],
    ),
    "an unknown field twice": (
        TEXT[:-1] + ', "extra": 1, "extra": 2}',
        [("extra", "settings.problem.unknown_field"), ("extra", "settings.problem.repeated_field")],
    ),
    "an owner's name three times": (
        _person({"object_id": "aad-ben", "name": "Ben"}).replace(
            '"name": "Ben"', '"name": "B", "name": "B", "name": "Ben"'
        ),
        [("owners[0].people[0].name", "settings.problem.repeated_field")],
    ),
    "an owner's unknown field": (
        _person({"object_id": "aad-ben", "email": "ben@example.com"}),
        [("owners[0].people[0].email", "settings.problem.unknown_field")],
    ),
    "several at once": (
        json.dumps({"version": 3, "subscriptions": [{"kinds": "x"}], "quiet_until": 5, "extra": 1}),
        [
            ("extra", "settings.problem.unknown_field"),
            ("version", "settings.problem.version"),
            ("subscriptions[0].customer_id", "settings.problem.no_customer"),
            ("subscriptions[0].kinds", "settings.problem.kinds"),
            ("quiet_until", "settings.problem.not_time"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_problem_of_a_document_is_named_at_its_path(case: str) -> None:
    text, expected = BROKEN[case]
    try:
        _, problems = read_settings(text)
    except UnreadableSettings as error:
        problems = error.problems
    assert [(p.path, p.message_id) for p in problems] == expected


@pytest.mark.parametrize(
    ("kinds", "found"),
    [
        (["incidents"], '["incidents"]'),
        (None, "null"),
        (True, "true"),
        ({"a": 1}, '{"a": 1}'),
        ("outages", "outages"),
    ],
)
def test_a_bad_kind_is_quoted_back_as_json_not_python(kinds: Any, found: str) -> None:
    """The person wrote JSON: a list reads ["incidents"], not Python's ['incidents']; null, not None."""
    _, problems = read_settings(_subscription(kinds=kinds))
    (problem,) = [p for p in problems if p.path == "subscriptions[0].kinds"]
    assert problem.values["found"] == found
