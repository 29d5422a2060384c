from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.edge.tab_auth import tab_audiences
from bot.turn.commands import COMMANDS, parse
from bot.turn.compose_extension import SEARCH_PARAMETER, search_of
from dialogs.compose_search import SearchKind
from manifest.package import LOCALIZED_MANIFESTS, build_manifest, localization_file, write_package
from services.domain.shared_links import PREVIEW_HOSTS
from tests.support.platform_schemas import teams_schema

BOT_ID = "5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"
_LOCALIZATION = "MicrosoftTeams.Localization.schema.json"


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    """The validator of the schema's own draft (draft-04 for Teams), checking formats as Teams' does."""
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_manifest_is_valid_against_the_official_schema_of_its_version() -> None:
    manifest = build_manifest(BOT_ID)
    assert manifest["$schema"].endswith(f"/v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    errors = list(_validator(teams_schema(manifest["manifestVersion"])).iter_errors(manifest))
    assert not errors, [e.message for e in errors]


def test_an_sso_manifest_names_the_bots_app_registration_and_the_token_service() -> None:
    manifest = build_manifest(BOT_ID, sso=True)
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://botid-{BOT_ID}"}
    assert "token.botframework.com" in manifest["validDomains"]
    errors = list(_validator(teams_schema(manifest["manifestVersion"])).iter_errors(manifest))
    assert not errors, [e.message for e in errors]
    plain = build_manifest(BOT_ID)
    assert "webApplicationInfo" not in plain and plain["validDomains"] == [], "SSO off: as before"


def test_command_menu_matches_the_command_table() -> None:
    bot = build_manifest(BOT_ID)["bots"][0]
    assert bot["botId"] == BOT_ID
    (commands,) = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == [c.name for c in COMMANDS if c.in_menu]
    assert set(commands["scopes"]) == {"personal", "team", "groupChat"}


def test_message_extension_searches_what_the_bot_answers_and_previews_the_portals_it_reads() -> None:
    (extension,) = build_manifest(BOT_ID)["composeExtensions"]
    assert extension["botId"] == BOT_ID and extension["composeExtensionType"] == "botBased"
    assert [c["id"] for c in extension["commands"]] == [k.value for k in SearchKind]
    for command in extension["commands"]:
        assert command["type"] == "query" and command["initialRun"] is True
        assert [p["name"] for p in command["parameters"]] == [SEARCH_PARAMETER]
        # What the extension sends is what the bot reads: each command id is one of its searches.
        assert search_of({"commandId": command["id"]})[0] is SearchKind(command["id"])
    (handler,) = extension["messageHandlers"]
    assert handler["type"] == "link"
    for domain in handler["value"]["domains"]:
        assert "/" not in domain and domain == domain.lower()
    # Every host listed has a link format the bot reads, and no format reads a host Teams wouldn't send.
    assert set(handler["value"]["domains"]) == set(PREVIEW_HOSTS)


def test_a_bot_id_that_is_not_a_guid_is_refused() -> None:
    with pytest.raises(ValueError, match="badly formed"):
        build_manifest("my-bot")


def _png_size(data: bytes) -> tuple[int, int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, _, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, colour_type


def test_package_holds_manifest_and_icons_of_the_required_sizes(tmp_path: Path) -> None:
    path = write_package(BOT_ID, tmp_path / "app.zip")
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        assert sorted(package.namelist()) == ["color.png", "ko-KR.json", "manifest.json", "outline.png"]
        assert json.loads(package.read("ko-KR.json"))["name.full"] == "CSP 지원 데스크용 Support Bot"
        assert json.loads(package.read("manifest.json"))["bots"][0]["botId"] == BOT_ID
        assert _png_size(package.read("color.png"))[:2] == (192, 192)
        assert _png_size(package.read("outline.png")) == (32, 32, 6)  # RGBA: transparent background


@pytest.mark.parametrize("tag", sorted(LOCALIZED_MANIFESTS))
def test_localization_file_is_valid_against_the_official_schema_of_the_manifest_s_version(tag: str) -> None:
    strings = localization_file(tag)
    schema = teams_schema(build_manifest(BOT_ID)["manifestVersion"], "MicrosoftTeams.Localization")
    assert strings["$schema"].endswith(f"/v{build_manifest(BOT_ID)['manifestVersion']}/{_LOCALIZATION}")
    errors = list(_validator(schema).iter_errors(strings))
    assert not errors, [e.message for e in errors]
    menu = build_manifest(BOT_ID)["bots"][0]["commandLists"][0]["commands"]
    titles = [k for k in strings if k.startswith("bots[0]") and k.endswith(".title")]
    assert len(titles) == len(menu) and all(strings[k] for k in titles)
    searches = build_manifest(BOT_ID)["composeExtensions"][0]["commands"]
    for index, command in enumerate(searches):
        key = f"composeExtensions[0].commands[{index}]"
        # In the file's language, not the manifest's English.
        for field in ("title", "description", "parameters[0].title", "parameters[0].description"):
            english = command[field] if "[" not in field else command["parameters"][0][field.split(".")[1]]
            assert strings[f"{key}.{field}"] and strings[f"{key}.{field}"] != english, field


def test_manifest_points_at_each_localization_file() -> None:
    info = build_manifest(BOT_ID)["localizationInfo"]
    assert info == {
        "defaultLanguageTag": "en-us",
        "additionalLanguages": [{"languageTag": "ko-kr", "file": "ko-KR.json"}],
    }


def test_korean_menu_titles_are_commands_the_bot_understands() -> None:
    strings = localization_file("ko-KR")
    for key in (k for k in strings if k.startswith("bots[0]") and k.endswith(".title")):
        parsed = parse(strings[key])
        assert parsed is not None, strings[key]


def test_the_package_carries_the_teams_app_id_it_is_given_else_the_manifest_s_own(tmp_path: Path) -> None:
    registered = "0d9a4b1c-2e3f-4a5b-8c6d-7e8f9a0b1c2d"
    path = write_package(BOT_ID, tmp_path / "app.zip", registered)
    with zipfile.ZipFile(path) as package:
        assert json.loads(package.read("manifest.json"))["id"] == registered
    fixed = json.loads((Path(__file__).parents[2] / "manifest" / "manifest.json").read_text())["id"]
    assert build_manifest(BOT_ID)["id"] == fixed
    with pytest.raises(ValueError, match="badly formed"):
        build_manifest(BOT_ID, "${{TEAMS_APP_ID}}")


@pytest.mark.parametrize("sso", [False, True])
def test_a_tab_manifest_has_the_personal_and_channel_tabs_at_its_domain_and_validates(sso: bool) -> None:
    domain = "support-bot.contoso.example"
    manifest = build_manifest(BOT_ID, sso=sso, tab_domain=domain)
    errors = list(_validator(teams_schema(manifest["manifestVersion"])).iter_errors(manifest))
    assert not errors, [e.message for e in errors]
    (personal,) = manifest["staticTabs"]
    assert personal["scopes"] == ["personal"]
    assert personal["contentUrl"] == f"https://{domain}/tab?locale={{locale}}"
    (channel,) = manifest["configurableTabs"]
    assert channel["configurationUrl"] == f"https://{domain}/tab/config?locale={{locale}}"
    assert "team" in channel["scopes"] and "channelTab" in channel["context"]
    assert domain in manifest["validDomains"]
    # The audience the tab's tokens carry: the one bot/edge/tab_auth.py accepts for this domain.
    assert manifest["webApplicationInfo"] == {"id": BOT_ID, "resource": f"api://{domain}/botid-{BOT_ID}"}
    assert manifest["webApplicationInfo"]["resource"] in tab_audiences(BOT_ID, domain)
    assert ("token.botframework.com" in manifest["validDomains"]) is sso
    assert "staticTabs" not in build_manifest(BOT_ID, sso=sso), "no domain, no tab"


@pytest.mark.parametrize("tag", sorted(LOCALIZED_MANIFESTS))
def test_a_tab_manifest_s_localization_names_the_tab_in_its_language(tag: str) -> None:
    strings = localization_file(tag, "support-bot.contoso.example")
    schema = teams_schema(build_manifest(BOT_ID)["manifestVersion"], "MicrosoftTeams.Localization")
    errors = list(_validator(schema).iter_errors(strings))
    assert not errors, [e.message for e in errors]
    english = build_manifest(BOT_ID, tab_domain="support-bot.contoso.example")["staticTabs"][0]["name"]
    assert strings["staticTabs[0].name"] and strings["staticTabs[0].name"] != english
