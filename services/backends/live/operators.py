"""Operators by Entra group on the live backend: the seam for Graph."""

from __future__ import annotations


class NoGroupLookup:
    """The live backend's seam: it has no Graph group lookup yet, so nobody is an operator by group
    (BOT_OPERATORS still works). Replace with a Graph `checkMemberGroups` call (GroupMember.Read.All)."""

    async def is_member(self, group_id: str, user_object_id: str) -> bool:
        return False
