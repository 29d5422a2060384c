"""Imports point one way: app -> bot -> dialogs -> cards -> services.models, and dialogs -> services;
locales (the catalogues and the translator) is below them all and imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("app", "chatclient", "bot", "dialogs", "cards", "services", "locales")
# Who may import whom (besides itself and third-party packages).
ALLOWED = {
    "app": {"bot", "dialogs", "cards", "services", "locales"},
    "chatclient": set(),
    "bot": {"dialogs", "cards", "services", "locales"},
    "dialogs": {"cards", "services", "locales"},
    "cards": {"services.models", "locales"},
    "services": {"locales"},
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
    found = [("app", ROOT / "app.py")]
    for layer in LAYERS[1:]:
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
    assert _upward([("services", bad_service), ("cards", bad_card), ("cards", good_card)]) == [
        "bad_service.py imports bot.handler",
        "bad_card.py imports services.demo.backend",
    ]
