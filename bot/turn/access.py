"""Who may use the bot, and who may do what: allowed tenants and operators.

Reading health and incidents is for everyone in an allowed tenant. Filing service requests, notes,
linking SR numbers, changing subscriptions, the weekly digest's time, quiet hours and customer owners,
acknowledging notices and reading the audit log are for operators: the Entra object ids or UPNs in
BOT_OPERATORS, and members of BOT_OPERATORS_GROUP.
With neither set, everyone is an operator (the demo default; start-up says so).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity

from bot.outbound.proactive import tenant_allowed, tenant_of
from dialogs.teams_member import Roster
from services.domain.ports import AuditTrail, GroupMembership

logger = logging.getLogger("bot.access")
# Group membership and UPNs change rarely; a removed operator loses access within this.
CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class AccessRules:
    allowed_tenants: frozenset[str] = frozenset()
    # Entra object ids and UPNs, compared case-insensitively.
    operators: frozenset[str] = frozenset()
    operators_group: str = ""
    # Who can grant access, as the refusal names them (BOT_ACCESS_CONTACT); empty: "the bot's administrator".
    contact: str = ""

    @property
    def everyone_operates(self) -> bool:
        return not self.operators and not self.operators_group


class AccessPolicy:
    def __init__(
        self,
        rules: AccessRules,
        groups: GroupMembership,
        audit: AuditTrail,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = rules
        self._groups = groups
        self.audit = audit
        self._clock = clock
        self._cache: dict[str, tuple[float, bool]] = {}

    def tenant_allowed(self, activity: Activity) -> bool:
        return tenant_allowed(self.rules.allowed_tenants, tenant_of(activity))

    async def is_operator(self, context: TurnContext) -> bool:
        if self.rules.everyone_operates:
            return True
        person = context.activity.from_property
        object_id = ((person.aad_object_id or "") if person else "").casefold()
        if object_id and object_id in self.rules.operators:
            return True
        key = f"{object_id}|{person.id if person else ''}"
        cached = self._cache.get(key)
        if cached and self._clock() - cached[0] < CACHE_SECONDS:
            return cached[1]
        allowed = await self._by_upn(context) or await self._by_group(object_id)
        self._cache[key] = (self._clock(), allowed)
        return allowed

    async def _by_upn(self, context: TurnContext) -> bool:
        if not any("@" in o for o in self.rules.operators) or context.activity.channel_id != "msteams":
            return False
        activity = context.activity
        person = activity.from_property
        # Through the adapter's Connector (pooled aiohttp, its token fetched off the event loop), not
        # TeamsInfo's msrest client, which signs each call with the bot's token fetched on the loop.
        roster = getattr(context.adapter, "connector", None)
        try:
            if isinstance(roster, Roster):
                found = await roster.member(activity.service_url, activity.conversation.id, person.id)
                upn = found.get("userPrincipalName") or found.get("email")
            else:
                member = await TeamsInfo.get_member(context, person.id)
                upn = member.user_principal_name or member.email
        except Exception as error:  # noqa: BLE001 - an unknown UPN is simply not an operator
            logger.info("member lookup for operators failed: %s", type(error).__name__)
            return False
        upn = upn.casefold() if isinstance(upn, str) else ""
        return bool(upn) and upn in self.rules.operators

    async def _by_group(self, object_id: str) -> bool:
        if not self.rules.operators_group or not object_id:
            return False
        try:
            return await self._groups.is_member(self.rules.operators_group, object_id)
        except Exception as error:  # noqa: BLE001 - fail closed: a lookup that fails grants nothing
            logger.warning("operators group lookup failed: %s", type(error).__name__)
            return False
