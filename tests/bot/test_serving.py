"""What an operator reads once the bot serves (bot/edge/serving.py): where it serves, and a warning for
each thing left open that should not be in real use, and only for those."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.edge.serving import ANONYMOUS_MODE, EVERYONE_OPERATES, announce_serving, every
from bot.turn.access import AccessRules

LOCKED = AccessRules(allowed_tenants=frozenset({"t-contoso"}), operators=frozenset({"ana@contoso.example"}))


@pytest.mark.parametrize(
    ("authenticated", "access", "warned", "open_to_every_tenant"),
    [
        (True, LOCKED, set(), False),
        (False, LOCKED, {ANONYMOUS_MODE}, False),
        (True, AccessRules(allowed_tenants=frozenset({"t-contoso"})), {EVERYONE_OPERATES}, False),
        (True, AccessRules(operators_group="5e1f0a3b"), set(), True),
        (False, AccessRules(), {ANONYMOUS_MODE, EVERYONE_OPERATES}, True),
    ],
)
def test_serving_names_where_and_warns_of_each_thing_left_open(
    caplog: pytest.LogCaptureFixture,
    authenticated: bool,
    access: AccessRules,
    warned: set[str],
    open_to_every_tenant: bool,
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.startup"):
        announce_serving("127.0.0.1", 3978, "demo", authenticated, access)
    lines = [r.getMessage() for r in caplog.records]
    auth = "on" if authenticated else "off (local testing only)"
    assert lines[0] == f"serving http://127.0.0.1:3978/api/messages backend=demo auth={auth}"
    assert {r.getMessage() for r in caplog.records if r.levelno == logging.WARNING} == warned
    assert ("ALLOWED_TENANTS is not set: every tenant may use the bot" in lines) == open_to_every_tenant


async def test_a_background_duty_that_fails_is_logged_and_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []
    third = asyncio.Event()

    async def step() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise ConnectionError("password=hunter2")
        if len(rounds) == 3:
            third.set()

    duty = asyncio.ensure_future(every(0, step, "heartbeat"))
    await asyncio.wait_for(third.wait(), 5)
    duty.cancel()
    await asyncio.gather(duty, return_exceptions=True)
    failures = [r.getMessage() for r in caplog.records if r.name == "bot.background"]
    assert failures == ["heartbeat failed error=ConnectionError"], "named, without the message's secret"
