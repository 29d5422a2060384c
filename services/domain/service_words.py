"""The words people type for a service, and the one test of whether they name it.

A service is named by words that each start a word of its name ('exchange' for Exchange Online, 'teams'
for Microsoft Teams), or by an alias from the catalogues (`words.service_<name>`: 'vm' for Virtual
Machines, '팀즈' for Microsoft Teams, '익스체인지' for Exchange Online), which stands for the words of
the name it is short for. Incidents, Azure events, message center changes, subscriptions, set-up and
settings import all ask here, so an alias added to the catalogues is understood wherever a service is
typed.
"""

from __future__ import annotations

import re
import unicodedata

from locales.translator import words_for

# The services people have other words for, by the words of their names; each has its catalogue entry
# `words.service_<those words joined by _>`, one-word aliases in either language.
ALIASED = ("exchange", "teams", "sharepoint", "onedrive", "virtual machines")


def _entry(name: str) -> str:
    return "words.service_" + name.replace(" ", "_")


# Each alias, in either language, and the words of the name it stands for.
ALIASES: dict[str, tuple[str, ...]] = {
    alias: tuple(name.split()) for name in ALIASED for alias in words_for(_entry(name))
}


def service_words(text: str) -> list[str]:
    """`text`'s words (case-, width- and punctuation-insensitive), each alias as the words it stands for."""
    folded = re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", text).casefold()).split()
    return [word for typed in folded for word in ALIASES.get(typed, (typed,))]


def names_service(wanted: str, service: str) -> bool:
    """Whether `wanted` names `service`: every word typed starts a word of the service's name ('exchange'
    names Exchange Online, '팀즈' Microsoft Teams). A service stored as typed ('subscribe all 팀즈') reads
    as the words it stands for too."""
    words = service_words(service)
    return all(any(word.startswith(typed) for word in words) for typed in service_words(wanted))
