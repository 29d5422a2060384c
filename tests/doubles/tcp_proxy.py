"""A TCP relay in front of a real server (Azurite) that a test can freeze or take down, as a storage
account that stops answering (frozen: connections accepted, nothing ever answered) or goes away (down:
connections refused), and then bring back."""

from __future__ import annotations

import asyncio
import contextlib
import enum


class Mode(enum.Enum):
    OPEN = "open"
    FROZEN = "frozen"
    DOWN = "down"


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self.mode = Mode.OPEN
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def connection_string(self, connection_string: str) -> str:
        """Azurite's connection string with its blob endpoint moved to this relay."""
        return connection_string.replace(f"127.0.0.1:{self._target_port}/", f"127.0.0.1:{self.port}/")

    async def set(self, mode: Mode) -> None:
        """Change what the relay does; open connections are cut so nothing in flight gets through."""
        self.mode = mode
        for writer in list(self._writers):
            writer.close()
        if mode is Mode.DOWN and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        elif mode is not Mode.DOWN and self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.set(Mode.DOWN)
        for link in list(self._links):
            link.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        try:
            if self.mode is Mode.FROZEN:
                # Read and never answer, as a storage endpoint that hangs.
                while await reader.read(65536):
                    pass
                return
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
            self._writers.add(upstream_writer)
            await asyncio.gather(
                self._pipe(reader, upstream_writer),
                self._pipe(upstream_reader, writer),
                return_exceptions=True,
            )
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._links.discard(task)
            self._writers.discard(writer)
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.mode is not Mode.OPEN:
                    return
                writer.write(data)
                await writer.drain()
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(OSError):
                writer.close()
