"""Imports point one way: app -> bot -> dialogs -> cards -> services.models, and dialogs -> services;
locales (the catalogues and the translator) is below them all and imports none of them. settings (the
declared environment variables) and cli (doctor, consent) sit beside app, at the top: app and cli read
settings, nothing below them does, and neither of them imports the other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOP = ("app", "settings", "cli")
LAYERS = (*TOP, "chatclient", "bot", "dialogs", "cards", "services", "locales")
# Who may import whom (besides itself and third-party packages).
ALLOWED = {
    "app": {"settings", "bot", "dialogs", "cards", "services", "locales"},
    # The value types settings are parsed into, and nothing that does anything.
    "settings": {"bot.access", "bot.inbound_auth", "services"},
    "cli": {"settings", "services"},
    "chatclient": set(),
    "bot": {"dialogs", "cards", "services", "locales"},
    "dialogs": {"cards", "services", "locales"},
    "cards": {"services.models", "locales"},
    "services": set(),
    "locales": set(),
}
BOT_FRAMEWORK = ("botbuilder", "botframework", "msrest")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[tuple[str, Path]]:
    found = [(name, ROOT / f"{name}.py") for name in TOP]
    for layer in LAYERS[len(TOP) :]:
        found += [(layer, p) for p in sorted((ROOT / layer).rglob("*.py"))]
    return found


def _upward(modules: list[tuple[str, Path]]) -> list[str]:
    wrong = []
    for layer, path in modules:
        for name in _imports(path):
            top = name.split(".")[0]
            if top not in LAYERS or top == layer:
                continue
            if not any(name == a or name.startswith(a + ".") for a in ALLOWED[layer]):
                wrong.append(f"{path.name} imports {name}")
    return wrong


def test_no_layer_imports_upward() -> None:
    wrong = _upward(_modules())
    assert not wrong, "\n".join(wrong)


def test_services_and_cards_know_nothing_of_bot_framework() -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for layer, path in _modules()
        if layer in ("services", "cards", "locales")
        for name in _imports(path)
        if name.split(".")[0] in BOT_FRAMEWORK
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checker_flags_upward_and_sideways_imports(tmp_path: Path) -> None:
    bad_service = tmp_path / "bad_service.py"
    bad_service.write_text("from bot.handler import SupportBot\n", encoding="utf-8")
    bad_card = tmp_path / "bad_card.py"
    bad_card.write_text("import services.demo.backend\n", encoding="utf-8")
    good_card = tmp_path / "good_card.py"
    good_card.write_text("from services.models import Customer\n", encoding="utf-8")
    bad_bot = tmp_path / "bad_bot.py"
    bad_bot.write_text("from settings import Settings\n", encoding="utf-8")
    bad_settings = tmp_path / "bad_settings.py"
    bad_settings.write_text("from bot.handler import SupportBot\nimport app\n", encoding="utf-8")
    bad_cli = tmp_path / "bad_cli.py"
    bad_cli.write_text("from app import create_app\n", encoding="utf-8")
    checked = [
        ("services", bad_service),
        ("cards", bad_card),
        ("cards", good_card),
        ("bot", bad_bot),
        ("settings", bad_settings),
        ("cli", bad_cli),
    ]
    assert sorted(_upward(checked)) == [
        "bad_bot.py imports settings",
        "bad_card.py imports services.demo.backend",
        "bad_cli.py imports app",
        "bad_service.py imports bot.handler",
        "bad_settings.py imports app",
        "bad_settings.py imports bot.handler",
    ]
