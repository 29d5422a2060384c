"""The support bot (app.py's create_app, demo backend) whose people's access is GDAP read from Graph:
the live backend's GraphDirectory, with real MSAL and aiohttp, against the doubles of
bench/access_world.py. `POST /_bench/forget-access` drops every cached access answer (the partner's
relationships and assignments, and each person's groups), so the next turn looks its person up cold.

Run: python -m bench.access_cold WORLD_URL WORKDIR (the app's settings from the environment, as app.py)
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from app import create_app
from bot.edge.log_redaction import configure_logging
from services.access.people import GdapAccess
from services.backends.live.backend import LiveBackend
from services.backends.live.config import Credential, CredentialKind, Endpoints, LiveConfig
from services.domain.access import PersonAccess
from services.domain.ports import DelegatedAccessDirectory
from settings import settings_from_environment


class ForgettingAccess:
    """GdapAccess that can be made to forget everything it has read (a fresh one replaces it)."""

    def __init__(
        self, directory: DelegatedAccessDirectory, clock: Callable[[], datetime], ttl: float
    ) -> None:
        self._directory, self._clock, self._ttl = directory, clock, ttl
        self._access = GdapAccess(directory, clock, ttl)

    def forget(self) -> None:
        self._access = GdapAccess(self._directory, self._clock, self._ttl)

    async def person(self, object_id: str) -> PersonAccess:
        return await self._access.person(object_id)


async def _config(world_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(f"{world_url}/_bench/config") as response:
        answer: dict[str, Any] = await response.json()
        return answer


def live_config(config: dict[str, Any], workdir: Path) -> LiveConfig:
    """The partner's app against the doubles; only Entra and Graph are asked (Partner Center isn't)."""
    return LiveConfig(
        client_id=config["client_id"],
        partner_tenant_id=config["partner_tenant_id"],
        credential=Credential(CredentialKind.SECRET, secret=config["client_secret"]),
        endpoints=Endpoints(
            authority_host=config["authority_host"],
            partner_center="https://127.0.0.1:9",
            graph=config["graph"],
            management="https://127.0.0.1:9",
        ),
        ca_bundle=Path(config["ca_bundle"]),
        token_cache_path=workdir / "access-token-cache.bin",
    )


def main() -> None:
    settings = settings_from_environment()
    configure_logging(settings.log_level)
    config = asyncio.run(_config(sys.argv[1]))
    live = LiveBackend(live_config(config, Path(sys.argv[2])))
    people = ForgettingAccess(live.directory, lambda: datetime.now(UTC), settings.access_cache_seconds)
    app = create_app(settings, people=people)

    async def forget(_: web.Request) -> web.Response:
        people.forget()
        return web.json_response({"forgotten": True})

    async def close(_: web.Application) -> None:
        await live.close()

    app.router.add_post("/_bench/forget-access", forget)
    app.on_cleanup.append(close)
    web.run_app(app, host="127.0.0.1", port=settings.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
