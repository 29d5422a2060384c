"""pyproject.toml declares what the code imports and nothing else: every third-party module the service
imports (read with ast, like tests/test_layers.py) comes from a declared runtime distribution, and every
declared runtime distribution is imported somewhere. A module arriving only through another package's
dependencies (Babel through botbuilder-dialogs, pinned to 2021's 2.9.1) can change or vanish with it."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import sys
import tomllib
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SOURCE = [
    "app.py",
    "settings.py",
    "cli.py",
    "bot",
    "dialogs",
    "cards",
    "services",
    "chatclient",
    "manifest",
    "locales",
]
OURS = {Path(name).stem for name in SOURCE}


def _source_files() -> list[Path]:
    return [
        p for name in SOURCE for p in ([ROOT / name] if name.endswith(".py") else (ROOT / name).rglob("*.py"))
    ]


def _imported_modules() -> dict[str, Path]:
    """Each absolute import of a module outside the standard library and this project, and a file doing it."""
    found: dict[str, Path] = {}
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
                if _is_namespace(node.module):  # `from opentelemetry import trace`: the module is trace
                    names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in OURS:
                    found.setdefault(name, path)
    return found


def _is_namespace(module: str) -> bool:
    spec = importlib.util.find_spec(module) if module.split(".")[0] not in sys.stdlib_module_names else None
    return spec is not None and spec.origin is None


@cache
def _owners() -> dict[Path, str]:
    """Each installed file and the distribution that installed it."""
    owners: dict[Path, str] = {}
    for distribution in importlib.metadata.distributions():
        for file in distribution.files or ():
            owners[Path(str(distribution.locate_file(file))).resolve()] = canonicalize_name(
                distribution.metadata["Name"]
            )
    return owners


def _distribution_of(module: str) -> str:
    """The distribution a module's file belongs to: for namespace packages (azure, botbuilder,
    opentelemetry) the one that ships that sub-package, not every one that shares the name."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"{module} is not installed"
    return _owners()[Path(spec.origin).resolve()]


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}


def test_every_third_party_import_comes_from_a_declared_distribution() -> None:
    declared = _declared()
    undeclared = {
        f"{module} ({path.relative_to(ROOT)}) comes from {_distribution_of(module)}"
        for module, path in _imported_modules().items()
        if _distribution_of(module) not in declared
    }
    assert not undeclared, sorted(undeclared)


def test_every_declared_distribution_is_imported() -> None:
    imported = {_distribution_of(module) for module in _imported_modules()}
    assert not _declared() - imported, sorted(_declared() - imported)
