"""Whom a turn is for, and what they may reach: read once per turn, before anything is routed.

The person is the activity's `from.aadObjectId` (the channel signs the activity, so it can be trusted).
Under GDAP-scoped access a sender without one reaches no customer; under BOT_ACCESS=everyone (the
default of `build_bot`) everyone reaches everything, as before access was scoped.
"""

from __future__ import annotations

from botbuilder.schema import Activity

from services.domain.access import PersonAccess
from services.domain.ports import PeopleAccess

# A sender GDAP can't name: no grants.
NOBODY = PersonAccess("")


def object_id_of(activity: Activity) -> str:
    sender = activity.from_property
    found = getattr(sender, "aad_object_id", None) if sender else None
    return found.strip() if isinstance(found, str) else ""


async def turn_person(people: PeopleAccess, activity: Activity) -> PersonAccess:
    """What the sender reaches; raises AccessUnavailable when that can't be known now. A sender without an
    object id reaches nothing unless everyone reaches everything."""
    object_id = object_id_of(activity)
    access = await people.person(object_id)
    if not object_id and not access.everything:
        return NOBODY
    return access
