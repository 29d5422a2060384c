"""One turn at a time per conversation, within this process.

Teams announces an install with installationUpdate and conversationUpdate at the same moment, and people
in a busy channel thread can message at once. Turns of the same conversation therefore run in order, so
each sees the state the previous one saved. With `shared` (BOT_STORAGE=azureblob), a turn also holds
its conversation's lease in shared storage, so turns on different instances run in order too; ETags in
storage stay the backstop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class SharedConversationLocks(Protocol):
    """Holds a conversation across instances (services/instances/conversation_leases.py)."""

    def hold(self, conversation_id: str) -> AbstractAsyncContextManager[None]: ...


class ConversationLocks:
    def __init__(self, shared: SharedConversationLocks | None = None) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self._shared = shared

    @asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                if self._shared is None:
                    yield
                else:
                    async with self._shared.hold(conversation_id):
                        yield
        finally:
            lock, users = self._locks[conversation_id]
            if users == 1:
                del self._locks[conversation_id]
            else:
                self._locks[conversation_id] = (lock, users - 1)

    def busy(self, conversation_id: str) -> bool:
        """Whether a turn (or send) of this conversation is running or waiting."""
        return conversation_id in self._locks

    def __len__(self) -> int:
        """Conversations with a turn running or waiting; the registry never outgrows them."""
        return len(self._locks)
