"""One guided flow started while another waits (a set-up begun halfway through filing a request): cancelling
the newer one cancels it alone, and the one beneath offers to pick up where it was."""

from __future__ import annotations

import pytest

from tests.doubles.connector import FakeConnector
from tests.integration.conftest import StartBot
from tests.integration.teams import channel_message
from tests.integration.test_escalation_over_http import Thread
from tests.integration.test_notifications import QUIET_BOT


class KoreanThread(Thread):
    async def say(self, text: str) -> str:
        activity = channel_message(self.service_url, text, thread=self.thread)
        activity["locale"] = "ko-KR"
        return await self.post(activity)


@pytest.mark.parametrize(
    ("language", "words", "cancelled", "offer", "nothing"),
    [
        (
            "en",
            ("escalate contoso", "exchange", "setup", "cancel", "resume"),
            "Cancelled. Nothing was changed.",
            "You were filing a service request for Contoso Ltd. Pick up where you left off?",
            "There's nothing here to pick up",
        ),
        (
            "ko",
            ("에스컬레이션 contoso", "exchange", "설정", "취소", "계속"),
            "취소했습니다. 아무것도 바뀌지 않았습니다.",
            "Contoso Ltd의 서비스 요청을 접수하던 중이었습니다. 이어서 진행할까요?",
            "이어서 할",
        ),
    ],
)
async def test_cancelling_a_set_up_begun_mid_request_keeps_the_request(
    start_bot: StartBot,
    connector: FakeConnector,
    service_url: str,
    language: str,
    words: tuple[str, ...],
    cancelled: str,
    offer: str,
    nothing: str,
) -> None:
    """It said 'Cancelled. Nothing was changed.' about the set-up and dropped the request beneath in
    silence: 'resume' then found nothing, the answers given were lost."""
    thread = (KoreanThread if language == "ko" else Thread)(
        await start_bot(**QUIET_BOT), connector, service_url
    )
    escalate, product, setup, cancel, resume = words
    await thread.say(escalate)
    question = await thread.say(product)
    await thread.say(setup)
    answer = await thread.say(cancel)
    assert cancelled in answer and offer in answer, answer
    assert await thread.say(resume) == question, "the request's question, as it was asked"
    await thread.say(cancel)
    assert nothing in await thread.say(resume)
