"""Build the Teams app package (manifest.json + icons, zipped) for a given bot registration.

`make package MicrosoftAppId=<guid>` writes build/support-bot.zip, ready to upload in Teams. The bot's
command list comes from the command table, so the compose-box menu always matches what the bot parses.
`TeamsAppId=<guid>` gives the package the id the Agents Toolkit registered (teamsApp/create writes it as
TEAMS_APP_ID), so provision, package and publish use one id; without it, manifest.json's own id.
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

from bot.turn.commands import COMMANDS, Command
from bot.turn.compose_extension import SEARCH_PARAMETER
from dialogs.compose_search import SearchKind
from locales.translator import ENGLISH, Translator
from services.domain.shared_links import PREVIEW_HOSTS

HERE = Path(__file__).resolve().parent
ACCENT = (0x2B, 0x57, 0x9A)
# Teams' language tag of each localization file in the package -> our catalogue's language.
LOCALIZED_MANIFESTS = {"ko-KR": "ko"}
LOCALIZATION_SCHEMA = (
    "https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams.Localization.schema.json"
)

Pixel = tuple[int, int, int, int]
# Every bot using the Bot Framework OAuth flow lists it (Teams SSO quickstart).
TOKEN_SERVICE_DOMAIN = "token.botframework.com"


def _menu() -> list[Command]:
    return [c for c in COMMANDS if c.in_menu]


def _command_entry(command: Command, t: Translator) -> dict[str, str]:
    """The menu's title is the command's own word in that language ('상태'); the description its usage
    and summary."""
    usage, summary = t(f"command.{command.name}.usage"), t(f"command.{command.name}.summary")
    return {"title": usage.split(" ", 1)[0], "description": f"{usage}: {summary}"}


def _search_words(kind: SearchKind, t: Translator) -> dict[str, str]:
    """A search command's words, keyed as the manifest and its localization files name them."""
    return {
        "title": t(f"manifest.search.{kind.value}.title"),
        "description": t(f"manifest.search.{kind.value}.description"),
        "parameters[0].title": t("manifest.search.parameter_title"),
        "parameters[0].description": t("manifest.search.parameter_description"),
    }


def compose_extension(bot_id: str) -> dict[str, Any]:
    """The message extension: one search command per kind of thing (each is its own tab in Teams' compose-box
    flyout, with its own search box; a search command's box is its one text parameter), opened with the most
    relevant items (`initialRun`), and link previews for the portal hosts that services/domain/shared_links.py
    reads.
    """
    commands = []
    for kind in SearchKind:
        words = _search_words(kind, ENGLISH)
        commands.append(
            {
                "id": kind.value,
                "type": "query",
                "title": words["title"],
                "description": words["description"],
                "initialRun": True,
                "context": ["compose", "commandBox"],
                "parameters": [
                    {
                        "name": SEARCH_PARAMETER,
                        "title": words["parameters[0].title"],
                        "description": words["parameters[0].description"],
                        "inputType": "text",
                    }
                ],
            }
        )
    return {
        "botId": bot_id,
        "composeExtensionType": "botBased",
        "commands": commands,
        "messageHandlers": [{"type": "link", "value": {"domains": list(PREVIEW_HOSTS)}}],
    }


def tabs(domain: str) -> dict[str, Any]:
    """The overview tab (bot/edge/tab.py) at `domain`: a static personal tab, and a configurable one for a
    team's support channel, a group chat or a meeting's side panel, with its configuration page. Teams
    fills in `{locale}` (learn.microsoft.com/microsoftteams/platform/tabs/how-to/access-teams-context)."""
    root = f"https://{domain}/tab"
    return {
        "staticTabs": [
            {
                "entityId": "overview",
                "name": ENGLISH("manifest.tab.personal_name"),
                "contentUrl": f"{root}?locale={{locale}}",
                "websiteUrl": root,
                "scopes": ["personal"],
            }
        ],
        "configurableTabs": [
            {
                "configurationUrl": f"{root}/config?locale={{locale}}",
                "canUpdateConfiguration": False,
                "scopes": ["team", "groupChat"],
                "context": ["channelTab", "privateChatTab", "meetingChatTab", "meetingSidePanel"],
            }
        ],
    }


