"""Each workaround in bot/outbound/framework_patches.py: it still works, and upstream still does what it works
around. A failure here means botbuilder or msrest changed: look at the patch again, drop it if upstream
fixed the waste."""

from __future__ import annotations

import hashlib
import inspect
from typing import Any

from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext, turn_context
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ResourceResponse
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import _user_token_client_impl
from msrest.universal_http.requests import ClientRetryPolicy

from bot.outbound import framework_patches
from bot.outbound.framework_patches import (
    UPSTREAM_CONNECTOR_FACTORY_CREATE,
    UPSTREAM_TOKEN_API_CLIENT,
    DeferredClient,
    apply_framework_patches,
)

# sha256 of the source of botframework-connector 4.17.1's `_ConnectorFactoryImpl.create`, which
# `_deferred_connector_client` repeats with the client built on first use.
CONNECTOR_FACTORY_CREATE_SHA256 = "8bb3da8c4ab1ffd131deefe95558179f3adb474e340e2e4c57dd6b9805cf5249"


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


def _upstream_safe_codes() -> list[int]:
    return [i for i in range(500) if i != 408] + [501, 505]


def test_msrest_still_builds_its_retry_codes_by_membership_in_safe_codes() -> None:
    source = inspect.getsource(ClientRetryPolicy)
    assert "safe_codes = [i for i in range(500) if i != 408] + [501, 505]" in source
    assert "retry_codes = [i for i in range(999) if i not in self.safe_codes]" in source


def test_frozen_safe_codes_give_the_same_retry_codes() -> None:
    apply_framework_patches()
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)
    assert set(ClientRetryPolicy.safe_codes) == set(_upstream_safe_codes())
    expected = [i for i in range(999) if i not in _upstream_safe_codes()]
    assert ClientRetryPolicy().policy.status_forcelist == expected


def test_the_connector_factory_create_repeated_by_the_patch_is_unchanged_upstream() -> None:
    source = inspect.getsource(UPSTREAM_CONNECTOR_FACTORY_CREATE)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == CONNECTOR_FACTORY_CREATE_SHA256


def test_the_user_token_client_still_builds_its_token_api_client_at_construction() -> None:
    source = inspect.getsource(_user_token_client_impl._UserTokenClientImpl.__init__)
    assert "self._client = TokenApiClient(credentials, oauth_endpoint)" in source
    methods = inspect.getsource(_user_token_client_impl._UserTokenClientImpl)
    assert "self._client." in methods


async def test_a_turns_connector_client_is_built_only_when_used() -> None:
    apply_framework_patches()
    authentication = ConfigurationBotFrameworkAuthentication(_Config())
    # No app id: anonymous, as in local runs; the factory is the one every turn uses.
    result = await authentication.authenticate_request(_activity(), "")
    client = await result.connector_factory.create("https://smba.example/teams/", None)
    assert isinstance(client, DeferredClient) and not client.built
    assert client.conversations is not None
    assert client.built and isinstance(client._real(), ConnectorClient)
    assert "BotBuilder Python" in client.config.user_agent


async def test_a_turns_user_token_client_is_never_built_unless_used() -> None:
    apply_framework_patches()
    authentication = ConfigurationBotFrameworkAuthentication(_Config())
    result = await authentication.authenticate_request(_activity(), "")
    token_client = await authentication.create_user_token_client(result.claims_identity)
    inner: Any = token_client._client
    assert isinstance(inner, DeferredClient) and not inner.built
    assert inner.user_token is not None and inner.built
    assert isinstance(inner._real(), UPSTREAM_TOKEN_API_CLIENT)


def test_applying_twice_changes_nothing() -> None:
    apply_framework_patches()
    apply_framework_patches()
    assert _user_token_client_impl.TokenApiClient is framework_patches._deferred_token_api_client


def _activity() -> Any:
    from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

    return Activity(
        type="message",
        channel_id="msteams",
        service_url="https://smba.example/teams/",
        conversation=ConversationAccount(id="a:1"),
        from_property=ChannelAccount(id="29:1"),
        recipient=ChannelAccount(id="28:bot"),
    )


# sha256 of botbuilder-core 4.17.1's `TurnContext.send_activities` and `apply_conversation_reference`:
# the copy is made there, and only top-level attributes of it are assigned.
SEND_ACTIVITIES_SHA256 = "733064d4e8169e9caf176309af6a6c4c0466bb186214ab1d69bae111799aace0"
APPLY_REFERENCE_SHA256 = "259109f0abc85b2c9222f1e600b5a89f92f05246543745617b49130ba098b88b"


def test_send_activities_still_copies_then_assigns_only_top_level_attributes() -> None:
    send = inspect.getsource(TurnContext.send_activities)
    apply = inspect.getsource(TurnContext.apply_conversation_reference)
    assert "TurnContext.apply_conversation_reference(deepcopy(act), ref)" in send
    assert hashlib.sha256(send.encode()).hexdigest() == SEND_ACTIVITIES_SHA256
    assert hashlib.sha256(apply.encode()).hexdigest() == APPLY_REFERENCE_SHA256


async def test_an_activity_sent_leaves_the_callers_activity_as_it_was() -> None:
    apply_framework_patches()
    assert turn_context.deepcopy is framework_patches.outgoing_copy
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "hi"}]}
    mine = MessageFactory.attachment(CardFactory.adaptive_card(card))
    before = mine.serialize()
    sent: list[Activity] = []

    class Capture(BotAdapter):
        async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[Any]:
            sent.extend(activities)
            return [ResourceResponse(id="1") for _ in activities]

        async def update_activity(self, context: TurnContext, activity: Activity) -> None:
            raise NotImplementedError

        async def delete_activity(self, context: TurnContext, reference: Any) -> None:
            raise NotImplementedError

    incoming = _activity()
    incoming.id = "1"
    context = TurnContext(Capture(), incoming)
    await context.send_activity(mine)
    await context.send_activity(mine)
    assert mine.serialize() == before, "the caller's activity is untouched"
    assert sent[0] is not mine and sent[0] is not sent[1]
    assert sent[0].conversation.id == "a:1" and sent[0].reply_to_id == "1"
    assert sent[0].serialize()["attachments"] == before["attachments"]
