"""Outgoing activities as JSON, without msrest's general machinery: the one place we serialize them.

msrest's `Model.serialize()` builds a Serializer per call and walks every attribute through layers of
type dispatch, custom-serializer and XML checks, and then every key and value of the card (`object`) the
same way: about a fifth of a turn's CPU in `make bench`. The Bot Framework schema needs much less: no
flattened keys, no read-only attributes, and cards that are plain JSON already. `activity_json` handles
exactly the shapes msrest turns into the same JSON (plain str/int/float/bool/None/dict/list, str enums,
nested models, ISO dates) and hands anything else, whole, to msrest, so its output is msrest's.
tests/bot/test_activity_json.py checks that, for every activity the bot sends in a conversation.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from msrest.serialization import Model, Serializer


class _Unsupported(Exception):
    """Something msrest may treat differently than plain JSON: let msrest do the whole activity."""


_PLANS: dict[type, list[tuple[str, str, str]]] = {}
_PLAIN = (str, int, float, bool)


def activity_json(model: Model) -> Any:
    """What `model.serialize()` returns, computed faster for the shapes the bot sends."""
    try:
        return _model(model)
    except _Unsupported:
        return model.serialize()


def _plan(cls: type) -> list[tuple[str, str, str]]:
    plan = _PLANS.get(cls)
    if plan is None:
        plan = []
        validation: dict[str, Any] = getattr(cls, "_validation", {}) or {}
        for attr, description in cls._attribute_map.items():  # type: ignore[attr-defined]
            key, kind = description["key"], description["type"]
            if not isinstance(kind, str) or not key or "." in key or validation.get(attr, {}).get("readonly"):
                raise _Unsupported(attr)
            plan.append((attr, key, kind))
        _PLANS[cls] = plan
    return plan


def _model(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr, key, kind in _plan(type(model)):
        value = getattr(model, attr, None)
        if value is not None:
            out[key] = _typed(value, kind)
    return out


def _typed(value: Any, kind: str) -> Any:
    if kind == "str":
        if type(value) is str:
            return value
        if isinstance(value, Enum):
            return value.value
        raise _Unsupported(kind)
    if kind == "object":
        return _object(value)
    if kind in ("bool", "int", "float") and type(value).__name__ == kind:
        return value
    if kind == "iso-8601":
        return Serializer.serialize_iso(value)
    if kind.startswith("[") and type(value) is list:
        item = kind[1:-1]
        if any(v is None for v in value):
            raise _Unsupported(kind)
        return [_typed(v, item) for v in value]
    if kind.startswith("{") and type(value) is dict and all(type(k) is str for k in value):
        item = kind[1:-1]
        return {k: None if v is None else _typed(v, item) for k, v in value.items()}
    if isinstance(value, Model) and kind[0].isupper():
        return _model(value)  # msrest serializes a model by its own class, whatever the declared one
    raise _Unsupported(kind)


def _object(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in _PLAIN:
        return value
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise _Unsupported("object key")
        return {k: _object(v) for k, v in value.items()}
    if kind is list:
        return [_object(v) for v in value]
    raise _Unsupported(kind.__name__)
