"""People as Teams knows them: the person chatting (name and email for the request's primary contact),
and the people a message @mentions (object id and name for a customer's owners), through the roster."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from services.domain.models import Contact, Owner

logger = logging.getLogger("bot.member")


@runtime_checkable
class Roster(Protocol):
    """`GET .../conversations/{id}/members/{id}` on the adapter's own pooled connector
    (bot/outbound/connector.py)."""

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]: ...


async def _roster_member(context: TurnContext, member_id: str) -> dict[str, Any]:
    """The roster's TeamsChannelAccount (JSON) for `member_id` in this conversation.

    Asked through the adapter's Connector when it has one: TeamsInfo.get_member goes through msrest, a new
    `requests` session and TCP connection per call (`make bench`: every connection the bot opened)."""
    activity = context.activity
    roster = getattr(context.adapter, "connector", None)
    if isinstance(roster, Roster):
        return await roster.member(activity.service_url, activity.conversation.id, member_id)
    member = await TeamsInfo.get_member(context, member_id)
    return {
        "name": member.name,
        "email": member.email,
        "userPrincipalName": member.user_principal_name,
        "aadObjectId": member.aad_object_id,
    }


async def member_contact(context: TurnContext) -> Contact:
    """Teams member info when the roster answers; otherwise the name on the activity and no email."""
    activity = context.activity
    person = activity.from_property
    name = (person.name or "") if person else ""
    if person is None or activity.channel_id != "msteams":
        return Contact(name=name, email="")
    try:
        found = await _roster_member(context, person.id)
    except Exception as error:  # noqa: BLE001 - the email is a convenience; the dialog asks when it's missing
        logger.info("member info unavailable: %s", type(error).__name__)
        return Contact(name=name, email="")
    member_name, email = found.get("name"), found.get("email") or found.get("userPrincipalName")
    return Contact(
        name=member_name if isinstance(member_name, str) and member_name else name,
        email=email if isinstance(email, str) else "",
    )


def _entity_fields(entity: Any) -> dict[str, Any]:
    if isinstance(entity, dict):
        return entity
    extra = getattr(entity, "additional_properties", None) or {}
    return {**extra, "type": getattr(entity, "type", None)}


def mentions(activity: Activity) -> list[tuple[str, str]]:
    """Whom the message's mention entities name, as (Teams id, name) in order, each once; a malformed
    entity (no `mentioned.id`) names no one. Entities come from the client: never an error."""
    found: dict[str, str] = {}
    for entity in activity.entities or []:
        fields = _entity_fields(entity)
        if str(fields.get("type") or "").casefold() != "mention":
            continue
        mentioned = fields.get("mentioned")
        if not isinstance(mentioned, dict):
            continue
        mentioned_id, name = mentioned.get("id"), mentioned.get("name")
        if isinstance(mentioned_id, str) and mentioned_id:
            found.setdefault(mentioned_id, name if isinstance(name, str) else "")
    return list(found.items())


@dataclass(frozen=True)
class MentionedPeople:
    """The people a message mentions besides the bot: those the roster knows (by object id), and the
    names of those it couldn't tell apart (not in this conversation, or the roster didn't answer)."""

    people: tuple[Owner, ...]
    unknown: tuple[str, ...]


async def mentioned_people(context: TurnContext) -> MentionedPeople:
    activity = context.activity
    bot_id = activity.recipient.id if activity.recipient else None
    people: list[Owner] = []
    unknown: list[str] = []
    for teams_id, name in mentions(activity):
        if teams_id == bot_id:
            continue
        try:
            found = await _roster_member(context, teams_id)
        except Exception as error:  # noqa: BLE001 - named back to the person as someone not found
            logger.info("mentioned member unavailable: %s", type(error).__name__)
            found = {}
        object_id, member_name = found.get("aadObjectId") or found.get("objectId"), found.get("name")
        if isinstance(object_id, str) and object_id:
            people.append(
                Owner(object_id, member_name if isinstance(member_name, str) and member_name else name)
            )
        else:
            unknown.append(name or teams_id)
    return MentionedPeople(tuple(people), tuple(unknown))
