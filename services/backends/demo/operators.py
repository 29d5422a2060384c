"""The demo backend's Entra group of operators: fixed, so BOT_OPERATORS_GROUP can be tried without Graph."""

from __future__ import annotations

DEMO_OPERATORS_GROUP = "5e1f0a3b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
# Ana Bowman, the operator of the demo conversations and the tests.
DEMO_OPERATORS = frozenset({"a1b2c3d4-0000-4000-8000-000000000001"})


class DemoGroupMembership:
    async def is_member(self, group_id: str, user_object_id: str) -> bool:
        return group_id == DEMO_OPERATORS_GROUP and user_object_id in DEMO_OPERATORS
