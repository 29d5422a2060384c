"""The load: N conversations at once, each a person in a 1:1 chat who sends the next message as soon as
the bot has answered the last one (the HTTP answer; the bot's replies go to the fake connector).

Latency is measured from the POST to the last reply arriving at the connector (or the HTTP answer, if
that came later), on the machine-wide monotonic clock both processes read.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# What a support engineer asks in a day, in order, per conversation (repeated): the commands of the
# README, a natural phrasing, and one escalation step (the dialog asks its first question; cancelled).
SUPPORT_MIX = (
    "help",
    "health contoso",
    "incidents contoso",
    "incident EX1100014",
    "customers",
    "how is woodgrove doing?",
    "escalate contoso",
    "cancel",
)
BOT_ID = "28:bench-bot"
TENANT = "286d4538-4b9a-577f-acfd-7277c77c00bc"


def personal_message(
    service_url: str, conversation: str, text: str, object_id: str | None = None
) -> dict[str, Any]:
    """A message in someone's 1:1 chat with the bot, shaped as Teams sends it; from `object_id` (the
    person's Entra object id) when given, else from a person of the chat's own."""
    user = conversation.removeprefix("a:")
    return {
        "type": "message",
        "id": uuid.uuid4().hex,
        "timestamp": "2026-11-24T09:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {
            "id": f"29:{user}",
            "name": "Bench User",
            "aadObjectId": object_id or str(uuid.uuid5(uuid.NAMESPACE_URL, user)),
        },
        "conversation": {"conversationType": "personal", "tenantId": TENANT, "id": conversation},
        "recipient": {"id": BOT_ID, "name": "Support Bot"},
        "textFormat": "plain",
        "locale": "en-US",
        "text": text,
        "channelData": {"tenant": {"id": TENANT}},
    }


def channel_message(service_url: str, channel: str, text: str) -> dict[str, Any]:
    """A message @mentioning the bot in a new thread of a team channel."""
    mention = "<at>Support Bot</at>"
    activity = personal_message(service_url, f"a:{channel}", f"{mention} {text}")
    activity["conversation"] = {
        "isGroup": True,
        "conversationType": "channel",
        "tenantId": TENANT,
        "id": f"{channel};messageid={activity['id']}",
    }
    activity["entities"] = [
        {"type": "mention", "mentioned": {"id": BOT_ID, "name": "Support Bot"}, "text": mention}
    ]
    activity["channelData"] = {
        "teamsChannelId": channel,
        "teamsTeamId": "19:bench-team@thread.tacv2",
        "channel": {"id": channel},
        "team": {"id": "19:bench-team@thread.tacv2"},
        "tenant": {"id": TENANT},
    }
    return activity


@dataclass
class Sample:
    activity_id: str
    sent: float
    answered: float
    status: int


@dataclass
class Load:
    """Samples of one run and the window they were taken in."""

    samples: list[Sample] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0


async def post(session: aiohttp.ClientSession, url: str, activity: dict[str, Any]) -> Sample:
    sent = time.monotonic()
    async with session.post(url, json=activity) as response:
        await response.read()
        status = response.status
    return Sample(str(activity["id"]), sent, time.monotonic(), status)


async def converse(
    bot_url: str,
    service_url: str,
    conversations: list[str],
    texts: tuple[str, ...],
    turns: int,
    object_id: str | None = None,
) -> Load:
    """`turns` messages in all, spread over `conversations` talking at once, each going through `texts`
    (all from `object_id` when given: one person in many chats)."""
    load = Load()
    left = itertools.count()
    url = f"{bot_url}/api/messages"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def person(conversation: str, offset: int) -> None:
            for index in itertools.count(offset):
                if next(left) >= turns:
                    return
                text = texts[index % len(texts)]
                load.samples.append(
                    await post(session, url, personal_message(service_url, conversation, text, object_id))
                )

        load.started = time.monotonic()
        await asyncio.gather(*(person(c, i) for i, c in enumerate(conversations)))
        load.ended = time.monotonic()
    return load


async def send_all(bot_url: str, activities: list[dict[str, Any]], concurrency: int) -> list[Sample]:
    """Each activity once, `concurrency` at a time (for setting up state: subscriptions, conversations)."""
    url = f"{bot_url}/api/messages"
    queue = iter(activities)
    samples: list[Sample] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

        async def worker() -> None:
            for activity in queue:
                samples.append(await post(session, url, activity))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latencies_ms(samples: list[Sample], last_reply: dict[str, float]) -> tuple[list[float], int]:
    """Per turn, POST to the last reply; and how many turns got no reply at all."""
    values, unanswered = [], 0
    for sample in samples:
        reply = last_reply.get(sample.activity_id)
        if reply is None:
            unanswered += 1
        values.append((max(sample.answered, reply or 0.0) - sample.sent) * 1000)
    return values, unanswered


def summary_ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.50), 1),
        "p90_ms": round(percentile(values, 0.90), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "mean_ms": round(statistics.fmean(values), 1) if values else float("nan"),
    }
