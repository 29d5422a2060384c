"""Workarounds for waste in botbuilder 4.17.1 and msrest 0.7.1, applied once by app.create_app.

Each removes work a turn pays for and gets nothing from; none changes what the bot sends or how. Each has
a test in tests/bot/test_framework_patches.py that fails when the upstream code it patches changes, so
the workaround is looked at again (and dropped if upstream fixed it) rather than silently going stale.
`make bench` measures what they save (README, "Speed").

1. msrest's `ClientRetryPolicy.__init__` builds `[i for i in range(999) if i not in self.safe_codes]`
   against a 500-element *list*: about half a million comparisons, twice per turn (every msrest client
   builds one). As a frozenset the same list of retry codes comes out in microseconds.
2. `CloudAdapter.process_activity` builds, for every turn, an msrest `ConnectorClient` (a `requests`
   session, configparser, netrc lookups) and a user-token client. The bot sends through its own
   Connector (bot/outbound/connector.py) and never signs users in, so both are left unbuilt until something
   actually uses them: the connector client when `TeamsInfo.get_member` asks the roster (the escalation's
   contact step), the user-token client never.
3. `TurnContext.send_activities` deep-copies every outgoing activity, card and all (about 16% of a turn's
   CPU once msrest's serializing was gone), so that addressing the copy (`apply_conversation_reference`
   and the validator beside it, which only assign top-level attributes) leaves the caller's activity as
   it was. A copy of the top level leaves it as it was just the same.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from botbuilder.core import turn_context
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import _connector_factory_impl, _user_token_client_impl
from msrest.universal_http.requests import ClientRetryPolicy

# The originals, kept so the tests can check upstream has not changed them.
UPSTREAM_CONNECTOR_FACTORY_CREATE = _connector_factory_impl._ConnectorFactoryImpl.create
UPSTREAM_TOKEN_API_CLIENT = _user_token_client_impl.TokenApiClient


class DeferredClient:
    """Stands in for an SDK client and builds it the first time anything of it is used."""

    def __init__(self, build: Callable[[], Any]) -> None:
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_client", None)

    @property
    def built(self) -> bool:
        return object.__getattribute__(self, "_client") is not None

    def _real(self) -> Any:
        client = object.__getattribute__(self, "_client")
        if client is None:
            client = object.__getattribute__(self, "_build")()
            object.__setattr__(self, "_client", client)
        return client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._real(), name, value)


async def _deferred_connector_client(
    self: Any, service_url: str, audience: str | None = None
) -> DeferredClient:
    """`_ConnectorFactoryImpl.create`, with the ConnectorClient itself built on first use."""
    credentials = await self._credential_factory.create_credentials(
        self._app_id,
        audience or self._to_channel_from_bot_oauth_scope,
        self._login_endpoint,
        self._validate_authority,
    )
    configuration = self._connector_client_configuration

    def build() -> ConnectorClient:
        extra = {"custom_configuration": configuration} if configuration else {}
        client = ConnectorClient(credentials, base_url=service_url, **extra)
        client.config.add_user_agent(_connector_factory_impl.USER_AGENT)
        return client

    return DeferredClient(build)


def _deferred_token_api_client(*args: Any, **kwargs: Any) -> DeferredClient:
    return DeferredClient(lambda: UPSTREAM_TOKEN_API_CLIENT(*args, **kwargs))


def outgoing_copy(activity: Any) -> Any:
    """What `send_activities` addresses and sends: a new top level over the caller's nested parts."""
    return copy.copy(activity)


def apply_framework_patches() -> None:
    """Idempotent; call before the adapter is built."""
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]
    _connector_factory_impl._ConnectorFactoryImpl.create = _deferred_connector_client
    _user_token_client_impl.TokenApiClient = _deferred_token_api_client
    turn_context.deepcopy = outgoing_copy
