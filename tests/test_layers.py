"""Imports point one way: app -> bot -> dialogs -> cards -> services.domain.models, and dialogs -> services;
locales (the catalogues and the translator) is below them all and imports none of them. settings (the
declared environment variables) and cli (doctor, consent) sit beside app, at the top: app and cli read
settings, nothing below them does, and neither of them imports the other.

Inside bot/ and services/ the rooms point one way too (ROOMS): in bot/, edge (HTTP in) -> turn (one
turn) -> outbound (what the bot sends); in services/, everything may use domain (values, ports, errors;
no I/O), storage sits on domain, instances and backends on storage, and notices on all but instances.
Every module of bot/ and services/ lives in a room, so a new module has to say where it belongs."""

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
    "settings": {"bot.turn.access", "bot.edge.inbound_auth", "services"},
    "cli": {"settings", "services"},
    "chatclient": set(),
    "bot": {"dialogs", "cards", "services", "locales"},
    "dialogs": {"cards", "services", "locales"},
    "cards": {"services.domain.models", "locales"},
    "services": {"locales"},
    "locales": set(),
}
BOT_FRAMEWORK = ("botbuilder", "botframework", "msrest")
# Rooms inside a layer, and which other rooms of the same layer each may import.
ROOMS = {
    "bot.edge": {"bot.turn", "bot.outbound"},
    "bot.turn": {"bot.outbound"},
    "bot.outbound": set(),
    "services.domain": set(),
    "services.telemetry": set(),
    "services.storage": {"services.domain"},
    "services.instances": {"services.domain", "services.storage"},
    "services.backends": {"services.domain", "services.storage", "services.telemetry"},
    # Notices read Microsoft's serviceHealthIssue the way the Graph client does, and nothing else of it.
    "services.notices": {"services.domain", "services.storage", "services.backends.graph.parsing"},
    # Every store of one run, built once for BOT_STORAGE: the one place that chooses SQLite or blobs.
    "services.stores": {"services.domain", "services.storage", "services.instances", "services.notices"},
    # Who sees what: over the domain's ports only, so neither backend nor store knows a person.
    "services.access": {"services.domain"},
}


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


def _dotted(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _room(module: str) -> str | None:
    return next((r for r in ROOMS if module == r or module.startswith(r + ".")), None)


def _across_rooms(modules: list[tuple[str, Path]]) -> list[str]:
    wrong = []
    for module, path in modules:
        room = _room(module)
        for name in _imports(path):
            other = _room(name)
            if other is None or other == room or other.split(".")[0] != module.split(".")[0]:
                continue  # bot -> services is the layers' business, above
            if not any(name == a or name.startswith(a + ".") for a in ROOMS[room or ""]):
                wrong.append(f"{module} imports {name}")
    return wrong


def _room_modules() -> list[tuple[str, Path]]:
    paths = [p for layer in ("bot", "services") for p in sorted((ROOT / layer).rglob("*.py"))]
    return [
        (_dotted(p), p) for p in paths if p.name != "__init__.py" or p.parent.name not in ("bot", "services")
    ]


def test_every_module_of_bot_and_services_is_in_a_room() -> None:
    homeless = [m for m, _ in _room_modules() if _room(m) is None]
    assert not homeless, "\n".join(homeless)


def test_rooms_import_one_way() -> None:
    wrong = _across_rooms(_room_modules())
    assert not wrong, "\n".join(wrong)


def test_the_checker_flags_imports_against_the_rooms(tmp_path: Path) -> None:
    cases = {
        "services.domain.bad": "from services.storage.records import Records\n",
        "services.storage.bad": "from services.notices.watcher import Watcher\n"
        "from services.domain.models import Customer\n",
        "services.notices.bad": "from services.backends.graph.client import GraphHealthClient\n"
        "from services.backends.graph.parsing import parse_issue\n",
        "bot.outbound.bad": "from bot.turn.handler import SupportBot\n",
        "bot.turn.bad": "from bot.edge.http import create_http_app\n"
        "from bot.outbound.connector import Connector\n",
    }
    checked = []
    for module, text in cases.items():
        path = tmp_path / f"{module}.py"
        path.write_text(text, encoding="utf-8")
        checked.append((module, path))
    assert sorted(_across_rooms(checked)) == [
        "bot.outbound.bad imports bot.turn.handler",
        "bot.turn.bad imports bot.edge.http",
        "services.domain.bad imports services.storage.records",
        "services.notices.bad imports services.backends.graph.client",
        "services.storage.bad imports services.notices.watcher",
    ]
    assert _room("services.telemetry") == "services.telemetry"
    assert _room("bot.stray") is None


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
    bad_service.write_text("from bot.turn.handler import SupportBot\n", encoding="utf-8")
    bad_card = tmp_path / "bad_card.py"
    bad_card.write_text("import services.backends.demo.backend\n", encoding="utf-8")
    good_card = tmp_path / "good_card.py"
    good_card.write_text("from services.domain.models import Customer\n", encoding="utf-8")
    bad_bot = tmp_path / "bad_bot.py"
    bad_bot.write_text("from settings import Settings\n", encoding="utf-8")
    bad_settings = tmp_path / "bad_settings.py"
    bad_settings.write_text("from bot.turn.handler import SupportBot\nimport app\n", encoding="utf-8")
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
        "bad_card.py imports services.backends.demo.backend",
        "bad_cli.py imports app",
        "bad_service.py imports bot.turn.handler",
        "bad_settings.py imports app",
        "bad_settings.py imports bot.turn.handler",
    ]
