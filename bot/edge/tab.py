"""The overview tab's routes on the bot's own app: the page, its configuration page, its assets and its data.

`GET /tab/api/board` answers only a proven Teams tab SSO token (bot/edge/tab_auth.py) and reads as that
person (their object id through PeopleAccess, as their turns do): under GDAP only their customers, on the
demo everyone's. It carries an ETag, and `If-None-Match` with the current one is a 304 without a body;
each person's board is also kept `BOT_TAB_BOARD_SECONDS` (their polls in the meantime, and those arriving
while it is read, get that one read), so an open tab polls cheaply for the bytes and for the backend. The
pages may be framed only by Microsoft's hosts (CSP frame-ancestors) and load nothing from elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.edge.http import Handler, refuse
from bot.edge.inbound_auth import KeysUnavailable, Unauthenticated
from bot.edge.tab_auth import TabTokens
from bot.edge.tab_board import Board, read_board
from bot.edge.tab_page import ASSETS, config_page, tab_page
from locales.translator import Translator, language_of
from services.access.person import acting_as
from services.domain.errors import AccessUnavailable, SupportDeskError
from services.domain.ports import Backend, PeopleAccess, ServiceRequestDesk
from services.domain.single_flight import SingleFlightCache

logger = logging.getLogger("bot.tab")

# The Teams JavaScript library, installed from tools/teams-js's lock file (make tab-js).
TEAMS_JS = (
    Path(__file__).resolve().parents[2]
    / "tools/teams-js/node_modules/@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js"
)
# Hosts that frame tabs (learn.microsoft.com/microsoftteams/platform/tabs/how-to/tab-requirements:
# Teams, Outlook and the Microsoft 365 app on the web, in the public and government clouds).
FRAME_ANCESTORS = (
    "https://teams.microsoft.com",
    "https://*.teams.microsoft.com",
    "https://teams.cloud.microsoft",
    "https://*.cloud.microsoft",
    "https://*.teams.microsoft.us",
    "https://teams.live.com",
    "https://*.office.com",
    "https://*.office365.com",
    "https://*.microsoft365.com",
)
ASSET_TYPES = {".js": "text/javascript", ".css": "text/css"}
# Whose board, in which language: the proven token's tenant and object id, so no one is ever answered with
# another person's board.
BoardKey = tuple[str, str, str]


def board_cache(seconds: float, clock: Callable[[], float]) -> SingleFlightCache[BoardKey, Board]:
    """Each person's board for `seconds`; one with a customer that wasn't answering is never kept (the
    next poll reads again), nor is a failed read."""
    return SingleFlightCache(seconds, clock, keep=lambda board: board.complete)


def _security_headers(host_origins: frozenset[str]) -> dict[str, str]:
    ancestors = " ".join((*FRAME_ANCESTORS, *sorted(host_origins)))
    return {
        # connect-src 'self' also stops teams-js's fetch of its origin list from a CDN: it falls back to
        # the list it ships with.
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
            f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _language(request: web.Request) -> str:
    asked = request.query.get("locale") or request.headers.get("Accept-Language", "").split(",")[0]
    return language_of(asked)


@dataclass(frozen=True)
class TabSite:
    """What the tab's routes read: the person's scoped backend and desk (bot/turn/commands.scoped_needs)."""

    tokens: TabTokens
    people: PeopleAccess
    backend: Backend
    desk: ServiceRequestDesk
    clock: Callable[[], datetime]
    poll_seconds: float
    host_origins: frozenset[str]
    boards: SingleFlightCache[BoardKey, Board]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/tab", self._page(tab_page_of=True))
        app.router.add_get("/tab/config", self._page(tab_page_of=False))
        app.router.add_get("/tab/assets/{name}", self._asset)
        app.router.add_get("/tab/api/board", self._board)

    def _page(self, tab_page_of: bool) -> Handler:
        headers = _security_headers(self.host_origins)
        origins = sorted(self.host_origins)

        async def page(request: web.Request) -> web.StreamResponse:
            t = Translator(_language(request))
            text = tab_page(t, self.poll_seconds, origins) if tab_page_of else config_page(t, origins)
            return web.Response(text=text, content_type="text/html", headers=headers)

        return page

    async def _asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = TEAMS_JS if name == "teams-js.js" else ASSETS / name
        if path.parent not in (ASSETS, TEAMS_JS.parent) or path.suffix not in ASSET_TYPES:
            raise web.HTTPNotFound()
        if not path.is_file():
            if path == TEAMS_JS:
                logger.error("teams-js missing path=%s (make tab-js installs it)", path)
            raise web.HTTPNotFound()
        headers = {"Cache-Control": "public, max-age=300", **_security_headers(self.host_origins)}
        return web.FileResponse(path, headers={**headers, "Content-Type": ASSET_TYPES[path.suffix]})

    async def _board(self, request: web.Request) -> web.StreamResponse:
        try:
            viewer = await self.tokens.viewer(request.headers.get("Authorization", ""))
        except Unauthenticated as error:
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return refuse(request, 401, "A Teams sign-in token is needed", headers, error.reason)
        except KeysUnavailable:
            return refuse(request, 503, "Sign-in keys unavailable", {"Retry-After": "30"})
        try:
            access = await self.people.person(viewer.object_id)
            t = Translator(language_of(request.query.get("lang")))
            with acting_as(access):
                board = await self.boards.get(
                    (viewer.tenant_id, viewer.object_id, t.language),
                    lambda: read_board(self.backend, self.desk, self.clock, t),
                )
        except AccessUnavailable:
            return refuse(request, 503, "Access can't be checked right now", {"Retry-After": "30"})
        except SupportDeskError as error:
            # The customer list itself couldn't be read (Partner Center busy): nothing is kept.
            return refuse(
                request, 503, "Customers can't be read right now", {"Retry-After": "30"}, error.title
            )
        headers = {
            "ETag": board.etag,
            "Cache-Control": "private, no-cache",
            "Vary": "Authorization",
        }
        if board.etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
            return web.Response(status=304, headers=headers)
        return web.Response(body=board.json_bytes(), content_type="application/json", headers=headers)
