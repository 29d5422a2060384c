from __future__ import annotations

import asyncio

from bot.outbound.conversation_locks import ConversationLocks


async def test_turns_of_one_conversation_run_in_order_and_others_do_not_wait() -> None:
    locks = ConversationLocks()
    order: list[str] = []
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with locks.hold("a"):
            first_inside.set()
            await release_first.wait()
            order.append("a1")

    async def second() -> None:
        async with locks.hold("a"):
            order.append("a2")

    async def other() -> None:
        async with locks.hold("b"):
            order.append("b")

    running = asyncio.ensure_future(first())
    await first_inside.wait()
    waiting = asyncio.ensure_future(second())
    await other()
    assert order == ["b"]
    release_first.set()
    await asyncio.gather(running, waiting)
    assert order == ["b", "a1", "a2"]
    assert len(locks) == 0
