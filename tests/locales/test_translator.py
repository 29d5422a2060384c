"""Numbers, plurals, dates and relative times come from Babel, in the reader's language and zone."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po  # type: ignore[import-untyped]

from locales.translator import LANGUAGES, Translator, catalogue_path, chosen_language, language_of, time_zone

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SEOUL = ZoneInfo("Asia/Seoul")


def test_the_language_comes_from_the_teams_locale() -> None:
    assert [language_of(x) for x in ("ko-KR", "ko", "en-US", "en-GB", "fr-FR", None, "")] == [
        "ko",
        "ko",
        "en",
        "en",
        "en",
        "en",
        "en",
    ]


def test_people_name_a_language_as_they_like() -> None:
    assert [chosen_language(x) for x in ("ko", "한국어", "Korean", "EN", "영어", "klingon")] == [
        "ko",
        "ko",
        "ko",
        "en",
        "en",
        None,
    ]


def test_a_person_in_seoul_sees_kst() -> None:
    assert Translator("ko", SEOUL).timestamp(NOW) == "2026. 11. 24. 18:00 KST"
    assert Translator("en", SEOUL).timestamp(NOW) == "24 Nov 2026 18:00 KST"


def test_without_a_time_zone_times_are_utc_and_say_so() -> None:
    t = Translator("ko", time_zone(None))
    assert not t.zone_known and t.timestamp(NOW) == "2026. 11. 24. 09:00 UTC"
    assert time_zone("Not/AZone") is None


def test_relative_times_in_korean_and_english() -> None:
    ko, en = Translator("ko"), Translator("en")
    assert ko.relative_time(NOW - timedelta(hours=2), NOW) == "2시간 전"
    assert ko.relative_time(NOW + timedelta(minutes=5), NOW) == "5분 후"
    assert ko.relative_time(NOW - timedelta(seconds=20), NOW) == "방금"
    assert en.relative_time(NOW - timedelta(hours=2), NOW) == "2 hours ago"
    assert ko.span(NOW - timedelta(days=3), NOW) == "3일"


def test_numbers_and_plurals_follow_the_language() -> None:
    ko, en = Translator("ko"), Translator("en")
    assert en.count("count.active_incidents", 1) == "1 active incident"
    assert en.count("count.active_incidents", 1200) == "1,200 active incidents"
    assert ko.count("count.active_incidents", 1) == "진행 중인 장애 1건"
    assert ko.count("count.active_incidents", 3) == "진행 중인 장애 3건"


@pytest.mark.parametrize(
    ("lasted", "english", "korean"),
    [
        (timedelta(hours=3, minutes=20), "3 hours 20 minutes", "3시간 20분"),
        (timedelta(minutes=45), "45 minutes", "45분"),
        (timedelta(days=2, hours=4, minutes=5), "2 days 4 hours", "2일 4시간"),
    ],
)
def test_how_long_something_lasted_is_said_to_the_minute_in_two_units(
    lasted: timedelta, english: str, korean: str
) -> None:
    start = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert (Translator("en").span(start, start + lasted), Translator("ko").span(start, start + lasted)) == (
        english,
        korean,
    )


_STOP_AFTER = re.compile(r"(?<!\{)\{(\w+)\}\.")


@cache
def _catalogue(language: str) -> dict[str, tuple[str, bool]]:
    """Each message's text (its first form) and whether it is plural, as the catalogue has them."""
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[language])
    return {
        (m.id[0] if isinstance(m.id, tuple) else m.id): (
            m.string[0] if isinstance(m.string, tuple) else m.string,
            isinstance(m.id, tuple),
        )
        for m in catalog
        if m.id and m.id != "phrases"
    }


_ENDS_ON_A_PLACEHOLDER = [
    (language, message_id)
    for language in ("en", "ko")
    for message_id, (text, _) in _catalogue(language).items()
    if _STOP_AFTER.search(text)
]


@pytest.mark.parametrize(("language", "message_id"), _ENDS_ON_A_PLACEHOLDER)
def test_a_sentence_ending_on_a_name_with_its_own_full_stop_has_one(language: str, message_id: str) -> None:
    """'… looking after Fabrikam, Inc.' never ends 'Inc..', in every message a value can end a sentence in."""
    t = Translator(language)
    text, plural = _catalogue(language)[message_id]
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    values: dict[str, object] = dict.fromkeys(names, "Fabrikam, Inc.")
    if plural:
        values.pop("count", None)
    said = t.count(message_id, 2, **values) if plural else t(message_id, **values)
    assert "Inc.." not in said, said
    assert "Inc." in said


def test_a_name_ending_in_a_period_keeps_every_other_sentences_stop() -> None:
    t = Translator("en")
    assert t("owners.none", customer="Contoso Ltd") == "Nobody is named as looking after Contoso Ltd."
    assert t("owners.none", customer="Fabrikam, Inc.") == "Nobody is named as looking after Fabrikam, Inc."
