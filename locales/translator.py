"""What a person reads, in their language and time zone.

One gettext catalogue per language (`locales/<language>/LC_MESSAGES/messages.po`), read and compiled
through Babel when first needed, so the `.po` file under review is the one that runs. Message ids are
symbolic (`help.heading`) and every placeholder is named (`{customer}`): translators reorder freely.
Dates, relative times, numbers and plural forms come from Babel's CLDR data for the language.
Adding a language is adding its catalogue and a line in LANGUAGES.
"""

from __future__ import annotations

import io
import re
import warnings
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_timedelta  # type: ignore[import-untyped]
from babel.numbers import format_decimal  # type: ignore[import-untyped]

# Babel 2.9.1 (pinned by botbuilder-dialogs) imports the stdlib's deprecated `cgi` for its catalogues;
# tests turn DeprecationWarnings into errors, so that one is silenced where it happens and nowhere else.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
    from babel.messages.mofile import write_mo  # type: ignore[import-untyped]
    from babel.messages.pofile import read_po  # type: ignore[import-untyped]
    from babel.support import Translations  # type: ignore[import-untyped]

CATALOGUES = Path(__file__).resolve().parent
# Language code -> the Babel locale its numbers and dates are formatted in.
LANGUAGES: dict[str, str] = {"en": "en_US", "ko": "ko_KR"}
DEFAULT_LANGUAGE = "en"


def catalogue_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / "messages.po"


@cache
def _translations(language: str) -> Translations:
    with catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def language_of(locale: str | None) -> str:
    """'ko-KR' -> 'ko'; a language we don't speak -> English."""
    code = (locale or "").replace("_", "-").split("-")[0].casefold()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def chosen_language(text: str) -> str | None:
    """The language someone named ('ko', '한국어', 'English'), or None."""
    return language_names().get(" ".join(text.casefold().split()))


@cache
def language_names() -> dict[str, str]:
    """What people may type after `language` (or `언어`) to pick one: each catalogue names its own
    language in every language (`words.language_names`)."""
    return {
        name: language
        for language in LANGUAGES
        for name in _listed(Translator(language), "words.language_names")
    }


def _listed(t: Translator, message_id: str) -> list[str]:
    return [w for w in (" ".join(word.casefold().split()) for word in t(message_id).split(",")) if w]


@cache
def words_for(message_id: str) -> frozenset[str]:
    """The words people may type for one meaning (`words.everyone`: 'all', 'everyone', '전체', ...): a
    multi-valued catalogue entry, comma-separated, read from every catalogue, so either language's word
    is understood whichever the reader chose."""
    return frozenset(word for language in LANGUAGES for word in _listed(Translator(language), message_id))


@cache
def keywords(message_id: str) -> frozenset[str]:
    """The words people may type for one keyword of a command (`keyword.all`: 'all', '전체'), from every
    catalogue: help teaches each reader the word of their language, and either is understood."""
    return frozenset(Translator(language)(message_id).casefold() for language in LANGUAGES)


def time_zone(name: str | None) -> tzinfo | None:
    """The IANA zone Teams sent ('Asia/Seoul'), or None when it sent none we know."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# A placeholder a sentence ends on ('… looking after {customer}.').
_PLACEHOLDER_THEN_STOP = re.compile(r"(?<!\{)\{(\w+)\}\.")


def _filled(text: str, values: dict[str, object]) -> str:
    """`text` with its placeholders filled in; a sentence ending on a value that ends with its own full stop
    ('Fabrikam, Inc.') ends there, not with a second one."""

    def stop(found: re.Match[str]) -> str:
        value = values.get(found.group(1))
        ends = isinstance(value, str) and value.endswith(".") and not value.endswith("..")
        return found.group(0)[:-1] if ends else found.group(0)

    return _PLACEHOLDER_THEN_STOP.sub(stop, text).format(**values)


class MissingMessage(KeyError):
    """A message id the catalogue doesn't have: a bug, caught by the catalogue tests."""


class Translator:
    """Everything a card or dialog needs to speak to one person: words, numbers, dates, times."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, zone: tzinfo | None = None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        self.locale = LANGUAGES[self.language]
        # None: Teams didn't say where the person is; times are shown in UTC and the cards say so.
        self.zone_known = zone is not None
        self.zone: tzinfo = zone or UTC
        self._catalogue = _translations(self.language)

    def __call__(self, message_id: str, /, **values: object) -> str:
        """The message in this language, its named placeholders filled in."""
        text = self._catalogue.ugettext(message_id)
        if text == message_id:
            raise MissingMessage(message_id)
        return str(_filled(text, values) if values else text)

    def has(self, message_id: str) -> bool:
        return bool(self._catalogue.ugettext(message_id) != message_id)

    def count(self, message_id: str, count: int, /, **values: object) -> str:
        """A message about `count` things, in the plural form the language uses for it; `{count}` is
        the number formatted for the language."""
        text = self._catalogue.ungettext(message_id, message_id, count)
        if text == message_id:
            raise MissingMessage(message_id)
        return str(_filled(text, {"count": self.number(count), **values}))

    def number(self, value: int | float) -> str:
        return str(format_decimal(value, locale=self.locale))

    def relative_time(self, moment: datetime, now: datetime) -> str:
        """'just now', '2 hours ago', '2시간 전', 'in 5 minutes'."""
        delta = moment - now
        if abs(delta) < timedelta(minutes=1):
            return self("time.just_now")
        return str(format_timedelta(delta, add_direction=True, threshold=1, locale=self.locale))

    def span(self, start: datetime, end: datetime) -> str:
        """'3 hours 20 minutes', '3시간 20분': how long something lasted, to the minute, in at most its
        two largest units."""
        minutes = max(0, int((end - start).total_seconds() // 60))
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [(n, unit) for n, unit in ((days, "days"), (hours, "hours"), (minutes, "minutes")) if n]
        return " ".join(
            str(format_timedelta(timedelta(**{unit: n}), threshold=1, locale=self.locale))
            for n, unit in parts[:2] or [(0, "minutes")]
        )

    def timestamp(self, moment: datetime) -> str:
        """'24 Nov 2026 09:00 UTC', '2026. 11. 24. 18:00 KST': in the person's zone, which is named."""
        local = moment.astimezone(self.zone)
        when = format_datetime(local, self("format.timestamp"), tzinfo=self.zone, locale=self.locale)
        return f"{when} {local.tzname() or 'UTC'}"


ENGLISH = Translator()
