"""A conversation's turns run one at a time across instances: a blob lease per conversation (Azurite)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from services.instances.conversation_leases import BlobConversationLeases
from services.storage.blob_container import BlobContainer, BlobLocation
from tests.support.azurite import Azurite, own_azurite

CONVERSATION = "19:abc/def@thread.tacv2;messageid=1732440000000"


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """An Azurite of this module's own: these tests time lease renewals, and late in a full run the
    session's emulator, holding every earlier test's blobs in memory, stalled a renewal past its lease."""
    yield from own_azurite(tmp_path_factory)


@pytest.fixture
async def containers(azurite: Any) -> AsyncIterator[tuple[BlobContainer, BlobContainer]]:
    """Two clients of one container, as two instances have."""
    location = BlobLocation(f"turns-{uuid.uuid4().hex[:12]}", azurite.connection_string)
    opened = (BlobContainer(location), BlobContainer(location))
    for container in opened:
        await container.open()
    yield opened
    for container in opened:
        await container.close()


async def test_turns_of_one_conversation_on_two_instances_run_one_after_the_other(
    containers: tuple[BlobContainer, BlobContainer],
) -> None:
    instances = [BlobConversationLeases(container) for container in containers]
    log: list[str] = []

    async def turn(leases: BlobConversationLeases, name: str) -> None:
        async with leases.hold(CONVERSATION):
            log.append(f"{name} begins")
            await asyncio.sleep(0.3)
            log.append(f"{name} ends")

    await asyncio.gather(*(turn(instances[i % 2], f"t{i}") for i in range(4)))
    assert all(
        log[i].endswith("begins") and log[i + 1] == log[i].replace("begins", "ends") for i in (0, 2, 4, 6)
    )


async def test_other_conversations_are_not_held_up(containers: tuple[BlobContainer, BlobContainer]) -> None:
    first, second = (BlobConversationLeases(container) for container in containers)
    async with first.hold(CONVERSATION):
        await asyncio.wait_for(_enter(second, "19:other@thread.tacv2"), 2)


async def test_a_turn_that_cannot_get_the_lease_goes_ahead_after_waiting(
    containers: tuple[BlobContainer, BlobContainer],
) -> None:
    holder = BlobConversationLeases(containers[0])
    impatient = BlobConversationLeases(containers[1], wait_seconds=0.5)
    async with holder.hold(CONVERSATION):
        await asyncio.wait_for(_enter(impatient, CONVERSATION), 3)


async def _enter(leases: BlobConversationLeases, conversation: str) -> None:
    async with leases.hold(conversation):
        pass
