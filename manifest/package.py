"""Build the Teams app package (manifest.json + icons, zipped) for a given bot registration.

`make package MicrosoftAppId=<guid>` writes build/support-bot.zip, ready to upload in Teams. The bot's
command list comes from the command table, so the compose-box menu always matches what the bot parses.
"""

from __future__ import annotations

import argparse
import json
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.commands import COMMANDS
from locales.translator import ENGLISH

HERE = Path(__file__).resolve().parent
ACCENT = (0x2B, 0x57, 0x9A)

Pixel = tuple[int, int, int, int]


def build_manifest(bot_id: str) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    bot = manifest["bots"][0]
    bot["botId"] = str(uuid.UUID(bot_id))
    commands = [
        {
            "title": c.name,
            "description": f"{ENGLISH(f'command.{c.name}.usage')}: {ENGLISH(f'command.{c.name}.summary')}",
        }
        for c in COMMANDS
        if c.in_menu
    ]
    bot["commandLists"] = [{"scopes": list(bot["scopes"]), "commands": commands}]
    return manifest


def png(size: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """A small RGBA PNG; `pixel` gets coordinates from -1 to 1."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(2 * x / (size - 1) - 1, 2 * y / (size - 1) - 1)) for x in range(size))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _ring(x: float, y: float) -> bool:
    """A life-ring: the support desk's mark."""
    radius = (x * x + y * y) ** 0.5
    return 0.42 <= radius <= 0.78 and not (abs(x) < 0.12 or abs(y) < 0.12)


def color_icon() -> bytes:
    return png(192, lambda x, y: (255, 255, 255, 255) if _ring(x, y) else (*ACCENT, 255))


def outline_icon() -> bytes:
    return png(32, lambda x, y: (255, 255, 255, 255) if _ring(x, y) else (0, 0, 0, 0))


def write_package(bot_id: str, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(build_manifest(bot_id), indent=2, ensure_ascii=False))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bot_id", help="the Azure Bot's Microsoft App ID (a GUID)")
    parser.add_argument("--out", type=Path, default=Path("build/support-bot.zip"))
    args = parser.parse_args()
    print(write_package(args.bot_id, args.out))


if __name__ == "__main__":
    main()
