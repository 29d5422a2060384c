"""m365agents.yml hangs together: the files it names exist, every ${{VARIABLE}} it reads is written by an
earlier step or an output of infra/main.bicep (or is the toolkit's own), and it publishes the package
`make package` builds."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = (ROOT / "m365agents.yml").read_text()
# Set by the toolkit itself (signed-in subscription, chosen resource group, env file).
TOOLKIT = {"AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP_NAME", "APP_NAME_SUFFIX"}


def test_the_three_lifecycle_stages_are_there() -> None:
    assert re.search(r"^version: v1\.\d+$", MANIFEST, re.MULTILINE)
    for stage in ("provision", "deploy", "publish"):
        assert re.search(rf"^{stage}:$", MANIFEST, re.MULTILINE), stage


def test_every_file_it_names_exists() -> None:
    for path in re.findall(r"(?:path|parameters|ignoreFile): (\S+)", MANIFEST):
        assert (ROOT / path).is_file(), path


def test_every_variable_is_known_before_it_is_read() -> None:
    bicep = (ROOT / "infra" / "main.bicep").read_text()
    outputs = set(re.findall(r"^output (\w+) ", bicep, re.MULTILINE))
    written = set(re.findall(r"^\s+\w+: ([A-Z_]+)$", MANIFEST, re.MULTILINE))
    for variable in re.findall(r"\$\{\{(\w+)\}\}", MANIFEST):
        assert variable in TOOLKIT | outputs | written, variable


def test_it_publishes_what_make_package_builds() -> None:
    package = (ROOT / "manifest" / "package.py").read_text()
    (built,) = re.findall(r'default=Path\("([^"]+)"\)', package)
    assert set(re.findall(r"appPackagePath: \./(\S+)", MANIFEST)) == {built}
    assert "make package MicrosoftAppId=${{BOT_ID}}" in MANIFEST
