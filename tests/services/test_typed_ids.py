"""Ids as people paste them (services/domain/typed_ids.py): quoted, bracketed, with a trailing period,
an en dash for the hyphen or a space in it, in any case, each is read as the id (that a customer's name
never is: tests/dialogs/test_incidents_dialog.py)."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.domain.typed_ids import spaced_id, typed_id

TRACKING_IDS = st.from_regex(r"[A-Z0-9][A-Z0-9_]{1,9}-[A-Z0-9]{2,6}", fullmatch=True)
INCIDENT_IDS = st.from_regex(r"[A-Z]{2,4}[0-9]{3,12}", fullmatch=True)
MESSAGE_IDS = st.from_regex(r"MC[0-9]{3,12}", fullmatch=True)
# What pasting puts around an id: quotes, brackets, a sentence's end.
AROUND = [("", ""), ('"', '"'), ("'", "'"), ("“", "”"), ("‘", "’"), ("(", ")"), ("[", "]"), ("«", "»")]
AROUND += [("`", "`"), ("", "."), ("", ","), ('"', '".'), ("(", ")."), ("「", "」"), ("<", ">")]
AROUND_IDS = st.sampled_from(AROUND)
# What stands in for the hyphen: every dash Unicode has (Dash_Punctuation: hyphen U+2010, non-breaking
# hyphen U+2011, figure dash U+2012, en and em dash, full-width hyphen-minus U+FF0D, ...) and the minus sign.
EVERY_DASH = [c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) == "Pd"] + ["\u2212"]
DASH_IDS = [f"U+{ord(d):04X}" for d in EVERY_DASH]
CASES = st.sampled_from([str.upper, str.lower, str.title])


@pytest.mark.parametrize("dash", EVERY_DASH, ids=DASH_IDS)
@settings(max_examples=30)
@given(st.one_of(TRACKING_IDS, INCIDENT_IDS, MESSAGE_IDS), AROUND_IDS, CASES)
def test_an_id_pasted_with_quotes_punctuation_any_dash_or_any_case_is_the_id(
    dash: str, wanted: str, around: tuple[str, str], case: Callable[[str], str]
) -> None:
    typed = around[0] + case(wanted.replace("-", dash)) + around[1]
    assert typed_id(typed) == wanted


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


@given(
    TRACKING_IDS.filter(_has_digit),
    st.sampled_from([" ", "  "]) | st.sampled_from(EVERY_DASH).map(lambda dash: f" {dash} "),
    AROUND_IDS,
    CASES,
)
def test_a_tracking_id_with_a_space_for_its_hyphen_is_the_id(
    wanted: str, gap: str, around: tuple[str, str], case: Callable[[str], str]
) -> None:
    first, second = wanted.split("-")
    if first.isalpha() and second.isdigit():  # shaped like a Graph id split in two ('EX 1100014')
        return
    words = f"{around[0]}{case(first)}{gap}{case(second)}{around[1]} contoso".split()
    assert spaced_id(words) == (wanted, ["contoso"])


@given(INCIDENT_IDS.filter(lambda i: not i.startswith("MC")), CASES)
def test_a_graph_id_split_in_two_is_the_id(wanted: str, case: Callable[[str], str]) -> None:
    letters = wanted.rstrip("0123456789")
    assert spaced_id([case(letters), wanted[len(letters) :]]) == (wanted, [])
