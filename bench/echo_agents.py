"""The Microsoft 365 Agents SDK's echo agent (AgentApplication + aiohttp CloudAdapter, anonymous).

Runs under build/bench-venv, which holds the SDK; imports nothing from the product.

Run: build/bench-venv/bin/python -m bench.echo_agents PORT
"""

from __future__ import annotations

import sys

from aiohttp import web
from microsoft_agents.hosting.aiohttp import (  # type: ignore[import-not-found, unused-ignore]
    CloudAdapter,
    start_agent_process,
)
from microsoft_agents.hosting.core import (  # type: ignore[import-not-found, unused-ignore]
    AgentApplication,
    MemoryStorage,
    TurnContext,
    TurnState,
)
from microsoft_agents.hosting.core.authorization.anonymous_token_provider import (  # type: ignore[import-not-found, unused-ignore]
    AnonymousTokenProvider,
)


class AnonymousConnections:
    """No app registration, as the other bots run: every outbound call goes without a token (the
    SDK's samples do the same with a `Connections` of their own for local testing)."""

    def __init__(self) -> None:
        self._provider = AnonymousTokenProvider()

    def get_connection(self, connection_name: str) -> AnonymousTokenProvider:
        return self._provider

    def get_default_connection(self) -> AnonymousTokenProvider:
        return self._provider

    def get_token_provider(self, claims_identity: object, service_url: str) -> AnonymousTokenProvider:
        return self._provider

    def get_token_provider_from_activity(
        self, claims_identity: object, activity: object
    ) -> AnonymousTokenProvider:
        return self._provider

    def get_default_connection_configuration(self) -> object:
        return None


def main() -> None:
    port = int(sys.argv[1])
    connections = AnonymousConnections()
    adapter = CloudAdapter(connection_manager=connections)
    agent = AgentApplication[TurnState](storage=MemoryStorage(), connection_manager=connections)

    @agent.activity("message")  # type: ignore[untyped-decorator, unused-ignore]
    async def echo(context: TurnContext, _: TurnState) -> None:
        await context.send_activity(f"Echo: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