def build_manifest(bot_id: str, app_id: str = "", sso: bool = False, tab_domain: str = "") -> dict[str, Any]:
    """`sso`: Teams single sign-on (BOT_SSO_CONNECTION): the bot's app registration as the web app Teams
    gets tokens for (`api://botid-<id>`, learn.microsoft.com/microsoftteams/platform/bots/how-to/
    authentication/bot-sso-manifest), and the token service's domain the Bot Framework OAuth flow needs.
    `tab_domain` (BOT_TAB_DOMAIN): the overview tab served there, which signs people in with tab SSO for the
    same registration: its Application ID URI then names the domain (`api://<domain>/botid-<id>`, tabs/
    how-to/authentication/tab-sso-manifest), and the domain is a valid one."""
    manifest: dict[str, Any] = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    if app_id:
        manifest["id"] = str(uuid.UUID(app_id))
    bot = manifest["bots"][0]
    bot["botId"] = str(uuid.UUID(bot_id))
    if sso:
        manifest["webApplicationInfo"] = {"id": bot["botId"], "resource": f"api://botid-{bot['botId']}"}
        manifest["validDomains"] = sorted({*manifest["validDomains"], TOKEN_SERVICE_DOMAIN})
    if tab_domain:
        manifest.update(tabs(tab_domain))
        manifest["webApplicationInfo"] = {
            "id": bot["botId"],
            "resource": f"api://{tab_domain}/botid-{bot['botId']}",
        }
        manifest["validDomains"] = sorted({*manifest["validDomains"], tab_domain})
    manifest["name"] = {"short": ENGLISH("manifest.name_short"), "full": ENGLISH("manifest.name_full")}
    manifest["description"] = {
        "short": ENGLISH("manifest.description_short"),
        "full": ENGLISH("manifest.description_full"),
    }
    commands = [_command_entry(c, ENGLISH) | {"title": c.name} for c in _menu()]
    bot["commandLists"] = [{"scopes": list(bot["scopes"]), "commands": commands}]
    manifest["composeExtensions"] = [compose_extension(bot["botId"])]
    manifest["localizationInfo"] = {
        "defaultLanguageTag": "en-us",
        "additionalLanguages": [
            {"languageTag": tag.casefold(), "file": f"{tag}.json"} for tag in LOCALIZED_MANIFESTS
        ],
    }
    return manifest


def localization_file(tag: str, tab_domain: str = "") -> dict[str, Any]:
    """The manifest's words in another language (`ko-KR.json`), as Teams' localization schema keys them
    (the schema of the manifest's version: `manifestVersion` itself is not one of its keys)."""
    t = Translator(LOCALIZED_MANIFESTS[tag])
    manifest: dict[str, Any] = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    strings: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA.format(version=manifest["manifestVersion"]),
        "name.short": t("manifest.name_short"),
        "name.full": t("manifest.name_full"),
        "description.short": t("manifest.description_short"),
        "description.full": t("manifest.description_full"),
    }
    for index, command in enumerate(_menu()):
        entry = _command_entry(command, t)
        key = f"bots[0].commandLists[0].commands[{index}]"
        strings[f"{key}.title"] = entry["title"]
        strings[f"{key}.description"] = entry["description"]
    for index, kind in enumerate(SearchKind):
        for field, words in _search_words(kind, t).items():
            strings[f"composeExtensions[0].commands[{index}].{field}"] = words
    if tab_domain:
        strings["staticTabs[0].name"] = t("manifest.tab.personal_name")
    return strings


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


def write_package(
    bot_id: str, target: Path, app_id: str = "", sso: bool = False, tab_domain: str = ""
) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = build_manifest(bot_id, app_id, sso, tab_domain)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for tag in LOCALIZED_MANIFESTS:
            strings = localization_file(tag, tab_domain)
            package.writestr(f"{tag}.json", json.dumps(strings, indent=2, ensure_ascii=False))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bot_id", help="the Azure Bot's Microsoft App ID (a GUID)")
    parser.add_argument("--teams-app-id", default="", help="the Teams app's id (the toolkit's TEAMS_APP_ID)")
    parser.add_argument("--out", type=Path, default=Path("build/support-bot.zip"))
    parser.add_argument("--sso", action="store_true", help="Teams single sign-on (BOT_SSO_CONNECTION set)")
    parser.add_argument("--tab-domain", default="", help="the overview tab's host (BOT_TAB_DOMAIN)")
    args = parser.parse_args()
    print(write_package(args.bot_id, args.out, args.teams_app_id, args.sso, args.tab_domain))


if __name__ == "__main__":
    main()
