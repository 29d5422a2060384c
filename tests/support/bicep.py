"""A reader for the parts of a Bicep file the infra tests check, since the Bicep compiler can't be installed
here (its releases are not on a package registry this machine reaches): parameters with their decorators
and defaults, resources with their type, API version, condition and body, and which resources each one
depends on (a symbol it names, its parent or scope, its dependsOn), as the compiler orders a deployment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_RESOURCE = re.compile(
    r"^resource (?P<symbol>\w+) '(?P<type>[\w./]+)@(?P<version>[\w-]+)' = (?:if \((?P<condition>.+)\) )?\{$"
)
_PARAM = re.compile(r"^param (?P<name>\w+) (?P<type>\w+)(?: = (?P<default>.+))?$")


def expressions(text: str) -> str:
    """The text with each string literal reduced to its interpolations: `'a-${b}'` becomes `b`."""
    return re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: " ".join(re.findall(r"\$\{([^}]*)\}", m[1])), text)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    decorators: tuple[str, ...]
    secure: bool

    def allowed(self) -> list[str]:
        for decorator in self.decorators:
            if decorator.startswith("@allowed("):
                return re.findall(r"'([^']*)'", decorator)
        return []


@dataclass(frozen=True)
class Resource:
    symbol: str
    type: str
    version: str
    condition: str | None
    body: str
    line: int


@dataclass(frozen=True)
class BicepFile:
    path: Path

    @cached_property
    def code(self) -> str:
        """The file without its comments (a `//` outside a string starts one)."""
        lines = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            quoted = False
            for index, char in enumerate(line):
                if char == "'" and (index == 0 or line[index - 1] != "\\"):
                    quoted = not quoted
                elif not quoted and line.startswith("//", index):
                    line = line[:index].rstrip()
                    break
            lines.append(line)
        return "\n".join(lines)

    @cached_property
    def params(self) -> dict[str, Param]:
        found: dict[str, Param] = {}
        decorators: list[str] = []
        for line in self.code.splitlines():
            if line.startswith("@"):
                decorators.append(line)
                continue
            match = _PARAM.match(line)
            if match:
                found[match["name"]] = Param(
                    match["name"],
                    match["type"],
                    match["default"],
                    tuple(decorators),
                    "@secure()" in decorators,
                )
            if line.strip():
                decorators = []
        return found

    @cached_property
    def resources(self) -> dict[str, Resource]:
        found: dict[str, Resource] = {}
        lines = self.code.splitlines()
        for number, line in enumerate(lines):
            match = _RESOURCE.match(line)
            if not match:
                continue
            end = next(i for i in range(number + 1, len(lines)) if lines[i] == "}")
            found[match["symbol"]] = Resource(
                match["symbol"],
                match["type"],
                match["version"],
                match["condition"],
                "\n".join(lines[number + 1 : end]),
                number + 1,
            )
        return found

    @cached_property
    def resource_lines(self) -> list[str]:
        """Every line that declares a resource, as written (for a check that must not miss one)."""
        return [line for line in self.code.splitlines() if line.startswith("resource ")]

    @cached_property
    def outputs(self) -> list[str]:
        return re.findall(r"^output (\w+) ", self.code, re.MULTILINE)

    def of_type(self, kind: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == kind]

    def references(self, resource: Resource) -> set[str]:
        """The resources this one names directly (in its condition, body or dependsOn), outside the literal
        text of its strings ('kv-bot-${suffix}' names `suffix`, not `bot`)."""
        text = expressions(f"{resource.condition or ''}\n{resource.body}")
        return {s for s in self.resources if s != resource.symbol and re.search(rf"\b{s}\b", text)}

    def depends_on(self, resource: Resource) -> set[str]:
        """Everything deployed before this resource: what it names, and what those name, transitively."""
        seen: set[str] = set()
        todo = list(self.references(resource))
        while todo:
            symbol = todo.pop()
            if symbol not in seen:
                seen.add(symbol)
                todo.extend(self.references(self.resources[symbol]))
        return seen

    def app_settings(self, resource: Resource) -> dict[str, str]:
        return dict(re.findall(r"\{ name: '(\w+)', value: (.+) \}", resource.body))
