"""The schema cards are checked against: Adaptive Cards 1.5 with Teams' chart elements added (both files
and their sources in schema/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

_HERE = Path(__file__).parent / "schema"


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((_HERE / name).read_text(encoding="utf-8"))
    return loaded


def teams_schema() -> dict[str, Any]:
    """Adaptive Cards 1.5, and wherever it accepts an element, Teams' charts too."""
    schema = _load("adaptive-card-1.5.json")
    charts = _load("teams-charts.json")
    definitions = schema["definitions"]
    definitions.update(charts["definitions"])
    for kind in charts["elements"]:
        choice = {"required": ["type"], "allOf": [{"$ref": f"#/definitions/{kind}"}]}
        for implementations in ("ImplementationsOf.Element", "ImplementationsOf.Item"):
            definitions[implementations]["anyOf"].append(choice)
    return schema


SCHEMA = teams_schema()
VALIDATOR = jsonschema.Draft6Validator(SCHEMA)
CHART_KINDS: tuple[str, ...] = tuple(_load("teams-charts.json")["elements"])
