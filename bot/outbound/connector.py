"""Our own client for the Bot Connector's v3 REST API: every activity the bot sends goes through here.

botbuilder sends with msrest, i.e. `requests` in the default thread pool, without timeouts or retries
of POSTs, and logs raw conversation ids through urllib3. Here instead:
- one pooled aiohttp session, with connect and read timeouts, so a hanging serviceUrl costs a
  coroutine, not a thread that other conversations or storage need; a post's read timeout is longer
  than an update's (a post that times out may have arrived, and is never retried);
- sends to one conversation leave in the order they were made (an announcement such as typing or
  "Still working…" can never overtake, or arrive after, the answer it announces);
- 429, 412, 502, 503 and 504 are retried as Teams asks (honouring Retry-After, else jittered
  exponential backoff) within a bounded total time; Teams' connector does not retry for us;
- proactive sends pass a `pace` (bot/outbound/pacing.py) that every attempt, retries included, waits on; an
  attempt refused with 429 gives its slot back;
- the roster lookups (`member`, and a conversation's `members`, kept a few minutes) use the same session,
  not msrest's client (a connection per call).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import yarl
from aiohttp.helpers import get_env_proxy_for_url
from botbuilder.schema import Activity, ResourceResponse
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_before_delay,
    wait_exponential_jitter,
)

from bot.outbound.activity_json import activity_json
from bot.outbound.conversation_locks import ConversationLocks
from bot.outbound.log_ids import conversation_hash
from bot.outbound.pacing import Slot
from services.backends.retry_after import retry_after_seconds
from services.telemetry import THROTTLED_SENDS, TRACER

logger = logging.getLogger("bot.connector")

RETRYABLE_STATUSES = frozenset({412, 429, 502, 503, 504})
ROSTER_RETRY_SECONDS = 5.0
# A conversation's members, as notices read them to know whom they may @mention: people join and leave
# rarely, and a channel's notices come in bursts (one card per incident per conversation).
MEMBERS_CACHE_SECONDS = 300.0
# The page size Teams' own example asks for (get-teams-context, "Get paged members"); only a suggestion.
MEMBERS_PAGE_SIZE = 100
# A roster longer than this many pages is read no further (50,000 people at the page size above).
MOST_MEMBER_PAGES = 500
# How long a typing indicator may take before it is given up.
EPHEMERAL_SECONDS = 2.0

# Returns the Authorization header value for a serviceUrl, or None when authentication is off.
AuthorizationSource = Callable[[str], Awaitable[str | None]]
# Waits for room under Teams' rate limits before an attempt; the slot is given back on a 429.
Pace = Callable[[], Awaitable[Slot]]


class ConnectorError(Exception):
    """The Bot Connector refused or failed a call; `status` is None when it couldn't be reached."""

    def __init__(
        self,
        status: int | None,
        retry_after: float | None = None,
        cause: str = "",
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(f"connector answered {status}" if status else f"connector unreachable ({cause})")
        self.status = status
        self.retry_after = retry_after
        self.maybe_delivered = maybe_delivered

    @property
    def retryable(self) -> bool:
        # A refused connection delivered nothing, so trying again can't duplicate a message; a timeout
        # after the request went out might have, so that is not retried.
        if self.maybe_delivered:
            return False
        return self.status is None or self.status in RETRYABLE_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """How long a send may keep trying, in total, and the backoff when Teams gives no Retry-After."""

    total_seconds: float = 30.0
    first_wait_seconds: float = 0.5
    max_wait_seconds: float = 8.0

    def wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ConnectorError) and error.retry_after is not None:
            # Honoured, but 'Retry-After: 0' (or a date in the past) must not become a tight loop.
            floor = self.first_wait_seconds / 2 * state.attempt_number
            return min(max(error.retry_after, floor), self.total_seconds)
        backoff = wait_exponential_jitter(
            multiplier=self.first_wait_seconds, max=self.max_wait_seconds, jitter=self.first_wait_seconds
        )
        return float(backoff(state))


