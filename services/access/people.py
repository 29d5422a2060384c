"""What each person may reach: GDAP as the directory tells it (BOT_ACCESS=gdap), or everything (everyone).

GDAP is read in two parts, each cached for BOT_ACCESS_CACHE_SECONDS with single-flight: the partner-wide
map (relationships and their access assignments, one load for everybody) and each person's groups (one
load per object id however many turns ask at once). The rule (services/domain/access.py) runs over both
at every ask, so a relationship whose end passes while cached stops granting at once. Nothing older than
the TTL is ever served, and the directory failing (UpstreamUnavailable) refuses (AccessUnavailable)
rather than widening or narrowing on a partial answer; anything else propagates to the turn's error
handler, which grants nothing either; failures aren't cached, so the next turn asks again (the
Graph client's retries and breaker keep that from hammering Graph).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.domain.access import Assignment, PersonAccess, Relationship, grants_for
from services.domain.errors import AccessUnavailable, SupportDeskError
from services.domain.ports import DelegatedAccessDirectory, PeopleAccess
from services.domain.single_flight import SingleFlightCache

logger = logging.getLogger("services.access")

# Relationships whose assignments are read at once when the map loads.
ASSIGNMENT_READS_AT_ONCE = 8


class AccessMode(enum.StrEnum):
    """BOT_ACCESS: `gdap` scopes each person to their GDAP grants; `everyone` shows everything to all."""

    EVERYONE = "everyone"
    GDAP = "gdap"


@dataclass(frozen=True)
class PartnerMap:
    """The partner's relationships and each one's access assignments, as read at one moment."""

    relationships: tuple[Relationship, ...]
    assignments: Mapping[str, Sequence[Assignment]]


class EveryoneAccess:
    """BOT_ACCESS=everyone: today's behaviour, every person reaches every customer."""

    async def person(self, object_id: str) -> PersonAccess:
        return PersonAccess(object_id, everything=True)


class GdapAccess:
    """PeopleAccess from a DelegatedAccessDirectory; `clock` is the wall clock (grants end at instants)."""

    def __init__(
        self, directory: DelegatedAccessDirectory, clock: Callable[[], datetime], ttl_seconds: float
    ) -> None:
        self._directory = directory
        self._clock = clock

        def seconds() -> float:
            return clock().timestamp()

        self._map: SingleFlightCache[str, PartnerMap] = SingleFlightCache(ttl_seconds, seconds)
        self._groups: SingleFlightCache[str, frozenset[str]] = SingleFlightCache(ttl_seconds, seconds)

    async def person(self, object_id: str) -> PersonAccess:
        """The person's grants now; AccessUnavailable when the directory can't say."""
        key = object_id.strip().casefold()
        if not key:
            return PersonAccess(object_id)
        partner, groups = await asyncio.gather(
            self._map.get("partner", self._load_map),
            self._groups.get(key, lambda: self._load_groups(key)),
        )
        grants = grants_for(partner.relationships, partner.assignments, groups, self._clock())
        return PersonAccess(object_id, grants)

    async def _load_map(self) -> PartnerMap:
        try:
            relationships = tuple(await self._directory.relationships())
            gate = asyncio.Semaphore(ASSIGNMENT_READS_AT_ONCE)

            async def assignments(relationship: Relationship) -> Sequence[Assignment]:
                async with gate:
                    return tuple(await self._directory.assignments(relationship.relationship_id))

            read = await asyncio.gather(*(assignments(r) for r in relationships))
        except SupportDeskError as error:  # a partial map would be a wrong answer: refuse it whole
            logger.warning("access map unavailable error=%s", type(error).__name__)
            raise AccessUnavailable() from None
        by_id = {r.relationship_id: a for r, a in zip(relationships, read, strict=True)}
        return PartnerMap(relationships, by_id)

    async def _load_groups(self, object_id: str) -> frozenset[str]:
        try:
            return frozenset(await self._directory.group_ids(object_id))
        except SupportDeskError as error:
            logger.warning("access groups unavailable error=%s", type(error).__name__)
            raise AccessUnavailable() from None


def open_people_access(
    mode: AccessMode,
    directory: DelegatedAccessDirectory,
    clock: Callable[[], datetime],
    ttl_seconds: float,
) -> PeopleAccess:
    """What app.py builds from BOT_ACCESS and BOT_ACCESS_CACHE_SECONDS."""
    if mode is AccessMode.GDAP:
        return GdapAccess(directory, clock, ttl_seconds)
    return EveryoneAccess()
