"""One chat with the bot over Bot Framework protocol, without Teams.

The client plays both sides Teams normally plays: it POSTs the person's activities to the bot, and it
is the Bot Connector at `serviceUrl`, where the bot POSTs its replies. Replies are rendered as text
with numbered buttons; typing a button's number presses it.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientConnectionError, ClientSession, ServerDisconnectedError, web

from chatclient.card_text import Button, Rendered, render_activity
from chatclient.people import Person

BOT_ID = "28:support-bot"
BOT_GONE = "  (can't reach the bot at {url}; is 'make run' still running?)"
TENANT = "local-tenant"
USER = {"id": "29:local-user", "name": "You"}
# The local user as Teams' roster describes a member (a TeamsChannelAccount, as
# `GET /v3/conversations/{id}/members/{id}` answers): the escalation's "primary contact is you" comes from it.
MEMBER = {
    **USER,
    "aadObjectId": "00000000-0000-4000-8000-00000000c4a7",
    "givenName": "Local",
    "surname": "User",
    "email": "you@chat.localhost.example",
    "userPrincipalName": "you@chat.localhost.example",
    "tenantId": TENANT,
    "userRole": "user",
}

Output = Callable[[str], None]


class ChatSession:
    def __init__(
        self, bot_url: str, output: Output, scope: str = "personal", person: Person | None = None
    ) -> None:
        """`person`: a demo person to be (`--as`); by default the anonymous local user."""
        self.bot_url = bot_url
        self.user = person.user if person else USER
        self.member = person.member if person else MEMBER
        self.tenant_id = person.tenant_id if person else TENANT
        self.output = output
        self.scope = scope
        self.buttons: list[Button] = []
        self.conversation_id = (
            f"19:{uuid.uuid4().hex}@thread.tacv2" if scope == "channel" else f"a:{uuid.uuid4().hex}"
        )
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._http: ClientSession | None = None
        self.service_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._receive)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._receive)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._receive)
        app.router.add_post("/v3/conversations", self._new_thread)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.service_url = f"http://127.0.0.1:{port}/"
        self._http = ClientSession()

    async def close(self) -> None:
        if self._http:
            await self._http.close()
        if self._runner:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        activity = await request.json()
        if activity.get("type") == "typing":
            self.output("  (Support Bot is typing…)")
        else:
            self._show(
                activity, "Support Bot (updated its card)" if request.method == "PUT" else "Support Bot"
            )
        return web.json_response({"id": request.match_info.get("activity") or f"reply-{next(self._ids)}"})

    async def _member(self, request: web.Request) -> web.Response:
        """The roster: the local user is the chat's one member; anyone else is not found, as Teams says it."""
        if request.match_info["member"] != self.user["id"]:
            error = {
                "code": "MemberNotFoundInConversation",
                "message": "The member is not in the conversation.",
            }
            return web.json_response({"error": error}, status=404)
        return web.json_response(self.member)

    async def _new_thread(self, request: web.Request) -> web.Response:
        """A proactive notice starting a new thread in the channel (Teams' create conversation)."""
        parameters = await request.json()
        self._show(parameters.get("activity", {}), "Support Bot (new thread)")
        thread = f"thread-{next(self._ids)}"
        return web.json_response({"id": f"{self.conversation_id};messageid={thread}", "activityId": thread})

    def _show(self, activity: dict[str, Any], who: str) -> None:
        # Buttons are numbered across all replies since the person last spoke.
        rendered = render_activity(activity, Rendered(buttons=list(self.buttons)))
        self.buttons = rendered.buttons
        self.output(f"{who}:\n" + "\n".join(f"  {line}" for line in rendered.lines))

    def _activity(self, kind: str, **fields: Any) -> dict[str, Any]:
        conversation: dict[str, Any] = {"id": self.conversation_id, "conversationType": self.scope}
        if self.scope != "personal":
            conversation["isGroup"] = True
        return {
            "type": kind,
            "id": f"user-{next(self._ids)}",
            "timestamp": datetime.now(UTC).isoformat(),
            "channelId": "msteams",
            "serviceUrl": self.service_url,
            "from": self.user,
            "recipient": {"id": BOT_ID, "name": "Support Bot"},
            "conversation": conversation,
            "channelData": {"tenant": {"id": self.tenant_id}},
            **fields,
        }

    async def _post(self, activity: dict[str, Any]) -> None:
        # A bot restarted since the last message drops the kept-alive connection: try once more.
        for attempt in (1, 2):
            try:
                await self._post_once(activity)
                return
            except ServerDisconnectedError:
                if attempt == 2:
                    self.output(BOT_GONE.format(url=self.bot_url))
            except ClientConnectionError:
                self.output(BOT_GONE.format(url=self.bot_url))
                return

    async def _post_once(self, activity: dict[str, Any]) -> None:
        assert self._http is not None, "start() first"
        async with self._http.post(self.bot_url, json=activity) as response:
            if response.status >= 300:
                self.output(f"  (the bot answered HTTP {response.status}: {await response.text()})")
            elif activity["type"] == "invoke":
                self._show_invoke_answer(await response.json(content_type=None))

    def _show_invoke_answer(self, body: Any) -> None:
        """A Universal Action's answer: a refreshed card, or a message."""
        if not isinstance(body, dict):
            return
        if body.get("type") == "application/vnd.microsoft.card.adaptive" and isinstance(
            body.get("value"), dict
        ):
            card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": body["value"]}
            self._show({"type": "message", "attachments": [card]}, "Support Bot (refreshed the card)")
        elif isinstance(body.get("value"), str):
            self.output(f"Support Bot:\n  {body['value']}")
        elif isinstance(body.get("value"), dict) and isinstance(body["value"].get("message"), str):
            self.output(f"Support Bot:\n  {body['value']['message']}")

    async def join(self) -> None:
        """What Teams sends when the app is added: the bot greets."""
        bot = {"id": BOT_ID, "name": "Support Bot"}
        await self._post(self._activity("conversationUpdate", membersAdded=[bot]))

    async def send(self, line: str) -> None:
        """A typed line, or a button number."""
        pressed = self._button(line)
        self.buttons = []
        if pressed is not None:
            self.output(f"  (pressed: {pressed.title})")
            data = pressed.action.get("data")
            if pressed.action.get("type") == "Action.OpenUrl":
                self.output(f"  (would open {pressed.action.get('url')})")
                return
            if pressed.action.get("type") == "Action.Execute":
                action = {"type": "Action.Execute", "verb": pressed.action.get("verb"), "data": data or {}}
                value = {"action": action, "trigger": "manual"}
                await self._post(self._activity("invoke", name="adaptiveCard/action", value=value))
                return
            await self._post(self._activity("message", text="", value=data if isinstance(data, dict) else {}))
            return
        text = f"<at>Support Bot</at> {line}" if self.scope != "personal" else line
        fields: dict[str, Any] = {"text": text}
        if self.scope != "personal":
            mention = {"id": BOT_ID, "name": "Support Bot"}
            fields["entities"] = [{"type": "mention", "mentioned": mention, "text": "<at>Support Bot</at>"}]
        await self._post(self._activity("message", **fields))

    def _button(self, line: str) -> Button | None:
        choice = line.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            return self.buttons[int(choice) - 1]
        return None
