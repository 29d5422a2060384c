from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import jsonschema
import pytest

from bot.commands import COMMANDS
from manifest.package import build_manifest, write_package

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
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(package.read("manifest.json"))["bots"][0]["botId"] == BOT_ID
        assert _png_size(package.read("color.png"))[:2] == (192, 192)
        assert _png_size(package.read("outline.png")) == (32, 32, 6)  # RGBA: transparent background
