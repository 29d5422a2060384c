"""The platforms' own schemas for the files a deployment hands to Teams and to the Agents Toolkit.

`make test` installs them from npm by tools/app-manifest's and tools/agents-toolkit's lock files (see the
Makefile's `schemas` target); without Node the tests that need them skip and say why, like Azurite's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
TEAMS_SCHEMAS = TOOLS / "platform-schemas/node_modules/@microsoft/app-manifest/build/json-schemas/teams"
TOOLKIT_SCHEMAS = TOOLS / "agents-toolkit/node_modules/@microsoft/m365agentstoolkit-cli/resource/yaml-schema"


def _require(path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("Node.js is not installed, so the platforms' schemas (npm packages) can't be installed")
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `make schemas` (make test does)")


def _load(path: Path) -> dict[str, Any]:
    _require(path)
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def teams_schema(manifest_version: str, kind: str = "MicrosoftTeams") -> dict[str, Any]:
    """Microsoft's schema of that manifest version (`kind`: MicrosoftTeams or MicrosoftTeams.Localization),
    from the npm package @microsoft/app-manifest."""
    return _load(TEAMS_SCHEMAS / f"v{manifest_version}" / f"{kind}.schema.json")


def toolkit_schema(version: str) -> dict[str, Any]:
    """The Agents Toolkit's schema of an m365agents.yml `version` (v1.8), from its CLI's npm package."""
    return _load(TOOLKIT_SCHEMAS / version / "yaml.schema.json")


def read_toolkit_yaml(path: Path) -> dict[str, Any]:
    """A YAML file as the Agents Toolkit reads it: with js-yaml (tools/platform-schemas), not a second parser
    that might accept what the toolkit's refuses."""
    reader = TOOLS / "platform-schemas/node_modules/js-yaml"
    _require(reader)
    script = (
        "const yaml = require(process.argv[1]), fs = require('fs');"
        "process.stdout.write(JSON.stringify(yaml.load(fs.readFileSync(process.argv[2], 'utf8'))));"
    )
    output = subprocess.run(
        ["node", "-e", script, str(reader), str(path)], capture_output=True, text=True, check=True
    )
    document: dict[str, Any] = json.loads(output.stdout)
    return document
