"""The person chatting, as Teams knows them: name and email for the request's primary contact."""

from __future__ import annotations

import logging
from typing import Any, Protocol, runtime_checkable

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from services.domain.models import Contact

logger = logging.getLogger("bot.member")


@runtime_checkable
class Roster(Protocol):
    """`GET .../conversations/{id}/members/{id}` on the adapter's own pooled connector
    (bot/outbound/connector.py)."""

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]: ...


async def member_contact(context: TurnContext) -> Contact:
    """Teams member info when the roster answers; otherwise the name on the activity and no email.

    Asked through the adapter's Connector when it has one: TeamsInfo.get_member goes through msrest, a new
    `requests` session and TCP connection per call (`make bench`: every connection the bot opened)."""
    activity = context.activity
    person = activity.from_property
    name = (person.name or "") if person else ""
    if person is None or activity.channel_id != "msteams":
        return Contact(name=name, email="")
    roster = getattr(context.adapter, "connector", None)
    try:
        if isinstance(roster, Roster):
            found = await roster.member(activity.service_url, activity.conversation.id, person.id)
            member_name, email = found.get("name"), found.get("email") or found.get("userPrincipalName")
        else:
            member = await TeamsInfo.get_member(context, person.id)
            member_name, email = member.name, member.email or member.user_principal_name
    except Exception as error:  # noqa: BLE001 - the email is a convenience; the dialog asks when it's missing
        logger.info("member info unavailable: %s", type(error).__name__)
        return Contact(name=name, email="")
    return Contact(
        name=member_name if isinstance(member_name, str) and member_name else name,
        email=email if isinstance(email, str) else "",
    )
