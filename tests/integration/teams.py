"""Activities shaped as Teams sends them (channel, group chat, personal) to the bot."""

from __future__ import annotations

import itertools
from typing import Any

BOT_ID = "28:5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"
BOT_NAME = "Support Bot"
TENANT = "286d4538-4b9a-577f-acfd-7277c77c00bc"
TEAM = "19:Jh8bq2w3Lz2u0Fq8b1sZ3wA@thread.tacv2"
CHANNEL = "19:b5c9a3f2e1d04f6c8e7a9b0c1d2e3f4a@thread.tacv2"
_ids = itertools.count(1732458000000)


def channel_message(
    service_url: str,
    text: str = "",
    value: dict[str, Any] | None = None,
    thread: str = "",
    channel: str = CHANNEL,
) -> dict[str, Any]:
    """A message in a team channel thread (a new one unless `thread` names it), @mentioning the bot."""
    message_id = str(next(_ids))
    thread = thread or message_id
    mention = f"<at>{BOT_NAME}</at>"
    activity: dict[str, Any] = {
        "type": "message",
        "id": message_id,
        "timestamp": "2026-11-24T09:00:00.000Z",
        "localTimestamp": "2026-11-24T10:00:00.000+01:00",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {
            "id": "29:1Ana-Bowman-Teams-Id",
            "name": "Ana Bowman",
            "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000001",
        },
        "conversation": {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{channel};messageid={thread}",
        },
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "textFormat": "plain",
        "locale": "en-US",
        "entities": [
            {
                "type": "clientInfo",
                "locale": "en-US",
                "country": "US",
                "platform": "Web",
                "timezone": "Europe/Vienna",
            }
        ],
        "channelData": {
            "teamsChannelId": channel,
            "teamsTeamId": TEAM,
            "channel": {"id": channel},
            "team": {"id": TEAM},
            "tenant": {"id": TENANT},
        },
    }
    if value is not None:
        activity["value"] = value
        activity["text"] = ""
    else:
        activity["text"] = f"{mention} {text}"
        activity["entities"].append(
            {"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": mention}
        )
    return activity


def installation_update(service_url: str, action: str = "add") -> dict[str, Any]:
    return {
        "type": "installationUpdate",
        "action": action,
        "id": f"f:{next(_ids)}",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:1Ana-Bowman-Teams-Id", "aadObjectId": "a1b2c3d4-0000-4000-8000-000000000001"},
        "conversation": {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": CHANNEL},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "channelData": {
            "settings": {"selectedChannel": {"id": CHANNEL}},
            "channel": {"id": CHANNEL},
            "team": {
                "id": TEAM,
                "name": "Support desk",
                "aadGroupId": "0f2f6b43-0000-4000-8000-000000000002",
            },
            "tenant": {"id": TENANT},
            "source": {"name": "message"},
        },
    }


PERSONAL_CHAT = "a:1Ana-Bowman-personal-chat-with-the-bot"
OTHER_CHANNEL = "19:7d1e0c9b2a3f4e5d6c7b8a9f0e1d2c3b@thread.tacv2"


def personal_message(service_url: str, text: str = "", value: dict[str, Any] | None = None) -> dict[str, Any]:
    """A message in Ana's 1:1 chat with the bot (no mention needed)."""
    activity = channel_message(service_url, text, value)
    activity["conversation"] = {"conversationType": "personal", "tenantId": TENANT, "id": PERSONAL_CHAT}
    activity["channelData"] = {"tenant": {"id": TENANT}}
    activity["entities"] = [e for e in activity["entities"] if e["type"] != "mention"]
    if value is None:
        activity["text"] = text
    return activity


def card_action(service_url: str, verb: str, data: dict[str, Any], thread: str) -> dict[str, Any]:
    """An Action.Execute press on a card in a channel thread: an adaptiveCard/action invoke."""
    activity = channel_message(service_url, thread=thread)
    del activity["text"]
    activity["entities"] = []
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"},
    )
    return activity


def compose_invoke(service_url: str, name: str, value: object, locale: str = "en-US") -> dict[str, Any]:
    """A message-extension invoke (`composeExtension/query`, `/selectItem`, `/queryLink`) from Ana's compose
    box in a channel, as Teams sends it: no text, `channelData.source.name` saying where it came from."""
    activity = channel_message(service_url, value={})
    del activity["text"]
    activity["entities"] = [{**activity["entities"][0], "locale": locale}]
    activity["locale"] = locale
    activity["channelData"]["source"] = {"name": "compose"}
    activity.update(type="invoke", name=name, value=value)
    return activity
