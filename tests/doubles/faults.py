"""Failures the API doubles serve on cue: a status with the API's own error body and headers, or a hang."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Fault:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    path_contains: str = ""
    times: int = 1
    hang_seconds: float = 0.0


@dataclass
class Faults:
    queue: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        self.queue.append(fault)

    async def apply(self, request: web.Request) -> web.Response | None:
        for fault in self.queue:
            if fault.times > 0 and fault.path_contains in request.path_qs:
                fault.times -= 1
                if fault.hang_seconds:
                    await asyncio.sleep(fault.hang_seconds)
                return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        return None
