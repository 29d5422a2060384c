"""Which language and time zone a turn speaks in, read from Teams and from what the person chose.

Teams sends the client's `locale` on every activity, its time zone as `localTimezone` and in the
`clientInfo` entity; `language ko` (kept in user state) overrides the locale for that person.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import Storage, TurnContext
from botbuilder.schema import Activity

from locales.translator import Translator, chosen_language, language_of, time_zone
from services.domain.errors import SupportDeskError

# Where the turn's translator waits for the dialogs and cards of that turn.
TRANSLATOR = "support.translator"


def _client_info(activity: Activity) -> dict[str, Any]:
    for entity in activity.entities or []:
        if isinstance(entity, dict):
            data = entity
        else:  # botbuilder keeps an entity's fields other than `type` in additional_properties
            data = {**(getattr(entity, "additional_properties", None) or {}), "type": entity.type}
        if data.get("type") == "clientInfo":
            return data
    return {}


def zone_name(activity: Activity) -> str | None:
    info = _client_info(activity)
    named = getattr(activity, "local_timezone", None) or info.get("timezone")
    return named if isinstance(named, str) else None


def translator_for(activity: Activity, chosen: str | None = None) -> Translator:
    """`chosen`: the language the person set with `language`; otherwise the one their Teams runs in."""
    locale = activity.locale or _client_info(activity).get("locale")
    language = chosen or language_of(locale if isinstance(locale, str) else None)
    return Translator(language, time_zone(zone_name(activity)))


def error_wording(error: SupportDeskError, t: Translator) -> tuple[str, str]:
    """The error's title and message in the reader's language."""
    return error.wording(t)


def translator_of(context: TurnContext) -> Translator:
    """The translator the handler chose for this turn (or, outside the handler, Teams' locale)."""
    found = context.turn_state.get(TRANSLATOR)
    if isinstance(found, Translator):
        return found
    made = translator_for(context.activity)
    context.turn_state[TRANSLATOR] = made
    return made


# The user-state property that keeps what someone chose with `language` (UserState, keyed per person).
LANGUAGE_PROPERTY = "Language"


async def stored_language(storage: Storage, channel_id: str, user_id: str) -> str | None:
    """The language someone chose with `language`, read outside a turn of theirs (the restart apology);
    None when they chose none. UserState keeps it under '<channel>/users/<user id>'."""
    if not channel_id or not user_id:
        return None
    key = f"{channel_id}/users/{user_id}"
    state = (await storage.read([key])).get(key)
    chosen = state.get(LANGUAGE_PROPERTY) if isinstance(state, dict) else None
    return chosen_language(chosen) if isinstance(chosen, str) else None
