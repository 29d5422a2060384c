"""The Korean help and hints teach only words the bot understands, each with one meaning: every word of
a Korean usage line is a command word or a keyword the parser reads (`keyword.*`), no Korean message
teaches an English keyword, each Korean keyword does what its English word does, and the command menu's
titles are distinct commands."""

from __future__ import annotations

import re
import warnings

import pytest

from bot.turn.commands import BY_NAME, COMMANDS, parse
from locales.translator import Translator, catalogue_path, keywords
from manifest.package import build_manifest, localization_file
from tests.support.harness import BotHarness
from tests.support.visible import visible_text

KOREAN = Translator("ko")
ENGLISH = Translator("en")
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    from babel.messages.pofile import read_po  # type: ignore[import-untyped]


def _korean_messages() -> dict[str, str]:
    with catalogue_path("ko").open("rb") as po:
        catalogue = read_po(po, locale="ko_KR")
    return {
        m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else m.string[0]
        for m in catalogue
        if m.id
    }


MESSAGES = _korean_messages()
KEYWORD_IDS = sorted(i for i in MESSAGES if i.startswith("keyword."))
ACCEPTED = {word for i in KEYWORD_IDS for word in keywords(i)}
# What a usage line names rather than spells, in brackets like the keywords ('[서비스]', '감사 [n]').
PLACEHOLDERS = {"고객", "서비스", "검색", "n"}
# `incidents EX1100014` looks the one incident up, `incident contoso` lists them: one lookup, two shapes.
LOOKUP = {"incidents", "incident"}


def _literal_words(usage: str) -> list[str]:
    """The words a usage line asks to be typed as they are (placeholders in <...> left out)."""
    return [w for w in re.split(r"[\s\[\]|]+", re.sub(r"<[^>]*>", " ", usage)) if w]


def test_there_are_keywords_and_each_has_a_korean_form() -> None:
    assert {"keyword.all", "keyword.about", "keyword.off", "keyword.advisories", "keyword.incidents"} <= set(
        KEYWORD_IDS
    )
    for message_id in KEYWORD_IDS:
        assert KOREAN(message_id) != ENGLISH(message_id) and not KOREAN(message_id).isascii(), message_id


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_word_a_korean_usage_line_shows_is_one_the_parser_accepts(command: object) -> None:
    name = command.name  # type: ignore[attr-defined]
    first, *rest = _literal_words(KOREAN(f"command.{name}.usage"))
    parsed = parse(first)
    assert parsed is not None and parsed.command.name == name, first
    unknown = [w for w in rest if w.casefold() not in ACCEPTED and w not in PLACEHOLDERS]
    assert not unknown, f"{name}: {unknown} are taught but not understood"
    example = parse(KOREAN(f"command.{name}.example"))
    assert example is not None and example.command.name in ({name} | LOOKUP if name in LOOKUP else {name})


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_no_korean_message_teaches_an_english_keyword(message_id: str) -> None:
    if message_id.startswith("keyword.") or message_id == "phrases":
        return  # a keyword itself; the phrasings' lines start with the command they run, read, not shown
    english = [ENGLISH(k) for k in KEYWORD_IDS]
    text = re.sub(r"\{[^}]*\}", "", MESSAGES[message_id])  # placeholders such as {incidents}
    taught = [w for w in english if re.search(rf"(?<![A-Za-z]){w}(?![A-Za-z])", text)]
    assert not taught, f"{message_id}: {MESSAGES[message_id]}"


@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if any(not a.isascii() for a in c.aliases)], ids=lambda c: c.name
)
def test_no_korean_command_word_means_two_things(command: object) -> None:
    name = command.name  # type: ignore[attr-defined]
    for word in (a for a in command.aliases if not a.isascii()):  # type: ignore[attr-defined]
        meanings = set()
        for argument in ("", "contoso", "2611240010000001", "EX1100014", "contoso 관련 EX1100014"):
            parsed = parse(f"{word} {argument}".strip())
            assert parsed is not None
            meanings.add(parsed.command.name)
        allowed = LOOKUP if name in LOOKUP else {name}
        assert meanings <= allowed, f"'{word}' means {sorted(meanings)}"


@pytest.mark.parametrize("tag", ["ko-KR", "en"])
def test_the_command_menu_titles_are_distinct_and_each_runs_its_own_command(tag: str) -> None:
    menu = build_manifest("00000000-0000-4000-8000-000000000000")["bots"][0]["commandLists"][0]["commands"]
    if tag == "en":
        titles = [c["title"] for c in menu]
    else:
        strings = localization_file(tag)
        titles = [strings[f"bots[0].commandLists[0].commands[{i}].title"] for i in range(len(menu))]
    assert len(set(titles)) == len(titles), titles
    for title, english in zip(titles, menu, strict=True):
        parsed = parse(title)
        assert parsed is not None and parsed.command == BY_NAME[english["title"]], title


SETUP = ("구독 contoso", "구독 woodgrove exchange")


@pytest.mark.parametrize(
    ("korean", "english", "without"),
    [
        ("장애 contoso 전체", "장애 contoso all", "장애 contoso"),
        ("구독 전체 권고", "구독 all advisories", "구독 전체"),
        ("구독 contoso 권고", "구독 contoso advisories", "구독 contoso"),
        ("구독 contoso exchange 전체", "구독 contoso exchange all", "구독 contoso exchange"),
        ("구독 contoso 장애", "구독 contoso incidents", None),
        ("구독취소 전체", "구독취소 all", None),
        ("조용히 해제", "조용히 off", "조용히"),
        (
            "에스컬레이션 contoso 관련 EX1100014",
            "에스컬레이션 contoso about EX1100014",
            "에스컬레이션 contoso",
        ),
    ],
)
async def test_each_korean_keyword_does_what_its_english_word_does(
    korean: str, english: str, without: str | None
) -> None:
    async def reply(text: str) -> str:
        bot = BotHarness(locale="ko-KR", time_zone="Asia/Seoul")
        for line in SETUP:
            await bot.say(line)
        return "\n".join(visible_text(a) for a in await bot.say(text))

    answer = await reply(korean)
    assert answer == await reply(english)
    if without is not None:
        assert answer != await reply(without), "the keyword changed nothing"
