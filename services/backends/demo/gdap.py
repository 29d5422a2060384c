"""The demo partner's GDAP: relationships, access assignments and people's groups from `data/gdap/`, in
Graph's shapes and read through the Graph parsers, with timestamps shifted like the rest of the demo data
(so the relationship that ended an hour before `asOf` has always ended an hour ago)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from services.backends.demo.backend import DATA_DIR, demo_shift, read_json, shift_times
from services.backends.graph.gdap import parse_assignments, parse_group_ids, parse_relationships
from services.domain.access import Assignment, Relationship


class DemoDirectory:
    """DelegatedAccessDirectory over the demo data: someone with no file is in no group."""

    def __init__(
        self,
        relationships: Sequence[Relationship],
        assignments: Mapping[str, Sequence[Assignment]],
        groups: Mapping[str, frozenset[str]],
    ) -> None:
        self._relationships = tuple(relationships)
        self._assignments = {key: tuple(value) for key, value in assignments.items()}
        self._groups = dict(groups)

    @classmethod
    def load(cls, data_dir: Path = DATA_DIR, now: Callable[[], datetime] | None = None) -> DemoDirectory:
        _, shift = demo_shift(data_dir, now)
        gdap = data_dir / "gdap"
        relationships = parse_relationships(
            shift_times(read_json(gdap / "delegatedAdminRelationships.json"), shift)
        )
        assignments = {
            path.stem: parse_assignments(shift_times(read_json(path), shift))
            for path in sorted((gdap / "accessAssignments").glob("*.json"))
        }
        groups = {
            path.stem.casefold(): parse_group_ids(read_json(path))
            for path in sorted((gdap / "transitiveMemberOf").glob("*.json"))
        }
        return cls(relationships, assignments, groups)

    async def relationships(self) -> Sequence[Relationship]:
        return self._relationships

    async def assignments(self, relationship_id: str) -> Sequence[Assignment]:
        return self._assignments.get(relationship_id, ())

    async def group_ids(self, object_id: str) -> frozenset[str]:
        return self._groups.get(object_id.casefold(), frozenset())