@dataclass(frozen=True)
class ConnectorTimeouts:
    """`create_read_seconds` is for calls that post a new message: one that times out may have arrived,
    and, not being idempotent, is never retried, so it gets longer than updates (safe to try again)."""

    connect_seconds: float = 5.0
    read_seconds: float = 15.0
    create_read_seconds: float = 60.0

    @property
    def longest_call_seconds(self) -> float:
        """The longest one call can take before its answer or its timeout."""
        return self.connect_seconds + max(self.read_seconds, self.create_read_seconds)

    @property
    def longest_send_seconds(self) -> float:
        """What one notice's send may take: a post, or an update and its thread reply."""
        return max(self.longest_call_seconds, 2 * (self.connect_seconds + self.read_seconds))


def _activities_url(service_url: str, conversation_id: str, activity_id: str | None = None) -> str:
    url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
    return f"{url}/{quote(activity_id, safe='')}" if activity_id else url


class Connector:
    def __init__(
        self,
        authorization: AuthorizationSource,
        retry: RetryPolicy | None = None,
        timeouts: ConnectorTimeouts | None = None,
    ) -> None:
        self._authorization = authorization
        self._retry = retry or RetryPolicy()
        timeouts = timeouts or ConnectorTimeouts()
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=timeouts.connect_seconds, sock_read=timeouts.read_seconds
        )
        self._create_timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.connect_seconds,
            sock_read=max(timeouts.read_seconds, timeouts.create_read_seconds),
        )
        self._session: aiohttp.ClientSession | None = None
        self._lanes = ConversationLocks()
        self._proxies: dict[str, tuple[str | None, aiohttp.BasicAuth | None]] = {}
        self._members: dict[tuple[str, str], tuple[float, tuple[dict[str, Any], ...]]] = {}
        self._clock = time.monotonic

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def busy(self, conversation_id: str) -> bool:
        """Whether something is being sent to, or waiting to be sent to, this conversation."""
        return self._lanes.busy(conversation_id)

    async def send(self, activity: Activity, pace: Pace | None = None) -> ResourceResponse:
        """Post an activity (as a reply when it has reply_to_id), after everything sent before it."""
        conversation_id = activity.conversation.id
        url = _activities_url(activity.service_url, conversation_id, activity.reply_to_id)
        async with self._lanes.hold(conversation_id):
            return _resource(
                await self._with_retries(
                    "POST",
                    url,
                    activity_json(activity),
                    conversation_hash(conversation_id),
                    pace,
                    creates=True,
                )
            )

    async def send_now_or_never(self, activity: Activity) -> None:
        """An ephemeral signal (typing): sent once if nothing else is on its way, else dropped."""
        conversation_id = activity.conversation.id
        if self.busy(conversation_id):
            return
        url = _activities_url(activity.service_url, conversation_id, activity.reply_to_id)
        async with self._lanes.hold(conversation_id):
            # Never worth holding up the answer queued behind it for a whole read timeout.
            try:
                await asyncio.wait_for(self._call("POST", url, activity_json(activity)), EPHEMERAL_SECONDS)
            except TimeoutError:
                raise ConnectorError(None, cause="timeout", maybe_delivered=True) from None

    async def start_thread(
        self,
        service_url: str,
        channel_id: str,
        tenant_id: str,
        activity: Activity,
        pace: Pace | None = None,
    ) -> tuple[str, str]:
        """Post `activity` as a new thread in a Teams channel; returns the thread's id and the activity id.

        A reference captured from a message in a channel thread names that thread; a new notice belongs in a
        thread of its own (Teams: create a conversation with the channel in channelData).
        """
        parameters = {
            "isGroup": True,
            "channelData": {"channel": {"id": channel_id}, "tenant": {"id": tenant_id}},
            "tenantId": tenant_id,
            "activity": activity_json(activity),
        }
        url = f"{service_url.rstrip('/')}/v3/conversations"
        async with self._lanes.hold(channel_id):
            payload = await self._with_retries(
                "POST", url, parameters, conversation_hash(channel_id), pace, creates=True
            )
        thread = payload.get("id") if isinstance(payload, dict) else None
        activity_id = payload.get("activityId") if isinstance(payload, dict) else None
        if not isinstance(thread, str) or not isinstance(activity_id, str):
            raise ConnectorError(None, cause="no conversation id in the answer", maybe_delivered=True)
        return thread, activity_id

    async def update(self, activity: Activity, pace: Pace | None = None) -> ResourceResponse:
        conversation_id = activity.conversation.id
        url = _activities_url(activity.service_url, conversation_id, activity.id)
        async with self._lanes.hold(conversation_id):
            return _resource(
                await self._with_retries(
                    "PUT", url, activity_json(activity), conversation_hash(conversation_id), pace
                )
            )

    async def delete(self, service_url: str, conversation_id: str, activity_id: str) -> None:
        url = _activities_url(service_url, conversation_id, activity_id)
        async with self._lanes.hold(conversation_id):
            await self._with_retries("DELETE", url, None, conversation_hash(conversation_id))

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]:
        """A TeamsChannelAccount as JSON (`GET .../members/{id}`), as TeamsInfo.get_member asks it.

        A read: not queued behind the conversation's sends; retried like them, but for at most
        `ROSTER_RETRY_SECONDS`, since the person is waiting for the question this lookup fills in."""
        url = (
            f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}"
            f"/members/{quote(member_id, safe='')}"
        )
        retry = replace(self._retry, total_seconds=min(self._retry.total_seconds, ROSTER_RETRY_SECONDS))
        payload = await self._with_retries("GET", url, None, conversation_hash(conversation_id), retry=retry)
        if not isinstance(payload, dict):
            raise ConnectorError(None, cause="no member in the answer")
        return payload

    async def members(
        self, service_url: str, conversation_id: str, pace: Pace | None = None
    ) -> tuple[dict[str, Any], ...]:
        """Every member of a conversation (TeamsChannelAccounts as JSON), page by page through
        `GET .../pagedmembers?pageSize=&continuationToken=` as Teams documents it (get-teams-context,
        "Get paged members"; the old unpaged `/members` is deprecated), kept MEMBERS_CACHE_SECONDS per
        conversation. `pace`: room under Teams' limits for each page (proactive reads share the app's
        budget with sends). Raises ConnectorError when a page can't be read (nothing partial is kept)."""
        key = (service_url.rstrip("/"), conversation_id)
        cached = self._members.get(key)
        if cached is not None and self._clock() - cached[0] < MEMBERS_CACHE_SECONDS:
            return cached[1]
        base = f"{key[0]}/v3/conversations/{quote(conversation_id, safe='')}/pagedmembers"
        retry = replace(self._retry, total_seconds=min(self._retry.total_seconds, ROSTER_RETRY_SECONDS))
        found: list[dict[str, Any]] = []
        token = ""
        for _ in range(MOST_MEMBER_PAGES):
            query = f"?pageSize={MEMBERS_PAGE_SIZE}" + (
                f"&continuationToken={quote(token, safe='')}" if token else ""
            )
            page = await self._with_retries(
                "GET", base + query, None, conversation_hash(conversation_id), pace, retry=retry
            )
            if not isinstance(page, dict):
                raise ConnectorError(None, cause="no members in the answer")
            members = page.get("members") or []
            found += [m for m in members if isinstance(m, dict)] if isinstance(members, list) else []
            following = page.get("continuationToken")
            if not isinstance(following, str) or not following:
                break
            token = following
        now = self._clock()
        # Rosters past their time are dropped as new ones come: the cache holds the recent few.
        for stale in [k for k, (at, _) in self._members.items() if now - at >= MEMBERS_CACHE_SECONDS]:
            del self._members[stale]
        self._members[key] = (now, tuple(found))
        return self._members[key][1]

    async def _with_retries(
        self,
        method: str,
        url: str,
        body: Any,
        conversation: str,
        pace: Pace | None = None,
        retry: RetryPolicy | None = None,
        creates: bool = False,
    ) -> Any:
        started = time.monotonic()
        policy = retry or self._retry

        def log_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            logger.info(
                "connector retry conversation=%s status=%s attempt=%d wait_s=%.1f",
                conversation,
                getattr(error, "status", None) or "unreachable",
                state.attempt_number,
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, ConnectorError) and e.retryable),
            wait=policy.wait,
            stop=stop_before_delay(policy.total_seconds),
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    slot = await pace() if pace is not None else None
                    refused = False
                    try:
                        payload = await self._call(method, url, body, creates)
                    except ConnectorError as error:
                        refused = error.status == 429
                        raise
                    finally:
                        if slot is not None:
                            # A 429 wasn't counted by Teams, so it isn't by us either.
                            slot.give_back() if refused else slot.answered()
                    logger.debug(
                        "connector %s conversation=%s attempt=%d",
                        method,
                        conversation,
                        attempt.retry_state.attempt_number,
                    )
                    return payload
        except ConnectorError as error:
            logger.warning(
                "connector gave up conversation=%s status=%s after_s=%.1f",
                conversation,
                error.status or "unreachable",
                time.monotonic() - started,
            )
            raise
        raise AssertionError("unreachable: tenacity either returns or reraises")

    async def _call(self, method: str, url: str, body: Any, creates: bool = False) -> Any:
        """One HTTP call; the JSON it answered (None when empty). `creates`: it posts a new message."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        authorization = await self._authorization(url)
        if authorization:
            headers["Authorization"] = authorization
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        proxy, proxy_auth = self._proxy(url)
        with TRACER.start_as_current_span("connector") as span:
            span.set_attributes(
                {"http.request.method": method, "server.address": urlsplit(url).hostname or ""}
            )
            try:
                async with self._session.request(
                    method,
                    url,
                    json=body,
                    headers=headers,
                    proxy=proxy,
                    proxy_auth=proxy_auth,
                    timeout=self._create_timeout if creates else self._timeout,
                ) as response:
                    span.set_attribute("http.response.status_code", response.status)
                    if response.status == 429:
                        THROTTLED_SENDS.add(1)
                    if response.status >= 400:
                        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                        raise ConnectorError(response.status, retry_after)
                    try:
                        payload: Any = await response.json(content_type=None)
                    except ValueError:
                        payload = None
            except aiohttp.ClientConnectorError as error:
                raise ConnectorError(None, cause=type(error).__name__) from None
            except (aiohttp.ClientError, TimeoutError) as error:
                raise ConnectorError(None, cause=type(error).__name__, maybe_delivered=True) from None
        return payload

    def _proxy(self, url: str) -> tuple[str | None, aiohttp.BasicAuth | None]:
        """The environment's proxy (HTTPS_PROXY, NO_PROXY) for a serviceUrl's host, looked up once per host.

        Not `trust_env=True`: with it aiohttp reads ~/.netrc and the proxy variables on a worker thread
        for every request, two thread hops per reply (about a fifth of a turn's CPU in `make bench`).
        """
        origin = urlsplit(url)
        key = f"{origin.scheme}://{origin.netloc}"
        if key not in self._proxies:
            try:
                found, auth = get_env_proxy_for_url(yarl.URL(url))
                self._proxies[key] = (str(found), auth)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]


def _resource(payload: Any) -> ResourceResponse:
    identifier = payload.get("id") if isinstance(payload, dict) else None
    return ResourceResponse(id=identifier if isinstance(identifier, str) else "")
