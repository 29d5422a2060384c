"""A service's alias ('vm', '익스체인지', '팀즈', '셰어포인트', '원드라이브', from the catalogues) answers
every command where a service is typed exactly as the words of its name do, in either language."""

from __future__ import annotations

import pytest

from locales.translator import LANGUAGES
from services.domain.service_words import ALIASES
from tests.dialogs.test_escalation_dialog import Conversation
from tests.support.harness import BotHarness

# Where a service is typed, `{}` standing for it: Microsoft 365's on its incidents, message center,
# subscriptions and set-up's services question (the messages before it answering the questions before);
# Azure's after 'azure'.
M365 = ("incidents contoso {} all", "changes contoso {}", "subscribe contoso {}", "setup|northwind|{}")
AZURE = ("incidents contoso azure {} all", "incidents woodgrove azure {} all")
CASES = sorted(
    (alias, " ".join(words), command)
    for alias, words in ALIASES.items()
    for command in (AZURE if words == ("virtual", "machines") else M365)
)


async def _answer(locale: str, command: str, service: str) -> str:
    chat = Conversation(BotHarness(locale=locale))
    for message in command.split("|"):
        text = await chat.say(message.format(service))
    return text.replace(service, "<service>")  # the filter as the card echoes it


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
@pytest.mark.parametrize(("alias", "name", "command"), CASES)
async def test_an_alias_answers_as_the_services_name_does(
    locale: str, alias: str, name: str, command: str
) -> None:
    by_name = await _answer(locale, command, name)
    assert by_name != await _answer(locale, command, "zzqx"), "the name is a service here, not a typo"
    assert await _answer(locale, command, alias) == by_name
    assert await _answer(locale, command, alias.upper()) == by_name


def test_every_language_has_aliases() -> None:
    assert len(LANGUAGES) == 2 and {"vm", "익스체인지", "팀즈", "셰어포인트", "원드라이브"} <= set(ALIASES)
