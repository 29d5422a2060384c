"""A whole session at DEBUG with authentication on (a notify call, an escalation to its contact step)
leaves no app password, bearer token or NOTIFY_TOKEN anywhere in the log, and no message text at INFO."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from app import create_app
from bot.edge.log_redaction import RedactingFormatter
from settings import Settings
from tests.doubles.channel_keys import APP_ID, ChannelKeys, StaticCredentials, StaticCredentialsFactory, token
from tests.doubles.connector import FakeConnector
from tests.integration.test_escalation_over_http import ANA, Thread
from tests.integration.test_notifications import event
from tests.support import harness
from tests.support.harness import DEMO_NOW

PASSWORD = "app-password-Zq9-never-logged"
NOTIFY_TOKEN = "notify-token-Xk3-never-logged"
TYPED = "Mail to gmail.com bounces"


class SignedThread(Thread):
    async def post(self, activity: dict[str, Any]) -> str:
        self.headers = {"Authorization": f"Bearer {token(self.service_url)}"}
        before = len(self.connector.messages)
        self.thread = self.thread or activity["id"]
        response = await self.bot.post("/api/messages", json=activity, headers=self.headers)
        assert response.status in (200, 201), response.status
        return str(len(self.connector.messages) - before)


async def test_a_debug_session_logs_no_secret_and_no_message_text_at_info(
    aiohttp_client: Any, aiohttp_server: Any, connector: FakeConnector, service_url: str, tmp_path: Path
) -> None:
    keys = ChannelKeys()
    server = await aiohttp_server(keys.app())
    keys.base_url = str(server.make_url("")).rstrip("/")
    settings = Settings(
        data_dir=tmp_path,
        app_id=APP_ID,
        app_password=PASSWORD,
        notify_token=NOTIFY_TOKEN,
        openid_metadata_url=keys.metadata_url,
        log_level="DEBUG",
    )
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        app = create_app(
            settings,
            backend=harness.default_backend(),
            clock=lambda: DEMO_NOW,
            channel_credentials=StaticCredentialsFactory(),
        )
        bot: TestClient[Any, Any] = await aiohttp_client(app)
        connector.members[ANA["id"]] = ANA
        thread = SignedThread(bot, connector, service_url)
        await thread.say("subscribe contoso")
        notified = await bot.post(
            "/api/notify", json=event("contoso"), headers={"Authorization": f"Bearer {NOTIFY_TOKEN}"}
        )
        assert notified.status == 202
        await thread.say("escalate for northwind")
        for answer in ("exchange", "mail flow", "moderate", TYPED, "NDR 5.7.1 since 08:00."):
            await thread.say(answer)
        assert "contact" in str(connector.messages[-1]).casefold(), "the escalation reached its contact step"
        inbound = thread.headers["Authorization"].removeprefix("Bearer ")
        await bot.close()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    log = captured.getvalue()
    assert "turn type=message" in log and "DEBUG" in log, "the session was logged at DEBUG"
    for secret in (
        PASSWORD,
        NOTIFY_TOKEN,
        inbound,
        inbound.split(".")[2],
        StaticCredentials().get_access_token(),
    ):
        assert secret not in log
    at_info = "\n".join(line for line in log.splitlines() if not line.startswith("DEBUG "))
    for typed in (TYPED, "NDR 5.7.1 since 08:00.", "subscribe contoso"):
        assert typed not in at_info
