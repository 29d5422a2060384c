"""The fan-out pacer: sliding windows like Teams' own, where a refused send doesn't count."""

from __future__ import annotations

import asyncio

import pytest

from bot.outbound.pacing import SendPacer, SlidingWindow


def test_a_send_counts_while_in_flight_then_for_a_window_from_its_answer() -> None:
    window = SlidingWindow(2, 1.0)
    window.take()
    window.take()
    assert window.wait_seconds(10.0) == 1.0, "both in flight: look again when one answers"
    window.answered(10.2)
    window.give_back()
    assert window.wait_seconds(10.3) == 0.0, "the refused one no longer counts"
    window.take()
    window.answered(10.4)
    assert window.wait_seconds(10.5) == pytest.approx(0.7)
    assert window.wait_seconds(11.2) == 0.0 and len(window) == 1


async def test_the_app_limit_holds_across_conversations_and_a_slot_given_back_frees_it_at_once() -> None:
    now = [100.0]
    pacer = SendPacer(app_per_second=3, clock=lambda: now[0])
    slots = [await pacer.slot(f"c{i}") for i in range(3)]
    waiting = asyncio.ensure_future(pacer.slot("c3"))
    await asyncio.sleep(0)
    slots[0].answered()
    await asyncio.sleep(0)
    assert not waiting.done(), "an answered send still counts for a second"
    slots[1].give_back()
    slots[1].answered()  # settled once: nothing more
    await asyncio.wait_for(waiting, 1.0)
    assert len(pacer._app) == 3


async def test_one_conversation_gets_at_most_8_in_2_seconds() -> None:
    now = [0.0]
    pacer = SendPacer(app_per_second=50, clock=lambda: now[0])
    for _ in range(8):
        (await pacer.slot("c")).answered()
    ninth = asyncio.ensure_future(pacer.slot("c"))
    other = await asyncio.wait_for(pacer.slot("d"), 1.0)
    assert not ninth.done()
    now[0] = 2.0
    other.answered()  # wakes the waiters, rather than sleeping out the real 2 s
    (await asyncio.wait_for(ninth, 1.0)).answered()
    now[0] = 40.0
    pacer.forget_idle()
    assert pacer._conversations == {}
