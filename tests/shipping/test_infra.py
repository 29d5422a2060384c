"""infra/*.bicep read as the Bicep compiler would order it (tests/support/bicep.py), since the compiler can't
be installed here: every resource at an API version Azure has made generally available (the list beside
this file, with its source), the identity granted its roles before the site that uses it exists, the
hardening Microsoft's guidance lists, the live backend and access settings wired, secrets only in Key
Vault, and every app setting one the app reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from settings import DECLARED
from tests.support.bicep import BicepFile

ROOT = Path(__file__).resolve().parents[2]
BICEP_FILES = sorted((ROOT / "infra").glob("*.bicep"))
MAIN = BicepFile(ROOT / "infra" / "main.bicep")
API_VERSIONS = json.loads((Path(__file__).parent / "azure_api_versions.json").read_text(encoding="utf-8"))
IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities"
ROLE = "Microsoft.Authorization/roleAssignments"
KEY_VAULT_SECRET = "Microsoft.KeyVault/vaults/secrets"
SSO_CONNECTION = "ssoConnection"
ROLES = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
}


def _site() -> str:
    (site,) = MAIN.of_type("Microsoft.Web/sites")
    return site.symbol


def _one(kind: str) -> str:
    (resource,) = MAIN.of_type(kind)
    return resource.symbol


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.name)
def test_every_resource_is_at_a_generally_available_api_version(path: Path) -> None:
    bicep = BicepFile(path)
    assert len(bicep.resource_lines) == len(bicep.resources), "a resource line the reader can't parse"
    for resource in bicep.resources.values():
        known = API_VERSIONS["types"].get(resource.type)
        assert known, f"{resource.type}: not in azure_api_versions.json (add its GA versions and source)"
        if resource.version.endswith("-preview"):
            assert resource.version in known.get("preview_exceptions", {}), (
                f"{resource.type}@{resource.version}"
            )
        else:
            assert resource.version in known["ga"], f"{resource.type}@{resource.version} is not a GA version"


def test_every_listed_version_names_the_spec_file_it_was_checked_in() -> None:
    """A GA version was read under stable/<version>/, an exception under preview/<version>/, in the same
    provider's folder for every version of a type: a version listed without its file was never checked."""
    assert API_VERSIONS["checked"] and API_VERSIONS["about"]
    for kind, known in API_VERSIONS["types"].items():
        provider = kind.split("/", 1)[0]
        exceptions = known.get("preview_exceptions", {})
        listed = [(v, "stable") for v in known["ga"]] + [(v, "preview") for v in exceptions]
        assert listed and sorted(known["spec"]) == sorted(v for v, _ in listed), kind
        assert sorted(known["read_at_commit"]) == sorted(known["spec"]), kind
        for version, folder in listed:
            path = known["spec"][version]
            assert path.startswith("specification/") and path.endswith(".json"), (kind, path)
            assert f"/{provider}/" in path and f"/{folder}/{version}/" in path, (kind, version, path)
            assert re.fullmatch(r"[0-9a-f]{40}", known["read_at_commit"][version]), (kind, version)


def test_the_identity_is_granted_its_roles_before_the_site_that_uses_it_is_created() -> None:
    identity, site = _one(IDENTITY), _site()
    roles = MAIN.of_type(ROLE)
    assert {ROLES[_role_of(r.body)] for r in roles} == set(ROLES.values())
    for role in roles:
        assert f"principalId: {identity}.properties.principalId" in role.body, role.symbol
        assert site not in MAIN.depends_on(role), (
            f"{role.symbol} waits for the site: its first start races it"
        )
        assert role.symbol in MAIN.depends_on(MAIN.resources[site]), (
            f"the site may start before {role.symbol}"
        )
    body = MAIN.resources[site].body
    assert (
        "type: 'UserAssigned'" in body and f"userAssignedIdentities: {{ '${{{identity}.id}}': {{}} }}" in body
    )
    assert f"keyVaultReferenceIdentity: {identity}.id" in body
    assert f"AZURE_STORAGE_MANAGED_IDENTITY', value: {identity}.properties.clientId" in body
    assert "SystemAssigned" not in MAIN.code


def _role_of(body: str) -> str:
    """The role definition a role assignment grants (the variable's value, resolved)."""
    (name,) = re.findall(r"roleDefinitions', (\w+)\)", body)
    (value,) = re.findall(rf"^var {name} = '([0-9a-f-]+)'$", MAIN.code, re.MULTILINE)
    return value


