"""HTTP edge: `POST /api/messages`, `GET /healthz`, `GET /readyz`, and our own error middleware.

Bad requests are answered before the adapter runs (415 wrong Content-Type, 401 a token that can never
be valid, 413 oversized, 400 nested too deeply, malformed JSON, not an activity, a field of the wrong type
or beyond our limits), then the token is proven (401, or 503 when the channel's keys can't be had), and
nothing unexpected leaves a traceback in a response or the log. Every refused request is logged once,
without its body. `/api/notify` reads its body through the same checks (`_json_body`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.schema import Activity

from bot.edge.activity_shape import shape_problem
from bot.edge.inbound_auth import InboundAuthentication, KeysUnavailable, Unauthenticated
from bot.edge.input_limits import activity_problem, nests_deeper_than, without_lone_surrogates
from bot.turn.turns import AuthenticationTimeout, TurnRunner
from services.notices.notify_events import NotifyRejected

logger = logging.getLogger("bot.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def refuse(
    request: web.Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    log_reason: str = "",
) -> web.Response:
    """The answer to a refused request, logged once; `log_reason` says more to the log than to the caller."""
    logger.info(
        "request refused method=%s path=%s status=%d reason=%s",
        request.method,
        request.path,
        status,
        f"{message} ({log_reason})" if log_reason else message,
    )
    response = problem(status, message)
    response.headers.update(headers or {})
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:  # noqa: BLE001 - the last line of defence; callers get a reference
        reference = secrets.token_hex(4)
        logger.error(
            "request failed reference=%s method=%s path=%s error=%s",
            reference,
            request.method,
            request.path,
            type(error).__name__,
        )
        return problem(500, f"Internal error, reference {reference}")


async def _read_limited(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (checked as it streams, not just by header)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _json_body(request: web.Request, max_body_bytes: int) -> Any:
    """The body as JSON, read within the size and nesting limits, lone surrogates replaced; or _Refused."""
    body = await _read_limited(request, max_body_bytes)
    if body is None:
        raise _Refused(413, f"Request bodies are limited to {max_body_bytes} bytes")
    if nests_deeper_than(body):
        raise _Refused(400, "JSON is nested too deeply")
    try:
        return without_lone_surrogates(body, json.loads(body))
    except (ValueError, UnicodeDecodeError):
        raise _Refused(400, "Body is not valid JSON") from None


def authorization(request: web.Request) -> str:
    """The Authorization header, or "" when it isn't ASCII: every bearer token is (RFC 6750's b64token),
    and aiohttp hands other bytes over as surrogate escapes, which no token check could encode."""
    value = request.headers.get("Authorization", "")
    return value if value.isascii() else ""


def _text_field(payload: dict[str, Any], *path: str) -> bool:
    value: Any = payload
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return isinstance(value, str) and bool(value.strip())


def _as_activity(payload: Any) -> Activity | None:
    """An activity we can answer: it says what it is, where it came from and where replies go."""
    if not isinstance(payload, dict):
        return None
    # `from.id` too: botbuilder's per-user state raises without it.
    required = (("type",), ("channelId",), ("serviceUrl",), ("conversation", "id"), ("from", "id"))
    if not all(_text_field(payload, *path) for path in required):
        return None
    try:
        activity = Activity().deserialize(payload)
    except Exception:  # msrest raises several kinds for shapes it can't map; all mean "not an activity"
        return None
    return activity if isinstance(activity, Activity) else None


def messages_route(runner: TurnRunner, max_body_bytes: int, authentication: InboundAuthentication) -> Handler:
    unauthenticated = "Missing or invalid Authorization token"
    keys_unavailable = "Authentication is taking too long; try again"

    async def messages(request: web.Request) -> web.StreamResponse:
        arrived = asyncio.get_running_loop().time()
        if request.content_type != "application/json":
            return refuse(request, 415, "Content-Type must be application/json")
        try:
            plausible = authentication.precheck(authorization(request))
        except Unauthenticated as error:
            return refuse(request, 401, unauthenticated, log_reason=error.reason)
        try:
            payload = await _json_body(request, max_body_bytes)
        except _Refused as refused:
            return refuse(request, refused.status, refused.message)
        shape = shape_problem(payload) if isinstance(payload, dict) else None
        if shape:
            return refuse(request, 400, shape)
        activity = _as_activity(payload)
        if activity is None:
            return refuse(request, 400, "Body is not a Bot Framework activity")
        beyond = activity_problem(payload)
        if beyond:
            return refuse(request, 400, beyond)
        try:
            authenticated = await asyncio.wait_for(
                authentication.authenticate(plausible, activity), runner.budget
            )
        except Unauthenticated as error:
            return refuse(request, 401, unauthenticated, log_reason=error.reason)
        except (KeysUnavailable, TimeoutError):
            return refuse(request, 503, keys_unavailable, {"Retry-After": "5"})
        try:
            invoke = await runner.run(authenticated, activity, arrived)
        except AuthenticationTimeout:
            # Authenticating or recording the activity took the whole budget; Teams will retry.
            return refuse(request, 503, keys_unavailable, {"Retry-After": "5"})
        if invoke is not None:
            # Universal Actions answer with plain JSON; botbuilder's own invokes with msrest models.
            answer = (
                invoke.body
                if invoke.body is None or isinstance(invoke.body, dict)
                else serializer_helper(invoke.body)
            )
            return web.json_response(answer, status=invoke.status)
        return web.Response(status=201)

    return messages


def healthz_route(version: str, backend: str) -> Handler:
    """Liveness only: the process answers. Readiness (storage, backends) is /readyz."""

    async def healthz(_: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok", "version": version, "backend": backend})

    return healthz


ReadinessCheck = Callable[[], Awaitable[str | None]]
# A probe's own bound: /readyz answers within 2 s whatever storage does (frozen, refusing, retrying).
READINESS_TIMEOUT_SECONDS = 1.5


async def _bounded(check: ReadinessCheck, seconds: float) -> str | None:
    try:
        return await asyncio.wait_for(check(), seconds)
    except TimeoutError:
        return f"no answer within {seconds:g} s"


def readyz_route(checks: Mapping[str, ReadinessCheck], timeout: float = READINESS_TIMEOUT_SECONDS) -> Handler:
    """200 when every dependency works; 503 naming what is wrong with each that doesn't. The checks run
    side by side, each cut off after `timeout`, so a load balancer's probe gets its answer in time."""

    async def readyz(_: web.Request) -> web.StreamResponse:
        answers = await asyncio.gather(*(_bounded(check, timeout) for check in checks.values()))
        problems = dict(zip(checks, answers, strict=True))
        failing = {name: problem for name, problem in problems.items() if problem}
        results = {name: problem or "ok" for name, problem in problems.items()}
        if failing:
            logger.warning("not ready %s", " ".join(f"{n}={p!r}" for n, p in failing.items()))
        return web.json_response(
            {"status": "unavailable" if failing else "ready", "checks": results},
            status=503 if failing else 200,
        )

    return readyz


