"""The person chatting, as Teams knows them: name and email for the request's primary contact."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from services.models import Contact

logger = logging.getLogger("bot.member")


async def member_contact(context: TurnContext) -> Contact:
    """Teams member info when the roster answers; otherwise the name on the activity and no email."""
    person = context.activity.from_property
    name = (person.name or "") if person else ""
    if person is None or context.activity.channel_id != "msteams":
        return Contact(name=name, email="")
    try:
        member = await TeamsInfo.get_member(context, person.id)
    except Exception as error:  # noqa: BLE001 - the email is a convenience; the dialog asks when it's missing
        logger.info("member info unavailable: %s", type(error).__name__)
        return Contact(name=name, email="")
    return Contact(name=member.name or name, email=member.email or member.user_principal_name or "")
