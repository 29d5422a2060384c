"""Every card in `examples.py`, rebuilt with hostile text in every field that carries text from users or
upstream APIs: what Teams renders as markdown has no live link, no `<at>` mention, no emphasis, no list
and no HTML tag that came from that text.

Each card builder in `examples` is wrapped so that the text it is given is poisoned on the way in:
dataclass fields by name (customer and service names, incident titles and posts, SR titles, notes,
topic names, audit details, ...) and the plain string arguments that carry typed or upstream text
(queries, scopes, hints, problems). The examples themselves stay as they are.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cards.parts import card_payload, safe
from tests.cards import examples

EVIL_LINK = "[x](https://evil.example/phish)"
HOSTILE = (
    f" {EVIL_LINK} <at>Admin</at> **bold** __strong__ *it* _em_ ~~gone~~ `code` <b>html</b>"
    " <img src=x onerror=alert(1)>\n\n- evil-item\n+ evil-plus\n* evil-star\n1. evil-first\n# evil-heading"
)
# Fields of the domain models (and the cards' own small models) that carry text from users or upstream.
TEXT_FIELDS = frozenset(
    {
        "name",  # customers, services, topics, contacts
        "domain",
        "product",
        "title",
        "service",
        "feature",
        "feature_group",
        "impact",
        "text",  # incident posts, request notes
        "author",
        "customer_name",
        "description",
        "actor_name",
        "detail",
        "reason",
        "acknowledged_by",
        "problem",  # quotes what was typed
        "problems",
        "summary",  # the hand-off summary is built from the request
        "incident_id",
        "number",
        "reference",
        "services",  # a subscription's service names; a message center message's
        "body",  # a message center message's text
        "tags",
        "values",  # what was typed into the one-card form
        "path",  # where a pasted settings document is wrong: its own field names
        "lines",  # what an import would change: customer and owner names
        # The help card's entries are the catalogue's own words, not outside text (left alone).
        "HelpEntry.name",
        "HelpEntry.summary",
    }
)
# Plain string arguments of card builders that carry typed or upstream text.
TEXT_ARGUMENTS = frozenset(
    {"query", "search", "customer_name", "title", "hint", "scope", "service", "message", "acknowledged_by"}
)
# Cards whose every line is our own wording: nothing to poison.
NO_OUTSIDE_TEXT = frozenset(
    {
        "help",
        "help_ko",
        "help_section_ko",
        "overview_healthy",
        "subscriptions_none",
        "audit_empty",
        "notice",
        "mine_none",
        "changes_due_none",
        "weekly_changes_none",
    }
)


def poison(value: Any, field: str = "", tail: str = HOSTILE, fields: frozenset[str] = TEXT_FIELDS) -> Any:
    """`value` with `tail` appended to every text from users or upstream in it: the fields `fields` names,
    except those it also names with their type ('ServiceHealth.name'), which are left alone."""
    if isinstance(value, str):
        return value + tail if field in fields and value else value
    if isinstance(value, tuple) and field in fields:
        return tuple(poison(v, field, tail, fields) for v in value)
    if isinstance(value, dict) and field in fields:
        return {k: poison(v, field, tail, fields) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: poison(getattr(value, f.name), f.name, tail, fields)
            for f in dataclasses.fields(value)
            if f.init and f"{type(value).__name__}.{f.name}" not in fields
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(poison(v, tail=tail, fields=fields) for v in value)
    if isinstance(value, list):
        return [poison(v, tail=tail, fields=fields) for v in value]
    return value


def poisoning(
    builder: Callable[..., Any],
    tail: str = HOSTILE,
    fields: frozenset[str] = TEXT_FIELDS,
    arguments: frozenset[str] = TEXT_ARGUMENTS,
) -> Callable[..., Any]:
    """`builder`, given `tail` at the end of every text from users or upstream it is passed."""
    signature = inspect.signature(builder)

    @functools.wraps(builder)
    def build(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        for name, value in bound.arguments.items():
            if isinstance(value, str):
                bound.arguments[name] = value + tail if name in arguments else value
            else:
                bound.arguments[name] = poison(value, tail=tail, fields=fields)
        return builder(*bound.args, **bound.kwargs)

    return build


BUILDERS = sorted(
    name
    for name, value in vars(examples).items()
    if name.endswith("_card") and inspect.isfunction(value) and value.__module__.startswith("cards.")
)


@pytest.fixture
def hostile_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in BUILDERS:
        monkeypatch.setattr(examples, name, poisoning(getattr(examples, name)))


def markdown_texts(node: Any) -> Iterator[str]:
    """The strings Teams renders as markdown: TextBlock text and FactSet titles and values."""
    if isinstance(node, dict):
        if node.get("type") == "TextBlock" and isinstance(node.get("text"), str):
            yield node["text"]
        if "facts" in node:
            for fact in node["facts"]:
                yield fact["title"]
                yield fact["value"]
        for value in node.values():
            yield from markdown_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from markdown_texts(value)


def live_markup(text: str) -> list[str]:
    """What in `text` would still be read as markup from the hostile string once escapes are applied."""
    unescaped = re.sub(r"\\.", "", text, flags=re.DOTALL)  # an escaped character is shown literally
    found = []
    if re.search(r"\[[^\]]*\]\(", unescaped):
        found.append("markdown link")
    if re.search(r"<\s*/?\s*at\b", unescaped, re.IGNORECASE):
        found.append("<at> mention")
    if re.search(r"<\s*/?\s*(b|img|script)\b", unescaped, re.IGNORECASE):
        found.append("HTML tag")
    for emphasis in ("**bold**", "__strong__", "*it*", "_em_", "~~gone~~", "`code`"):
        if emphasis in unescaped:
            found.append(f"emphasis {emphasis}")
    # Adaptive Card markdown has lists but no headings: `# evil-heading` stays literal text.
    if re.search(r"^\s*(?:[-+*]|\d+\.)\s+evil-", text, re.MULTILINE):
        found.append("list")
    return found


@pytest.mark.usefixtures("hostile_examples")
@pytest.mark.parametrize("name", sorted(examples.CARDS))
def test_hostile_text_is_shown_literally_on_every_card(name: str) -> None:
    payload = card_payload(examples.CARDS[name]())
    # The card's own mentions (an `<at>` span with its entity, cards/mentions.py) are ours, not the text's:
    # what stands inside one is a name with no markup left in it.
    spans = [e["text"] for e in payload.get("msteams", {}).get("entities", [])]
    for span in spans:
        assert live_markup(span.removeprefix("<at>").removesuffix("</at>")) == [], span
    texts = [
        functools.reduce(lambda text, span: text.replace(span, " "), spans, t)
        for t in markdown_texts(payload)
    ]
    carrying = [t for t in texts if "evil" in t]
    if name not in NO_OUTSIDE_TEXT:
        assert carrying, f"{name}: no hostile text reached the card, so this proves nothing"
    problems = {t: live_markup(t) for t in carrying if live_markup(t)}
    assert not problems, f"{name}: {problems}"


def test_every_card_builder_in_the_examples_is_poisoned() -> None:
    """A new builder imported into examples.py is covered without touching this file."""
    assert len(BUILDERS) >= 20
    assert "incident_card" in BUILDERS and "request_card" in BUILDERS and "audit_card" in BUILDERS


@pytest.mark.parametrize(
    "text",
    [HOSTILE, EVIL_LINK, "<at>Admin</at>", "**bold**", "- evil-item\n1. evil-first", "\\[x\\](y)", "a\\"],
)
def test_safe_leaves_no_live_markup(text: str) -> None:
    assert live_markup(safe(text)) == []


def test_the_detector_sees_each_kind_of_markup() -> None:
    """Without this, a detector that sees nothing would pass every card."""
    kinds = live_markup(HOSTILE)
    assert {"markdown link", "<at> mention", "HTML tag", "list"} <= set(kinds)
    assert sum(k.startswith("emphasis") for k in kinds) == 6
