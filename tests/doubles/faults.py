"""Failures the API doubles serve on cue: a status with the API's own error body and headers, a body that
isn't what the API documents (raw text: HTML from a proxy, truncated JSON), or a hang."""

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
    # Served as-is instead of `body` as JSON, with this content type.
    text: str | None = None
    content_type: str = "application/json"


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
                if fault.text is not None:
                    return web.Response(
                        text=fault.text,
                        status=fault.status,
                        headers=fault.headers,
                        content_type=fault.content_type,
                    )
                return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        return None
