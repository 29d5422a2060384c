"""The message extension's invokes: search from the compose box, the chosen result, and link previews.

Teams sends `composeExtension/query` as someone types in the extension's search box,
`composeExtension/selectItem` when they pick a result, and `composeExtension/queryLink` when they paste a
link on one of the manifest's `messageHandlers` hosts; each waits about 5 s for the answer, in the invoke's
HTTP response (learn.microsoft.com/microsoftteams/platform/messaging-extensions/how-to/search-commands/
respond-to-search and .../link-unfurling).

The invoke value is read here, field by field, rather than through botbuilder's `deserializer_helper`
(which TeamsActivityHandler's on_teams_messaging_extension_* use): that one raises on a wrongly typed field
(`"parameters": "x"`), and the exception would reach the turn-error handler, which writes an error card
into the conversation. A field of the wrong type here is taken as absent; whatever object arrives gets a
valid answer (a value that is not an object is a 400, as for every invoke), and nothing is ever written to
the chat.
"""

from __future__ import annotations

import html
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext

from cards.parts import card_payload, echo, without_format_characters
from dialogs.compose_search import MAX_PAGE, ComposeSearch, Preview, SearchKind, SharedItem
from dialogs.language import translator_of
from services.domain.errors import SupportDeskError

QUERY = "composeExtension/query"
SELECT_ITEM = "composeExtension/selectItem"
QUERY_LINK = "composeExtension/queryLink"
INVOKES = frozenset({QUERY, SELECT_ITEM, QUERY_LINK})
# The manifest's search parameter; `initialRun` is what Teams sends when a command opens with no search.
SEARCH_PARAMETER = "query"
_INITIAL_RUN = "initialRun"

THUMBNAIL = "application/vnd.microsoft.card.thumbnail"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


# A preview is one line in the flyout: longer titles are cut (the full card has them whole).
PREVIEW_LIMIT = 120


def _line(text: str) -> str:
    return echo(without_format_characters(text), PREVIEW_LIMIT)


def thumbnail(preview: Preview, tap: bool) -> dict[str, Any]:
    """Teams shows a thumbnail card's title and subtitle as plain text and reads HTML in its text
    (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format): the status is
    escaped there, as it can be a status word Graph added that we show as Graph names it."""
    card: dict[str, Any] = {
        "title": _line(preview.title),
        "subtitle": _line(preview.line),
        "text": html.escape(_line(preview.status)),
    }
    if tap:
        card["tap"] = {"type": "invoke", "value": preview.item}
    return {"contentType": THUMBNAIL, "content": card}


def _result(attachments: list[dict[str, Any]]) -> InvokeResponse:
    body = {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}
    return InvokeResponse(status=200, body=body)


def _found(found: SharedItem | None) -> InvokeResponse:
    if found is None:
        return _result([])
    preview = thumbnail(found.preview, tap=False)
    return _result([{"contentType": ADAPTIVE, "content": card_payload(found.card), "preview": preview}])


def _whole(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def search_of(value: dict[str, Any]) -> tuple[SearchKind | None, str, int, int]:
    """(which search, its text, skip, count) from a query invoke's value; None: not one of our commands."""
    command = value.get("commandId")
    kinds = {k.value: k for k in SearchKind}
    kind = (
        kinds.get(command) if isinstance(command, str) else SearchKind.CUSTOMERS if command is None else None
    )
    parameters = value.get("parameters")
    given = [
        p
        for p in (parameters if isinstance(parameters, list) else [])
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str)
    ]
    named = [p["value"] for p in given if p["name"] == SEARCH_PARAMETER]
    others = [p["value"] for p in given if p["name"] != _INITIAL_RUN]
    text = (named or others or [""])[0]
    options = value.get("queryOptions")
    options = options if isinstance(options, dict) else {}
    return kind, text, _whole(options.get("skip"), 0), _whole(options.get("count"), MAX_PAGE)


class ComposeExtension:
    """Answers the three invokes from the compose-box search (dialogs/compose_search.py)."""

    def __init__(self, search: ComposeSearch) -> None:
        self._search = search

    async def answer(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if not isinstance(activity.value, dict):
            # As for every invoke (bot/turn/handler.py): Teams always sends an object.
            return InvokeResponse(status=400, body={"error": "Invoke value must be an object"})
        value: dict[str, Any] = activity.value
        t = translator_of(turn_context)
        if activity.name == SELECT_ITEM:
            return _found(await self._search.chosen(value, t))
        if activity.name == QUERY_LINK:
            return _found(await self._search.linked(value.get("url"), t))
        kind, text, skip, count = search_of(value)
        if kind is None:
            return _result([])
        person = activity.from_property.name if activity.from_property else ""
        try:
            previews = await self._search.search(kind, text, skip, count, person or "", t)
        except SupportDeskError as error:
            title, message = error.wording(t)
            return InvokeResponse(
                status=200, body={"composeExtension": {"type": "message", "text": f"{title}: {message}"}}
            )
        attachments = [thumbnail(p, tap=False) | {"preview": thumbnail(p, tap=True)} for p in previews]
        return _result(attachments)
