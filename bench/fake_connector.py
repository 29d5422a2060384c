"""A Bot Connector on loopback for the benchmark (aiohttp, one process of its own).

Two behaviours, switched with `POST /_bench/mode` (which also clears the figures):
- `replies`: answers every send at once, and notes when the last reply to each incoming activity
  (`.../activities/{replyToId}`) arrived, on the machine-wide monotonic clock the load generator uses;
- `teams`: enforces Teams' published limits for proactive messages, 7 per second per conversation and
  50 per second per app (sliding one-second windows over accepted sends), answering excess with
  429 + Retry-After, and also answers `reject_fraction` of all sends with 429 + Retry-After at random.
Both count TCP connections opened to it. `GET /_bench/stats` returns the figures as JSON.

Run: python -m bench.fake_connector PORT
"""

from __future__ import annotations

import random
import sys
import time
import weakref
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

APP_LIMIT = 50
CONVERSATION_LIMIT = 7
WINDOW_SECONDS = 1.0


class FakeConnector:
    def __init__(self) -> None:
        self._transports: weakref.WeakSet[Any] = weakref.WeakSet()
        self._random = random.Random(10)
        self.reset({})

    def reset(self, settings: dict[str, Any]) -> None:
        self.mode = str(settings.get("mode", "replies"))
        self.reject_fraction = float(settings.get("reject_fraction", 0.0))
        self.retry_after = str(settings.get("retry_after", "1"))
        if "seed" in settings:
            self._random = random.Random(int(settings["seed"]))
        self.connections = 0
        self.requests = 0
        self.last_reply: dict[str, float] = {}
        self.replies: dict[str, int] = defaultdict(int)
        self.members = 0
        # teams mode
        self.accepted: dict[str, int] = defaultdict(int)
        self.first_accepted: float | None = None
        self.last_accepted: float | None = None
        self.accepted_per_second: list[int] = []  # by whole seconds since the first accepted send
        self.rejected_at_random = 0
        self.rejected_over_app_limit = 0
        self.rejected_over_conversation_limit = 0
        self._app_window: deque[float] = deque()
        self._conversation_windows: dict[str, deque[float]] = defaultdict(deque)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._count_connections])
        app.router.add_post("/_bench/mode", self._mode)
        app.router.add_get("/_bench/stats", self._stats)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    @web.middleware
    async def _count_connections(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/_bench/"):
            self.requests += 1
            transport = request.transport
            if transport is not None and transport not in self._transports:
                self._transports.add(transport)
                self.connections += 1
        response: web.StreamResponse = await handler(request)
        return response

    async def _mode(self, request: web.Request) -> web.Response:
        self.reset(await request.json())
        return web.json_response({"mode": self.mode})

    async def _stats(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "mode": self.mode,
                "connections": self.connections,
                "requests": self.requests,
                "last_reply": self.last_reply,
                "replies": sum(self.replies.values()),
                "members": self.members,
                "accepted": dict(self.accepted),
                "first_accepted": self.first_accepted,
                "last_accepted": self.last_accepted,
                "accepted_per_second": self.accepted_per_second,
                "rejected_at_random": self.rejected_at_random,
                "rejected_over_app_limit": self.rejected_over_app_limit,
                "rejected_over_conversation_limit": self.rejected_over_conversation_limit,
            }
        )

    def _throttled(self, conversation: str) -> web.Response | None:
        """In `teams` mode: a 429 for this send, or None when it is accepted (and counted)."""
        if self.mode != "teams":
            return None
        now = time.monotonic()
        if self._random.random() < self.reject_fraction:
            self.rejected_at_random += 1
            return self._too_many()
        windows = (self._app_window, self._conversation_windows[conversation])
        for window in windows:
            while window and window[0] <= now - WINDOW_SECONDS:
                window.popleft()
        if len(self._app_window) >= APP_LIMIT:
            self.rejected_over_app_limit += 1
            return self._too_many()
        if len(windows[1]) >= CONVERSATION_LIMIT:
            self.rejected_over_conversation_limit += 1
            return self._too_many()
        for window in windows:
            window.append(now)
        self.accepted[conversation] += 1
        self.first_accepted = self.first_accepted or now
        self.last_accepted = now
        second = int(now - self.first_accepted)
        self.accepted_per_second += [0] * (second + 1 - len(self.accepted_per_second))
        self.accepted_per_second[second] += 1
        return None

    def _too_many(self) -> web.Response:
        body = {"error": {"code": "ThrottledRequest", "message": "Too many requests"}}
        return web.json_response(body, status=429, headers={"Retry-After": self.retry_after})

    async def _send(self, request: web.Request) -> web.Response:
        await request.read()
        conversation = request.match_info["conversation"].split(";")[0]
        refused = self._throttled(conversation)
        if refused is not None:
            return refused
        reply_to = request.match_info.get("activity")
        if reply_to and request.method == "POST":
            self.last_reply[reply_to] = time.monotonic()
            self.replies[reply_to] += 1
        return web.json_response({"id": reply_to if request.method == "PUT" else f"b{self.requests}"})

    async def _create(self, request: web.Request) -> web.Response:
        parameters = await request.json()
        channel = str(parameters.get("channelData", {}).get("channel", {}).get("id", ""))
        refused = self._throttled(channel)
        if refused is not None:
            return refused
        activity_id = f"t{self.requests}"
        return web.json_response({"id": f"{channel};messageid={activity_id}", "activityId": activity_id})

    async def _member(self, request: web.Request) -> web.Response:
        self.members += 1
        member = request.match_info["member"]
        return web.json_response(
            {
                "id": member,
                "name": "Bench User",
                "email": "bench.user@contoso.example",
                "userPrincipalName": "bench.user@contoso.example",
            }
        )


def main() -> None:
    port = int(sys.argv[1])
    connector = FakeConnector()
    web.run_app(connector.app(), host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
