"""botbuilder's CloudAdapter, with every outbound call going through our Connector.

Inbound authentication and the turn pipeline stay botbuilder's; sending, updating and deleting
activities use the Connector (pooled, ordered per conversation, retried as Teams asks).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationServiceClientCredentialFactory
from botbuilder.schema import Activity, ActivityTypes, ConversationReference, ResourceResponse
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication

from bot.outbound.connector import Connector
from services.domain.models import Answer

# Set on a turn once it has sent a message: from then on nothing may announce that it is still working.
ANSWERED = "support.answered"
# The turn's journal entry, told when a message is handed to the Connector and when it is confirmed.
ANSWER_LOG = "support.answer_log"


@dataclass(frozen=True)
class BotFrameworkConfig:
    """The bot's app registration, under the attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str = field(repr=False)
    APP_TYPE: str
    APP_TENANTID: str


class ChannelAuthorization:
    """`Authorization` headers for the Bot Connector, from the bot's own app registration.

    MSAL is synchronous and caches the token; it runs on a thread of its own, so a slow token endpoint
    holds neither the event loop nor a thread someone else needs.
    """

    def __init__(self, configuration: Any, factory: Any | None = None) -> None:
        self._app_id: str = configuration.APP_ID or ""
        self._factory = factory or ConfigurationServiceClientCredentialFactory(configuration)
        self._credentials: Any = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bot-token")

    async def __call__(self, url: str) -> str | None:
        if not self._app_id:
            return None
        if self._credentials is None:
            self._credentials = await self._factory.create_credentials(
                self._app_id,
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
                AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
                True,
            )
        loop = asyncio.get_running_loop()
        token = await loop.run_in_executor(self._worker, self._credentials.get_access_token)
        return f"Bearer {token}"

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)


class SupportAdapter(CloudAdapter):
    def __init__(self, authentication: BotFrameworkAuthentication, connector: Connector) -> None:
        super().__init__(authentication)
        self.connector = connector

    async def send_activities(
        self, context: TurnContext, activities: list[Activity]
    ) -> list[ResourceResponse]:
        responses = []
        for activity in activities:
            activity.id = None
            response = ResourceResponse(id="")
            if activity.type == ActivityTypes.invoke_response:
                context.turn_state[self._INVOKE_RESPONSE_KEY] = activity
            elif activity.type == ActivityTypes.trace:
                pass
            elif activity.type == ActivityTypes.typing:
                if not context.turn_state.get(ANSWERED):
                    await self.connector.send_now_or_never(activity)
            else:
                log = context.turn_state.get(ANSWER_LOG) if activity.type == ActivityTypes.message else None
                if activity.type == ActivityTypes.message:
                    context.turn_state[ANSWERED] = True
                if log is not None:
                    await log(Answer.HANDED)
                response = await self.connector.send(activity)
                if log is not None:
                    await log(Answer.DELIVERED)
            responses.append(response)
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity) -> ResourceResponse:
        return await self.connector.update(activity)

    async def delete_activity(self, context: TurnContext, reference: ConversationReference) -> None:
        await self.connector.delete(reference.service_url, reference.conversation.id, reference.activity_id)
