"""Find the customer a support engineer means from whatever they typed.

`contoso`, `Contoso Ltd`, `contoso.onmicrosoft.com` and Contoso's tenant id all name Contoso. Matching is
by ids, then exact domain, domain label or name, then word prefixes ("contoso pharma"), then, failing
all, close spellings offered as suggestions ("contsoo").
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.domain.models import Customer

SUGGESTION_CUTOFF = 0.75
MAX_SUGGESTIONS = 3


def normalize(text: str) -> str:
    """Case-, width- and punctuation-insensitive form; letters of every script survive."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", folded).split())


def _label(domain: str) -> str:
    return domain.split(".", 1)[0]


@dataclass(frozen=True)
class _Keys:
    customer: Customer
    ids: frozenset[str]
    exact: frozenset[str]
    words: tuple[str, ...]

    @classmethod
    def of(cls, customer: Customer) -> _Keys:
        return _keys_of(customer)

    @classmethod
    def build(cls, customer: Customer) -> _Keys:
        name = normalize(customer.name)
        label = normalize(_label(customer.domain))
        return cls(
            customer=customer,
            ids=frozenset({customer.customer_id.casefold(), customer.tenant_id.casefold()}),
            exact=frozenset(k for k in (name, label, normalize(customer.domain)) if k),
            words=tuple(dict.fromkeys([*name.split(), label])),
        )

    def matches_words(self, query_words: Sequence[str]) -> bool:
        return all(any(w.startswith(q) for w in self.words) for q in query_words)


# Every turn that names a customer matches against all of them; their keys (Unicode normalisation and
# regexes per name and domain) only change when a customer does. Bounded: an old customer ages out.
@functools.lru_cache(maxsize=8192)
def _keys_of(customer: Customer) -> _Keys:
    return _Keys.build(customer)


@dataclass(frozen=True)
class Found:
    query: str
    customer: Customer


@dataclass(frozen=True)
class Ambiguous:
    query: str
    candidates: tuple[Customer, ...]


@dataclass(frozen=True)
class NotFound:
    query: str
    suggestions: tuple[Customer, ...] = ()


CustomerMatch = Found | Ambiguous | NotFound


def _by_name(customers: Iterable[Customer]) -> tuple[Customer, ...]:
    return tuple(sorted(customers, key=lambda c: normalize(c.name)))


def longest_name_words(customers: Sequence[Customer]) -> int:
    """How many words the longest way of naming one of `customers` has (name or domain)."""
    return max((len(normalize(t).split()) for c in customers for t in (c.name, c.domain)), default=1)


def resolve_customer(customers: Sequence[Customer], query: str, *, suggest: bool = True) -> CustomerMatch:
    """The one customer `query` names, the candidates it could mean, or (with `suggest`) close spellings."""
    raw = query.strip().casefold()
    wanted = normalize(query)
    if not wanted:
        return NotFound(query)
    keys = [_Keys.of(c) for c in customers]
    for tier in (
        [k for k in keys if raw in k.ids],
        [k for k in keys if wanted in k.exact],
        [k for k in keys if k.matches_words(wanted.split())],
    ):
        if len(tier) == 1:
            return Found(query, tier[0].customer)
        if tier:
            return Ambiguous(query, _by_name(k.customer for k in tier))
    return NotFound(query, suggest_customers(keys, wanted) if suggest else ())


def named_customer(customers: Sequence[Customer], query: str) -> Customer | None:
    """The one customer `query` names in whole words (an id, the name, the domain, or whole words of the
    name: 'woodgrove'), else None. Stricter than resolve_customer: 'to' doesn't name Tailspin Toys, so a
    sentence isn't taken for a customer."""
    match = resolve_customer(customers, query, suggest=False)
    if not isinstance(match, Found):
        return None
    keys = _Keys.of(match.customer)
    wanted = normalize(query)
    whole = (
        query.strip().casefold() in keys.ids or wanted in keys.exact or set(wanted.split()) <= set(keys.words)
    )
    return match.customer if whole else None


def suggest_customers(keys: Sequence[_Keys], wanted: str) -> tuple[Customer, ...]:
    scored: list[tuple[float, str, Customer]] = []
    for k in keys:
        candidates = {*k.exact, *k.words}
        score = max(difflib.SequenceMatcher(None, wanted, c).ratio() for c in candidates)
        if score >= SUGGESTION_CUTOFF:
            scored.append((-score, normalize(k.customer.name), k.customer))
    return tuple(c for _, _, c in sorted(scored, key=lambda s: (s[0], s[1]))[:MAX_SUGGESTIONS])


def search_customers(customers: Sequence[Customer], text: str) -> tuple[Customer, ...]:
    """Customers whose name, domain or id contains the search, or whose words start with it."""
    wanted = normalize(text)
    if not wanted:
        return _by_name(customers)
    hits = []
    for customer in customers:
        k = _Keys.of(customer)
        haystack = " ".join([*k.exact, *k.words, *(normalize(i) for i in k.ids)])
        if wanted in haystack or k.matches_words(wanted.split()):
            hits.append(customer)
    return _by_name(hits)
