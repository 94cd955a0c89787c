"""Imports flow one way: neither the packages of ``assistant`` nor its modules import each other in a circle.

The graph is read from the source (every ``import`` and ``from … import``, also those inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency), so a cycle cannot hide behind an import placed late.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def module_graph() -> dict[str, set[str]]:
    """Module → the modules of ``assistant`` it imports (a name imported from a package counts as its module when
    it is one, else as the package)."""
    modules = _modules()

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    origin = ".".join([*base, node.module] if node.module else base)
                else:
                    origin = node.module or ""
                targets = [f"{origin}.{alias.name}" for alias in node.names]
            for target in targets:
                found = known(target)
                if found is not None and found.startswith("assistant") and found != module:
                    graph[module].add(found)
    return graph


def package_graph() -> dict[str, set[str]]:
    """``assistant.<package>`` → the other packages it imports."""
    graph: dict[str, set[str]] = defaultdict(set)

    def top(name: str) -> str:
        return ".".join(name.split(".")[:2])

    for module, imported in module_graph().items():
        for other in imported:
            if top(other) != top(module):
                graph[top(module)].add(top(other))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_packages_import_each_other_in_no_circle() -> None:
    graph = package_graph()
    assert {"assistant.grammar", "assistant.nlu", "assistant.runtime", "assistant.voice"} <= graph.keys()
    assert "assistant.grammar" in graph["assistant.nlu"]  # the graph sees imports at all
    assert cycles(graph) == []


def test_the_modules_import_each_other_in_no_circle() -> None:
    graph = module_graph()
    assert "assistant.runtime.dialog" in graph["assistant.runtime.engine"]  # a lazy import would count too
    assert cycles(graph) == []


def test_a_circle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
