"""Which language a Teams client gets when its activity says Korean in one of the other ways Teams
(and other Bot Framework channels) say it: no `locale` but a clientInfo entity, or `ko_KR`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.support.visible import visible_text


def _client_info_only(activity: dict[str, Any]) -> None:
    del activity["locale"]
    activity["entities"][0]["locale"] = "ko-KR"


def _underscore(activity: dict[str, Any]) -> None:
    activity["locale"] = "ko_KR"
    activity["entities"][0]["locale"] = "ko_KR"


def _english(activity: dict[str, Any]) -> None:
    """The control: the same activity as Teams sends it for an English client."""


@pytest.mark.parametrize(
    ("say_it", "heading"),
    [
        (_client_info_only, "서비스 상태 · Contoso Ltd"),
        (_underscore, "서비스 상태 · Contoso Ltd"),
        (_english, "Service health · Contoso Ltd"),
    ],
    ids=["clientInfo-only", "ko_KR", "en-US"],
)
async def test_a_korean_client_gets_korean_however_its_locale_arrives(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    say_it: Callable[[dict[str, Any]], None],
    heading: str,
) -> None:
    bot = await start_bot()
    activity = channel_message(service_url, "health contoso")
    say_it(activity)
    assert (await bot.post("/api/messages", json=activity)).status == 201
    assert visible_text(connector.messages[0]).startswith(heading)
