"""The words people type live in the catalogues as multi-valued entries (`command.<name>.words`,
`words.*`, `steer.*`, `phrases`): every word of every language does what its entry says, and no word
means two things."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.turn.commands import BY_NAME, COMMANDS, parse
from dialogs.incidents_dialog import include_resolved
from dialogs.root import STEERING
from dialogs.subscribe_dialog import split_kind
from locales.translator import LANGUAGES, Translator, chosen_language, keywords, words_for
from services.domain.models import SUBSCRIPTION_KINDS as KINDS
from services.domain.models import Customer

CONTOSO = Customer("c-id", "t-id", "Contoso Ltd", "contoso.onmicrosoft.com", "reseller", True)
# What the examples name (a request, a handed-off one, a settings document of export's).
EXAMPLES = {"number": "2612060010000001", "reference": "E2612060010000001", "settings": '{"version": 1}'}
# `incidents EX1100014` looks the one incident up, `incident contoso` lists them: one lookup, two shapes.
LOOKUP = {"incidents", "incident"}


def _listed(language: str, message_id: str) -> list[str]:
    """One catalogue's words for one meaning, as people type them."""
    return [" ".join(w.casefold().split()) for w in Translator(language)(message_id).split(",") if w.strip()]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_command_word_runs_its_command(language: str) -> None:
    t = Translator(language)
    for command in COMMANDS:
        example = t(f"command.{command.name}.example", **EXAMPLES)
        rest = example.partition(" ")[2]
        for word in _listed(language, f"command.{command.name}.words"):
            parsed = parse(f"{word} {rest}".strip())
            assert parsed is not None, word
            allowed = LOOKUP if command.name in LOOKUP else {command.name}
            assert parsed.command.name in allowed, f"'{word} {rest}' runs {parsed.command.name}"


def test_no_command_word_means_two_commands() -> None:
    said = Counter(
        word
        for language in LANGUAGES
        for c in COMMANDS
        for word in set(_listed(language, f"command.{c.name}.words"))
    )
    by_command = Counter(word for c in COMMANDS for word in c.words)
    assert [word for word, n in by_command.items() if n > 1] == []
    assert set(said) <= set(by_command)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_word_says_what_to_hear_about(language: str) -> None:
    for kind in KINDS:
        for word in _listed(language, f"words.kind_{kind}"):
            assert split_kind(["contoso", word]) == (["contoso"], kind), word
            assert BY_NAME["subscribe"].fits(f"contoso {word}", [CONTOSO]), word


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_everyone_word_names_every_customer(language: str) -> None:
    for word in _listed(language, "words.everyone"):
        parsed = parse(f"subscribe {word}")
        assert parsed is not None and parsed.command.name == "subscribe"
        assert parsed.command.fits(parsed.argument, [CONTOSO]), word
        assert BY_NAME["incidents"].fits(word, [CONTOSO]), word


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_resolved_word_includes_resolved_incidents(language: str) -> None:
    for word in _listed(language, "words.resolved"):
        assert include_resolved(["contoso", word]) == (["contoso"], True), word


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_name_picks_its_language(language: str) -> None:
    for name in _listed(language, "words.language_names"):
        assert chosen_language(name) == language, name
        assert chosen_language(name.upper()) == language, name
        assert BY_NAME["language"].fits(name, []), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_keyword_help_teaches_is_among_the_words_understood(language: str) -> None:
    t = Translator(language)
    for keyword, understood in (
        ("keyword.all", "words.everyone"),
        ("keyword.all", "words.resolved"),
        ("keyword.all", "words.kind_all"),
        ("keyword.incidents", "words.kind_incidents"),
        ("keyword.advisories", "words.kind_advisories"),
        ("keyword.changes", "words.kind_changes"),
        ("keyword.off", "words.off"),
    ):
        assert t(keyword).casefold() in _listed(language, understood), (keyword, understood)
        assert keywords(keyword) <= words_for(understood)


@pytest.mark.parametrize(
    "message_id",
    ["words.language_names", *(f"words.kind_{kind}" for kind in KINDS), *(f"steer.{k}" for k in STEERING)],
)
def test_no_word_means_two_things(message_id: str) -> None:
    """Within one choice (which language, which kinds, which steering word), each word is one answer."""
    family = message_id.rpartition("_")[0] if message_id.startswith("words.kind_") else message_id
    family = "steer." if message_id.startswith("steer.") else family
    siblings = (
        [f"steer.{k}" for k in STEERING]
        if family == "steer."
        else [f"words.kind_{k}" for k in KINDS]
        if family == "words.kind"
        else [message_id]
    )
    for language in LANGUAGES:
        mine = set(_listed(language, message_id))
        for other in siblings:
            if other != message_id:
                assert not mine & words_for(other), (message_id, other, mine & words_for(other))
    if message_id == "words.language_names":
        named = Counter(name for language in LANGUAGES for name in set(_listed(language, message_id)))
        assert [name for name, n in named.items() if n > 1] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phrasing_names_a_command_and_compiles(language: str) -> None:
    import re

    lines = Translator(language)("phrases").splitlines()
    assert lines
    for line in lines:
        name, separator, pattern = line.partition(": ")
        assert separator and name in BY_NAME, line
        re.compile(pattern)
