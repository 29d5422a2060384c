from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import jsonschema
import pytest

from bot.commands import COMMANDS, parse
from manifest.package import LOCALIZED_MANIFESTS, build_manifest, localization_file, write_package

SCHEMA = json.loads((Path(__file__).parent / "MicrosoftTeams.v1.24.schema.json").read_text(encoding="utf-8"))
BOT_ID = "5f1c2a6e-7d2b-4c44-9a51-0c6f6d1e2a33"


def test_manifest_is_valid_against_the_official_schema() -> None:
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(build_manifest(BOT_ID)))
    assert not errors, [e.message for e in errors]


def test_command_menu_matches_the_command_table() -> None:
    bot = build_manifest(BOT_ID)["bots"][0]
    assert bot["botId"] == BOT_ID
    (commands,) = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == [c.name for c in COMMANDS if c.in_menu]
    assert set(commands["scopes"]) == {"personal", "team", "groupChat"}


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


# Teams' localization file schema (MicrosoftTeams.Localization.schema.json) is not vendored here; these are
# its documented rules for the keys a bot-only app uses (learn.microsoft.com, "Localization file JSON
# schema reference"): known keys only, each string within its maximum length.
_COMMAND = r"^bots\[0\]\.commandLists\[[0-2]\]\.commands\[[0-9]\]\."
LOCALIZATION_RULES: dict[str, object] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["$schema", "manifestVersion"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "manifestVersion": {"type": "string"},
        "name.short": {"type": "string", "maxLength": 30},
        "name.full": {"type": "string", "maxLength": 100},
        "description.short": {"type": "string", "maxLength": 80},
        "description.full": {"type": "string", "maxLength": 4000},
    },
    "patternProperties": {
        _COMMAND + "title$": {"type": "string", "maxLength": 32},
        _COMMAND + "description$": {"type": "string", "maxLength": 128},
    },
}


@pytest.mark.parametrize("tag", sorted(LOCALIZED_MANIFESTS))
def test_localization_file_follows_the_localization_schema_rules(tag: str) -> None:
    strings = localization_file(tag)
    errors = list(jsonschema.Draft4Validator(LOCALIZATION_RULES).iter_errors(strings))
    assert not errors, [e.message for e in errors]
    menu = build_manifest(BOT_ID)["bots"][0]["commandLists"][0]["commands"]
    titles = [k for k in strings if k.endswith(".title")]
    assert len(titles) == len(menu) and all(strings[k] for k in titles)
    assert strings["manifestVersion"] == build_manifest(BOT_ID)["manifestVersion"]


def test_manifest_points_at_each_localization_file() -> None:
    info = build_manifest(BOT_ID)["localizationInfo"]
    assert info == {
        "defaultLanguageTag": "en-us",
        "additionalLanguages": [{"languageTag": "ko-kr", "file": "ko-KR.json"}],
    }


def test_korean_menu_titles_are_commands_the_bot_understands() -> None:
    strings = localization_file("ko-KR")
    for key in (k for k in strings if k.endswith(".title")):
        parsed = parse(strings[key])
        assert parsed is not None, strings[key]