def test_the_bot_is_the_managed_identity_by_default_and_never_multi_tenant() -> None:
    identity = MAIN.params["botIdentity"]
    assert identity.default == "'UserAssignedMSI'"
    assert identity.allowed() == ["UserAssignedMSI", "SingleTenant"]
    (bot,) = MAIN.of_type("Microsoft.BotService/botServices")
    assert "msaAppType: botIdentity" in bot.body
    assert f"msaAppMSIResourceId: singleTenant ? null : {_one(IDENTITY)}.id" in bot.body
    assert "msaAppTenantId: tenant().tenantId" in bot.body
    settings = MAIN.app_settings(MAIN.resources[_site()])
    assert settings["MicrosoftAppType"] == "botIdentity"
    assert settings["MicrosoftAppId"] == bot.body.split("msaAppId: ", 1)[1].splitlines()[0]


def test_microsoft_s_hardening_guidance_is_followed() -> None:
    site = MAIN.resources[_site()]
    assert "clientAffinityEnabled: false" in site.body
    assert "httpsOnly: true" in site.body and "ftpsState: 'Disabled'" in site.body
    policies = MAIN.of_type("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
    assert sorted(re.findall(r"name: '(\w+)'", p.body)[0] for p in policies) == ["ftp", "scm"]
    for policy in policies:
        assert f"parent: {site.symbol}" in policy.body and "allow: false" in policy.body
    (diagnostics,) = MAIN.of_type("Microsoft.Insights/diagnosticSettings")
    assert f"scope: {site.symbol}" in diagnostics.body
    assert f"workspaceId: {_one('Microsoft.OperationalInsights/workspaces')}.id" in diagnostics.body
    assert "{ category: 'AppServiceConsoleLogs', enabled: true }" in diagnostics.body
    (vault,) = MAIN.of_type("Microsoft.KeyVault/vaults")
    assert "enablePurgeProtection: true" in vault.body and "enableRbacAuthorization: true" in vault.body
    (storage,) = MAIN.of_type("Microsoft.Storage/storageAccounts")
    assert "sku: { name: storageSku }" in storage.body
    assert MAIN.params["storageSku"].default == "'Standard_LRS'", "LRS: the redundancy every region offers"


def test_who_may_operate_and_which_tenants_may_use_the_bot_have_no_default() -> None:
    for name in ("operators", "allowedTenants"):
        param = MAIN.params[name]
        assert param.default is None and "@minLength(1)" in param.decorators, name
    settings = MAIN.app_settings(MAIN.resources[_site()])
    assert settings["BOT_OPERATORS"] == "operators == 'everyone' ? '' : operators"
    assert settings["ALLOWED_TENANTS"] == "allowedTenants == 'any' ? '' : allowedTenants"
    assert settings["BOT_OPERATORS_GROUP"] == "operatorsGroup"


def test_the_live_backend_and_its_credential_are_wired() -> None:
    settings = MAIN.app_settings(MAIN.resources[_site()])
    assert settings["BOT_BACKEND"] == "backend"
    assert MAIN.params["backend"].allowed() == ["demo", "live"]
    for name, param in {
        "PARTNER_TENANT_ID": "partnerTenantId",
        "PARTNER_CLIENT_ID": "partnerClientId",
        "CUSTOMER_ACCESS": "customerAccess",
    }.items():
        assert settings[name] == param
    assert settings["PARTNER_MANAGED_IDENTITY"] == f"{_one(IDENTITY)}.properties.clientId"
    assert MAIN.params["partnerCredential"].default == "'managedIdentity'"


def test_every_secret_is_a_key_vault_reference_and_a_secure_parameter_goes_only_to_key_vault() -> None:
    settings = MAIN.app_settings(MAIN.resources[_site()])
    secrets = {r.symbol: r for r in MAIN.of_type(KEY_VAULT_SECRET)}
    for name in ("MicrosoftAppPassword", "PARTNER_CLIENT_SECRET", "TOKEN_CACHE_KEY", "NOTIFY_TOKEN"):
        (symbol,) = re.findall(
            r"^'@Microsoft\.KeyVault\(SecretUri=\$\{(\w+)\.properties\.secretUri\}\)'$", settings[name]
        )
        assert symbol in secrets, name
    secure = [p.name for p in MAIN.params.values() if p.secure]
    assert set(secure) == {"microsoftAppPassword", "partnerClientSecret", "tokenCacheKey", "notifyToken"}
    for name in secure:
        # Asking whether one was given (empty(...)) reveals nothing; any other use carries its value.
        code = MAIN.code.replace(f"empty({name})", "").replace(f"param {name} ", "")
        uses = [
            r.symbol
            for r in MAIN.resources.values()
            if re.search(rf"\b{name}\b", r.body.replace(f"empty({name})", ""))
        ]
        # The one exception: Teams SSO's OAuth connection takes the bot app's secret as its own client
        # secret (Bot Service has no Key Vault reference), in that one property and nowhere else.
        if name == "microsoftAppPassword" and SSO_CONNECTION in uses:
            uses.remove(SSO_CONNECTION)
            connection = MAIN.resources[SSO_CONNECTION].body
            assert re.findall(rf".*\b{name}\b.*", connection) == [f"    clientSecret: {name}"]
        assert len(uses) == 1 and uses[0] in secrets, f"{name} reaches {uses}"
        outside = re.sub(r"^resource .*?^\}$", "", code, flags=re.MULTILINE | re.DOTALL)
        assert not re.search(rf"\b{name}\b", outside), f"{name} is used outside its Key Vault secret"


def test_teams_sso_is_an_oauth_connection_on_the_bot_only_when_asked_for() -> None:
    (connection,) = MAIN.of_type("Microsoft.BotService/botServices/connections")
    assert connection.symbol == SSO_CONNECTION
    assert "= if (sso) {" in MAIN.resource_lines[list(MAIN.resources).index(SSO_CONNECTION)]
    assert "var sso = singleTenant && live && !empty(ssoConnectionName)" in MAIN.code
    assert MAIN.params["ssoConnectionName"].default == "''", "off unless named"
    body = connection.body
    assert f"parent: {_one('Microsoft.BotService/botServices')}" in body
    assert "serviceProviderId: '30dd229c-58e3-4a48-bdfd-91ec48eb906c'" in body, "Azure Active Directory v2"
    assert "clientId: microsoftAppId" in body
    assert "{ key: 'tokenExchangeUrl', value: 'api://botid-${microsoftAppId}' }" in body
    assert "{ key: 'tenantID', value: tenant().tenantId }" in body
    assert "scopes: 'api://${partnerClientId}/access_as_user" in body, "the partner app redeems it (OBO)"
    settings = MAIN.app_settings(MAIN.resources[_site()])
    assert settings["BOT_SSO_CONNECTION"] == "ssoConnectionName"
    assert "], sso ? [\n        { name: 'BOT_SSO_CONNECTION'" in MAIN.resources[_site()].body


def test_instances_keep_sqlite_on_their_own_disk_and_share_the_rest_in_blobs() -> None:
    settings = MAIN.app_settings(MAIN.resources[_site()])
    assert settings["BOT_STORAGE"] == "'azureblob'"
    data_dir = settings["BOT_DATA_DIR"].strip("'")
    assert not Path(data_dir).is_relative_to("/home"), "/home is one SMB share for every instance"
    assert "capacity: instanceCount" in MAIN.resources[_one("Microsoft.Web/serverfarms")].body
    assert MAIN.params["instanceCount"].default == "2"


def test_the_app_settings_are_ones_the_app_reads() -> None:
    settings = MAIN.app_settings(MAIN.resources[_site()])
    platform = {"SCM_DO_BUILD_DURING_DEPLOYMENT", "WEBSITES_PORT"}
    for name in set(settings) - platform:
        assert name in DECLARED, f"settings.py declares no {name}"


def test_brackets_and_quotes_balance() -> None:
    text = re.sub(r"'(?:[^'\\]|\\.)*'", "''", MAIN.code)
    assert "'" not in text.replace("''", ""), "unterminated string"
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for char in text:
        if char in "([{":
            stack.append(char)
        elif char in pairs:
            assert stack and stack.pop() == pairs[char], "unbalanced"
    assert not stack


def test_every_identifier_used_in_an_expression_is_declared() -> None:
    declared = (
        set(MAIN.params) | set(MAIN.resources) | set(re.findall(r"^var (\w+) =", MAIN.code, re.MULTILINE))
    )
    used = set(re.findall(r"\b([a-z]\w*)\.(?:id|name|properties|identity)\b", MAIN.code))
    assert used <= declared, used - declared
