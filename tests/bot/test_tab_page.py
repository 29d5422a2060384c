"""The overview tab's pages: every word the page and its script show is a catalogue entry in both
languages, and the data the script reads can't end its data block early."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.edge.tab_page import ASSETS, TAB_WORDS, _data, config_page, tab_page, tab_words
from locales.translator import LANGUAGES, Translator

SCRIPT = (ASSETS / "tab.js").read_text(encoding="utf-8")


def _asked_by_script() -> set[str]:
    """The word ids tab.js names (every "tab.x" literal), and the family it builds (tab.level.<name>)."""
    named = set(re.findall(r"""["'](tab\.[a-z_]+(?:\.[a-z_]+)?)["']""", SCRIPT))
    levels = re.search(r"const LEVELS = \[([^\]]*)\]", SCRIPT)
    assert levels is not None
    named |= {f"tab.level.{name}" for name in re.findall(r'"(\w+)"', levels.group(1))}
    return named


def test_every_word_the_script_asks_for_is_embedded_in_the_page() -> None:
    asked = _asked_by_script()
    assert {"tab.outside_teams", "tab.customers_shown", "tab.level.interrupted"} <= asked
    assert asked <= set(TAB_WORDS)


@pytest.mark.parametrize("page", ["tab", "config"])
def test_every_data_word_of_each_page_is_embedded(page: str) -> None:
    html = tab_page(Translator("en"), 30, []) if page == "tab" else config_page(Translator("en"), [])
    assert set(re.findall(r'data-word="([^"]+)"', html)) <= set(TAB_WORDS)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_page_is_rendered_in_the_language_asked_and_carries_both(language: str) -> None:
    t = Translator(language)
    html = tab_page(t, 30, [])
    assert f'<html lang="{language}">' in html
    assert f'<h1 data-word="tab.title">{t("tab.title")}</h1>' in html
    embedded = json.loads(re.search(r'id="tab-words">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert embedded == tab_words()
    # Each language has its own words for every id (a Korean entry left in English would show here).
    english, korean = tab_words()["en"], tab_words()["ko"]
    assert [m for m in TAB_WORDS if english[m] == korean[m]] == []


@given(st.text())
def test_no_word_can_close_its_data_block_early(text: str) -> None:
    block = _data("tab-words", {"en": {"tab.title": text}})
    inner = block.removeprefix('<script type="application/json" id="tab-words">').removesuffix("</script>")
    assert "</" not in inner
    assert json.loads(inner) == {"en": {"tab.title": text}}