def _bearer_matches(request: web.Request, token: str) -> bool:
    return hmac.compare_digest(authorization(request).encode(), f"Bearer {token}".encode())


TakeEvent = Callable[[object], Awaitable[int]]


def notify_route(token: str, take: TakeEvent, max_body_bytes: int) -> Handler:
    """`POST /api/notify` for the partner's own monitoring: 404 unless NOTIFY_TOKEN is set, 401 without
    it, 400 naming what is wrong with the body, 404 for an unknown customer, else 202 with how many
    conversations will hear of it."""

    async def notify(request: web.Request) -> web.StreamResponse:
        if not token:
            return refuse(request, 404, "Not found")
        if not _bearer_matches(request, token):
            return refuse(request, 401, "Missing or wrong bearer token")
        try:
            body = await _json_body(request, max_body_bytes)
        except _Refused as refused:
            return refuse(request, refused.status, refused.message)
        try:
            conversations = await take(body)
        except NotifyRejected as rejected:
            return refuse(request, rejected.status, rejected.message)
        logger.info("notify accepted conversations=%d", conversations)
        return web.json_response({"conversations": conversations}, status=202)

    return notify


def demo_tick_route(token: str, tick: Callable[[], Awaitable[dict[str, object]]]) -> Handler:
    """`POST /api/demo/tick` (demo backend only): move the demo world one step and deliver its notices."""

    async def demo_tick(request: web.Request) -> web.StreamResponse:
        if token and not _bearer_matches(request, token):
            return refuse(request, 401, "Missing or wrong bearer token")
        return web.json_response(await tick())

    return demo_tick
