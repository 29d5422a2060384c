"""m365agents.yml and what the Agents Toolkit fills in: valid against the toolkit's own schema of the version
it declares (read with the toolkit's YAML reader), every placeholder in the toolkit's `${{NAME}}` syntax
and known before it is read, the bot's identity in the tenancy the parameters declare, and one Teams app
id from provision to publish."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.bicep import BicepFile
from tests.support.platform_schemas import read_toolkit_yaml, toolkit_schema

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = sorted(ROOT.glob("m365agents*.yml"))
ENV_FILES = sorted((ROOT / "env").glob(".env.*"))
PLACEHOLDER_FILES = [*sorted((ROOT / "infra").glob("*.json")), *PROJECT_FILES, *ENV_FILES]
LIFECYCLE = ("provision", "deploy", "publish")
# The toolkit sets this itself, from the environment's name.
TOOLKIT = {"TEAMSFX_ENV"}
# `${{NAME}}` is the only form the toolkit expands (and NAME its env file's spelling).
PLACEHOLDER = re.compile(r"\$\{\{([A-Z][A-Z0-9_]*)\}\}")


def _env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs if not name.lstrip().startswith("#")}


def _steps(project: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for stage in LIFECYCLE for step in project.get(stage, [])]


def _reads(step: dict[str, Any]) -> set[str]:
    """The names a step reads: in its own text, and in the parameters files it hands to Azure."""
    text = json.dumps(step)
    for template in step.get("with", {}).get("templates", []):
        if "parameters" in template:
            text += (ROOT / template["parameters"]).read_text(encoding="utf-8")
    return set(PLACEHOLDER.findall(text))


def _writes(step: dict[str, Any]) -> set[str]:
    """The names a step writes to the env file: its writeToEnvironmentFile, and for arm/deploy the
    templates' outputs (the toolkit writes each output under its name in upper case)."""
    written = set(step.get("writeToEnvironmentFile", {}).values())
    for template in step.get("with", {}).get("templates", []):
        written |= {name.upper() for name in BicepFile(ROOT / template["path"]).outputs}
    return written


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.name)
def test_it_is_valid_against_the_toolkit_s_own_schema_of_its_version(path: Path) -> None:
    project = read_toolkit_yaml(path)
    schema = toolkit_schema(project["version"])
    assert (
        f"$schema=https://aka.ms/m365-agents-toolkits/{project['version']}/yaml.schema.json"
        in path.read_text()
    )
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(project)
    ]
    assert not errors, errors


@pytest.mark.parametrize("path", PLACEHOLDER_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_placeholder_is_in_the_toolkit_s_syntax(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"\$\{.*?\}+|\$\(.*?\)|%\w+%", text):
        assert PLACEHOLDER.fullmatch(match[0]), f"{path.name}: {match[0]} is left as written by the toolkit"


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda p: p.name)
def test_every_name_is_in_an_env_file_or_written_by_an_earlier_step(path: Path) -> None:
    project = read_toolkit_yaml(path)
    steps = _steps(project)
    all_written = set().union(*map(_writes, steps))
    environments = [_env(f) for f in ENV_FILES if not f.name.endswith(".user")]
    assert environments, "no env/.env.<environment> file"
    for environment in environments:
        # A name the operator sets; one a step writes only counts once that step has run.
        known = TOOLKIT | (set(environment) - all_written)
        for step in steps:
            missing = _reads(step) - known
            assert not missing, f"{step['uses']} reads {sorted(missing)} before anything sets them"
            known |= _writes(step)
        unused = set(environment) - TOOLKIT - set().union(*map(_reads, steps)) - all_written
        assert not unused, f"env file names nothing reads: {sorted(unused)}"


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_the_committed_env_files_hold_no_secret(path: Path) -> None:
    assert not path.name.endswith(".user"), "env/.env.*.user holds secrets: it is git-ignored"
    for name, value in _env(path).items():
        if name.startswith("SECRET_"):
            assert value == "", name


def test_the_bot_identity_is_created_in_the_tenancy_the_parameters_declare() -> None:
    project = read_toolkit_yaml(ROOT / "m365agents.yml")
    (deploy,) = (s for s in _steps(project) if s["uses"] == "arm/deploy")
    (template,) = deploy["with"]["templates"]
    declared = json.loads((ROOT / template["parameters"]).read_text())["parameters"]["botIdentity"]["value"]
    creators = [s for s in _steps(project) if s["uses"] in ("botAadApp/create", "aadApp/create")]
    if declared == "UserAssignedMSI":
        # infra/main.bicep creates the identity in the subscription's tenant and outputs its id as BOT_ID.
        assert not creators, "an Entra app the bot doesn't use"
        assert "BOT_ID" in _writes(deploy)
    else:
        assert declared == "SingleTenant"
        assert [s["with"].get("signInAudience") for s in creators] == ["AzureADMyOrg"]


def test_provision_package_and_publish_use_one_teams_app_id() -> None:
    project = read_toolkit_yaml(ROOT / "m365agents.yml")
    (create,) = (s for s in _steps(project) if s["uses"] == "teamsApp/create")
    app_id = create["writeToEnvironmentFile"]["teamsAppId"]
    (build,) = (s for s in _steps(project) if s["uses"] == "script" and "make package" in s["with"]["run"])
    assert f"TeamsAppId=${{{{{app_id}}}}}" in build["with"]["run"]
    makefile = (ROOT / "Makefile").read_text()
    assert '-m manifest.package "$(MicrosoftAppId)" --teams-app-id "$(TeamsAppId)"' in makefile
    package = (ROOT / "manifest" / "package.py").read_text()
    (built,) = re.findall(r'default=Path\("([^"]+)"\)', package)
    uploads = {s["with"]["appPackagePath"] for s in _steps(project) if "appPackagePath" in s.get("with", {})}
    assert uploads == {f"./{built}"}


def test_every_file_it_names_exists() -> None:
    text = (ROOT / "m365agents.yml").read_text()
    for path in re.findall(r"(?:path|parameters|ignoreFile): (\S+)", text):
        assert (ROOT / path).is_file(), path


def test_infra_readme_names_each_variable_once_in_the_order_a_partner_sets_it() -> None:
    readme = (ROOT / "infra" / "README.md").read_text(encoding="utf-8")
    walk = readme.split("## Step by step", 1)[1].split("\n## ", 1)[0]
    for path in ENV_FILES:
        names = [n for n in _env(path) if n not in TOOLKIT | {"APP_NAME_SUFFIX"}]
        for name in names:
            assert walk.count(f"`{name}`") == 1, f"{name} is named {walk.count(f'`{name}`')} times"
        assert sorted(names, key=lambda n: walk.index(f"`{n}`")) == names, "not in the env file's order"
