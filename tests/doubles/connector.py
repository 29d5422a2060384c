"""A stand-in for the Bot Connector service at `serviceUrl`, shaped like its v3 REST API.

It records what the bot sends so tests can read the replies back, and answers as the real service does:
a ResourceResponse `{"id": ...}` for sends and updates.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Sent:
    method: str
    conversation_id: str
    reply_to_id: str | None
    activity: dict[str, Any]
    # The id the connector answered with (a new thread's activity id, a message's id).
    answered_id: str = ""


@dataclass(frozen=True)
class Failure:
    """One answer of a throttled or failing Bot Connector."""

    status: int
    retry_after: str | None = None


@dataclass
class FakeConnector:
    sent: list[Sent] = field(default_factory=list)
    service_url: str = ""
    # When set, every send is answered with this HTTP status, as a failing Bot Connector would.
    fail_with: int | None = None
    # The roster `GET .../members/{id}` answers from, keyed by member id.
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The User-Agent of each roster lookup: which HTTP client asked (aiohttp, or botbuilder's msrest).
    roster_agents: list[str] = field(default_factory=list)
    # Who is in which conversation (channel or chat id -> member ids of `members`), for `pagedmembers`;
    # a conversation not named here has every one of `members`.
    conversation_members: dict[str, list[str]] = field(default_factory=dict)
    # Each `pagedmembers` page asked for: (conversation, pageSize, continuationToken).
    member_pages: list[tuple[str, str, str]] = field(default_factory=list)
    # When set, `pagedmembers` answers with this HTTP status (a roster Teams can't read just now).
    members_fail_with: int | None = None
    # Answered, in order, to the next calls before any succeeds (429 with Retry-After, 503, ...).
    failures: list[Failure] = field(default_factory=list)
    # Every call that reached the connector, successful or not, with when it arrived (monotonic).
    attempts: list[tuple[float, str]] = field(default_factory=list)
    # While cleared, calls wait (a slow connector); calls under a hanging prefix never answer.
    open: asyncio.Event = field(default_factory=asyncio.Event)
    hanging_prefix: str = "/hang/"
    # Activities of these types hang like the prefix does (a connector stuck on typing, say).
    hanging_types: set[str] = field(default_factory=set)
    release_hanging: asyncio.Event = field(default_factory=asyncio.Event)
    # Each call takes this long to answer after it arrived (a connector under load).
    delay_seconds: float = 0.0
    # The next `late_answers` new threads (a notice card in a channel) are accepted (recorded: the card
    # arrived) and answered only `late_answer_seconds` later, after the bot stopped waiting for the answer.
    late_answers: int = 0
    late_answer_seconds: float = 0.0
    # Conversations (channel or chat id) that refuse the bot with this status: 403 blocked, 404 deleted.
    refusing: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def __post_init__(self) -> None:
        self.open.set()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{prefix:.*}v3/conversations/{conversation}/activities/{activity}", self._reply)
        app.router.add_post("/{prefix:.*}v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/{prefix:.*}v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_post("/{prefix:.*}v3/conversations", self._create)
        app.router.add_get("/{prefix:.*}v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_get("/{prefix:.*}v3/conversations/{conversation}/pagedmembers", self._paged_members)
        return app

    async def _create(self, request: web.Request) -> web.Response:
        """Start a conversation (a new thread in a channel): a ConversationResourceResponse."""
        parameters = await request.json()
        channel = parameters.get("channelData", {}).get("channel", {}).get("id")
        if not isinstance(channel, str) or not isinstance(parameters.get("activity"), dict):
            return web.json_response({"error": {"code": "BadArgument", "message": "channel"}}, status=400)
        failure = await self._arrive(request, parameters["activity"], channel)
        if failure is not None:
            return failure
        activity_id = f"thread-{next(self._ids)}"
        async with self._changed:
            self.sent.append(Sent("CREATE", channel, None, parameters["activity"], activity_id))
            self._changed.notify_all()
        await self._answer_late()
        return web.json_response({"id": f"{channel};messageid={activity_id}", "activityId": activity_id})

    async def _member(self, request: web.Request) -> web.Response:
        """A TeamsChannelAccount from the roster, as `GET .../members/{id}` answers (members in `members`)."""
        self.roster_agents.append(request.headers.get("User-Agent", ""))
        member = self.members.get(request.match_info["member"])
        if member is None:
            error = {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}}
            return web.json_response(error, status=404)
        return web.json_response(member)

    async def _paged_members(self, request: web.Request) -> web.Response:
        """One page of the conversation's members, as `GET .../pagedmembers?pageSize=&continuationToken=`
        answers (get-teams-context, "Get paged members"): `{"continuationToken": ..., "members": [...]}`,
        the token left out on the last page. Teams treats pageSize as a suggestion; so does this."""
        conversation = request.match_info["conversation"]
        size, token = request.query.get("pageSize", ""), request.query.get("continuationToken", "")
        self.member_pages.append((conversation, size, token))
        if self.members_fail_with is not None:
            error = {"error": {"code": "ServiceError", "message": "The service is unavailable"}}
            return web.json_response(error, status=self.members_fail_with)
        ids = self.conversation_members.get(conversation.split(";")[0], list(self.members))
        roster = [self.members[i] for i in ids if i in self.members]
        try:
            start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
            count = max(1, min(int(size or 100), 500))
        except ValueError:
            error = {"error": {"code": "BadArgument", "message": "continuationToken"}}
            return web.json_response(error, status=400)
        page: dict[str, Any] = {"members": roster[start : start + count]}
        if start + count < len(roster):
            page["continuationToken"] = base64.urlsafe_b64encode(str(start + count).encode()).decode()
        return web.json_response(page)

    async def _record(self, request: web.Request, reply_to: str | None) -> web.Response:
        body = await request.json()
        failure = await self._arrive(request, body, request.match_info["conversation"])
        if failure is not None:
            return failure
        answered_id = reply_to if request.method == "PUT" and reply_to else f"bot-activity-{next(self._ids)}"
        async with self._changed:
            self.sent.append(
                Sent(request.method, request.match_info["conversation"], reply_to, body, answered_id)
            )
            self._changed.notify_all()
        return web.json_response({"id": answered_id})

    async def _arrive(
        self, request: web.Request, body: dict[str, Any], conversation: str
    ) -> web.Response | None:
        """Count the attempt, then behave as told: hang, wait, fail; None means go ahead."""
        async with self._changed:
            self.attempts.append((asyncio.get_running_loop().time(), str(body.get("type"))))
            self._changed.notify_all()
        if request.path.startswith(self.hanging_prefix) or body.get("type") in self.hanging_types:
            await self.release_hanging.wait()
            raise web.HTTPServiceUnavailable()
        await self.open.wait()
        await asyncio.sleep(self.delay_seconds)
        refusal = self.refusing.get(conversation.split(";")[0])
        failure = Failure(refusal) if refusal else self.failures.pop(0) if self.failures else None
        if failure is None and self.fail_with is not None:
            failure = Failure(self.fail_with)
        if failure is not None:
            error = {"error": {"code": "ServiceError", "message": "The service is unavailable"}}
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
            return web.json_response(error, status=failure.status, headers=headers)
        return None

    async def _answer_late(self) -> None:
        if self.late_answers > 0:
            self.late_answers -= 1
            await asyncio.sleep(self.late_answer_seconds)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._record(request, request.match_info["activity"])

    async def _send(self, request: web.Request) -> web.Response:
        return await self._record(request, None)

    async def _update(self, request: web.Request) -> web.Response:
        return await self._record(request, request.match_info["activity"])

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [s.activity for s in self.sent if s.activity.get("type") == "message"]

    async def wait_until(self, condition: Callable[[], bool], seconds: float = 10.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), seconds)

    async def wait_for_messages(self, count: int, seconds: float = 10.0) -> list[dict[str, Any]]:
        await self.wait_until(lambda: len(self.messages) >= count, seconds)
        return self.messages
