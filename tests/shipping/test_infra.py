"""infra/main.bicep and its parameters file are well-formed, read structurally: the Bicep CLI (`az bicep
build`) can't be installed here (its releases are not on a package registry this machine reaches), so
this checks what a reviewer would: balanced brackets and quotes, every parameter the file needs given,
and the resources and settings that running several instances on Azure depends on."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BICEP = (ROOT / "infra" / "main.bicep").read_text()
PARAMETERS = json.loads((ROOT / "infra" / "main.parameters.json").read_text())
CODE = "\n".join(line for line in BICEP.splitlines() if not line.lstrip().startswith("//"))


def _params() -> dict[str, bool]:
    """Each parameter, and whether it has a default."""
    found = re.findall(r"^param (\w+) \w+( = .+)?$", CODE, re.MULTILINE)
    return {name: bool(default) for name, default in found}


def _resources() -> dict[str, str]:
    return dict(re.findall(r"^resource (\w+) '([\w./]+)@[\d-]+(?:-preview)?' = ", CODE, re.MULTILINE))


def test_brackets_and_quotes_balance() -> None:
    text = re.sub(r"'(?:[^'\\]|\\.)*'", "''", CODE)
    assert "'" not in text.replace("''", ""), "unterminated string"
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            assert stack and stack.pop() == pairs[char], "unbalanced"
    assert not stack


def test_the_parameters_file_gives_every_parameter_without_a_default_and_nothing_unknown() -> None:
    assert PARAMETERS["$schema"].endswith("deploymentParameters.json#")
    params = _params()
    given = set(PARAMETERS["parameters"])
    assert given <= set(params), given - set(params)
    assert {name for name, has_default in params.items() if not has_default} <= given


def test_every_identifier_used_in_an_expression_is_declared() -> None:
    declared = set(_params()) | set(_resources()) | set(re.findall(r"^var (\w+) =", CODE, re.MULTILINE))
    used = set(re.findall(r"\b([a-z]\w*)\.(?:id|name|properties|identity)\b", CODE))
    assert used <= declared, used - declared


def test_shared_state_identity_secrets_and_telemetry_are_provisioned() -> None:
    kinds = set(_resources().values())
    assert {
        "Microsoft.Storage/storageAccounts",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "Microsoft.KeyVault/vaults",
        "Microsoft.KeyVault/vaults/secrets",
        "Microsoft.Insights/components",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Web/sites",
    } <= kinds
    assert "ba92f5b4-2d11-453d-a403-e96b0029c9fe" in CODE, "Storage Blob Data Contributor for the app"
    assert "identity: { type: 'SystemAssigned' }" in CODE
    assert "capacity: instanceCount" in CODE
    assert "param instanceCount int = 2" in CODE, "two instances by default: nothing they share is in SQLite"


def test_the_app_settings_are_ones_the_app_reads_and_the_secret_is_a_key_vault_reference() -> None:
    settings = dict(re.findall(r"\{ name: '(\w+)', value: (.+) \}", CODE))
    assert settings["BOT_STORAGE"] == "'azureblob'"
    assert settings["MicrosoftAppPassword"].startswith("'@Microsoft.KeyVault(SecretUri=")
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in settings and "AZURE_STORAGE_ACCOUNT_URL" in settings
    app = (ROOT / "app.py").read_text()
    platform = {"SCM_DO_BUILD_DURING_DEPLOYMENT", "WEBSITES_PORT", "APPLICATIONINSIGHTS_CONNECTION_STRING"}
    for name in set(settings) - platform:
        assert f'"{name}"' in app, f"app.py does not read {name}"
