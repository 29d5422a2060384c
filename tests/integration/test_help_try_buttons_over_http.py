"""The help card's Try buttons over HTTP, as the demo's GDAP directory grants access (BOT_ACCESS=gdap):
each one the reader may use on the examples' customer. Ana (Service Support Administrator for Contoso) is
offered filing and reading Contoso's requests; Chloe (a Global Reader of it) is still taught both commands,
without a Try button that would only be refused. English and Korean."""

from __future__ import annotations

from typing import Any

import pytest

from bot.turn.commands import COMMANDS
from dialogs.help_dialog import EXAMPLE_CUSTOMER
from locales.translator import ENGLISH, Translator
from services.access.people import AccessMode
from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.test_file_button_over_http import _ask
from tests.support.visible import buttons, visible_text

KOREAN = Translator("ko")
LOCALES = {"en-US": ENGLISH, "ko-KR": KOREAN}
# The commands whose example files for, or reads the requests of, the examples' customer.
FILING = [c.name for c in COMMANDS if "filing" in c.example_needs]
REFUSAL = {
    "en-US": "You need the Service Support Administrator role for Contoso Ltd to do that.",
    "ko-KR": "이 작업을 하려면 Contoso Ltd에 대한 서비스 지원 관리자 역할이 필요합니다.",
}


def _tries(card: dict[str, Any], t: Translator) -> dict[str, dict[str, Any]]:
    """Each Try button on the help card, by the command it tries."""
    titles = {t("help.try", example=t(f"command.{c.name}.example")): c.name for c in COMMANDS}
    return {titles[b.title]: b.action["data"] for b in buttons(card) if b.title in titles}


def test_the_commands_that_need_filing_are_filing_and_reading_requests() -> None:
    assert FILING == ["escalate", "requests"]


@pytest.mark.parametrize("t", [ENGLISH, KOREAN], ids=["en", "ko"])
@pytest.mark.parametrize("name", FILING)
def test_their_examples_name_the_examples_customer(t: Translator, name: str) -> None:
    """What the help checks the reader's right on is the customer the example names, in every language."""
    assert EXAMPLE_CUSTOMER in t(f"command.{name}.example").split()


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_reader_who_may_not_file_for_contoso_is_offered_no_try_that_is_refused(
    start_bot: StartBot, connector: FakeConnector, locale: str
) -> None:
    t = LOCALES[locale]
    bot = await start_bot(people_access=AccessMode.GDAP)
    (ana,) = await _ask(bot, connector, "ana", locale, text=t("command.help.example"))
    (chloe,) = await _ask(bot, connector, "chloe", locale, text=t("command.help.example"))
    offered_ana, offered_chloe = _tries(ana, t), _tries(chloe, t)
    assert set(FILING) <= set(offered_ana)
    assert set(offered_chloe) == set(offered_ana) - set(FILING)
    # She is still taught them (she may file for another customer): only the buttons are left out.
    for name in FILING:
        assert t(f"command.{name}.usage") in visible_text(chloe)
    # Each filing and requests Try button she is offered works for her, as Ana's own do for Ana.
    for who, offered in (("chloe", offered_chloe), ("ana", offered_ana)):
        for name in ("requests", "request", "note", "link", "escalate"):
            if name in offered:
                replies = await _ask(bot, connector, who, locale, value=offered[name])
                shown = "\n".join(visible_text(r) for r in replies)
                assert REFUSAL[locale] not in shown, (who, name, shown[:200])
    assert shown.startswith(f"{t('action.file_request')} · Contoso Ltd"), shown[:200]
