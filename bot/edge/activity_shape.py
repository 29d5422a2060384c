"""Every field of an incoming activity has the JSON type the Bot Framework schema gives it, or it is refused.

msrest takes a wrong type without complaint and hands the turn something else: `"from": {"name": 5}`
becomes "5", an `id` object becomes the string "{}" (which the connector then refuses), `"entities":
[null]` becomes a None that fails the turn and then the error reporter. Teams sends every field with its
schema type, so anything else is not from Teams: 400 naming the field, before botbuilder reads it.

The schema is botbuilder's own: the msrest attribute maps of `Activity` and, for `channelData`,
`TeamsChannelData`. Keys are matched case-insensitively (Teams writes `tenantId`, the map `tenantID`);
fields the schema doesn't name are left alone, as msrest leaves them; `object` fields (`value`, card
content) are any JSON and are checked by whoever reads them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import botbuilder.schema
import botbuilder.schema.teams

# What each schema type accepts, and how the refusal names it.
_SCALARS: dict[str, tuple[tuple[type, ...], str]] = {
    "str": ((str,), "a string"),
    "iso-8601": ((str,), "a string"),
    "bool": ((bool,), "true or false"),
    "int": ((int,), "a whole number"),
    "long": ((int,), "a whole number"),
    "float": ((int, float), "a number"),
}


@cache
def _fields(model: str) -> dict[str, tuple[str, str]]:
    """A model's fields: the key as lower-case -> (the key as the schema writes it, its declared type)."""
    cls = getattr(botbuilder.schema, model, None) or getattr(botbuilder.schema.teams, model)
    return {d["key"].casefold(): (d["key"], d["type"]) for d in cls._attribute_map.values()}


@cache
def _is_model(kind: str) -> bool:
    return hasattr(botbuilder.schema, kind) or hasattr(botbuilder.schema.teams, kind)


def _problem(value: Any, kind: str, path: str) -> str | None:
    if value is None or kind == "object":
        return None
    if kind in _SCALARS:
        accepted, name = _SCALARS[kind]
        if isinstance(value, bool) and bool not in accepted or not isinstance(value, accepted):
            return f"'{path}' must be {name}"
        return None
    if kind.startswith("["):
        if not isinstance(value, list):
            return f"'{path}' must be a list"
        item = kind[1:-1]
        for index, element in enumerate(value):
            at = f"{path}[{index}]"
            if element is None:
                return f"'{at}' must be {_name(item)}"
            problem = _problem(element, item, at)
            if problem:
                return problem
        return None
    if kind.startswith("{"):
        if not isinstance(value, dict):
            return f"'{path}' must be an object"
        return next(filter(None, (_problem(v, kind[1:-1], f"{path}.{k}") for k, v in value.items())), None)
    if not _is_model(kind):
        return None  # a type this schema version doesn't describe: msrest keeps it as it is
    if not isinstance(value, dict):
        return f"'{path}' must be an object"
    fields = _fields(kind)
    for key, field_value in value.items():
        declared = fields.get(key.casefold())
        if declared is not None:
            problem = _problem(field_value, declared[1], f"{path}.{key}" if path else key)
            if problem:
                return problem
    return None


def _name(kind: str) -> str:
    return _SCALARS[kind][1] if kind in _SCALARS else "a list" if kind.startswith("[") else "an object"


def shape_problem(payload: dict[str, Any]) -> str | None:
    """Which field of this activity has a type the schema doesn't allow, worded for the caller; or None."""
    return _problem(payload, "Activity", "") or _problem(
        payload.get("channelData"), "TeamsChannelData", "channelData"
    )
