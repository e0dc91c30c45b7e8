"""The package's layering, read from the source with `ast` (docs/internals.md, "Layering").

Every import counts, module-level or inside a function: a function-local import only
delays a dependency, it does not remove it.
- commands live in `cfroutes.cli` (and `python -m cfroutes` in `__main__`); no library module
  imports from them;
- no two modules import each other, directly or around a longer loop.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "cfroutes"
#: the command layer: the commands and `python -m cfroutes`, which only calls cli.main
COMMANDS = (f"{PACKAGE}.cli", f"{PACKAGE}.__main__")
SOURCE = Path(__file__).resolve().parent.parent / "generator"  # the package's source folder


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The module `name` names: itself, else the longest known module it starts with."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[tuple[str, int]]:
    """(imported module of this package, line) for every import statement anywhere in the file."""
    is_package = path.name == "__init__.py"
    out: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from a import b`: b is a submodule when one of that name exists, else a name in a
            targets = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in known else origin for a in node.names]
        for t in targets:
            if t == PACKAGE or t.startswith(PACKAGE + "."):
                resolved = _resolve(t, known)
                if resolved is not None and resolved != module:
                    out.add((resolved, getattr(node, "lineno", 0)))
    return out


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: first line}."""
    known = _modules()
    graph: dict[str, dict[str, int]] = {}
    for module, path in known.items():
        edges: dict[str, int] = {}
        for target, line in sorted(imports_of(module, path, known), key=lambda e: e[1]):
            edges.setdefault(target, line)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, {}))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


GRAPH = import_graph()


def test_the_graph_sees_every_module_and_local_imports() -> None:
    assert len(GRAPH) > 50 and "cfroutes.cli.main" in GRAPH
    assert GRAPH["cfroutes.cli.main"], "the entry point imports the commands"


def _is_command(module: str) -> bool:
    return any(module == c or module.startswith(c + ".") for c in COMMANDS)


def test_no_library_module_imports_a_command() -> None:
    upward = [f"{src} imports {dst} (line {line})" for src, edges in GRAPH.items()
              if not _is_command(src) for dst, line in edges.items() if _is_command(dst)]
    assert upward == [], "libraries import downward only; move what they need out of cli/:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    loops = cycles(GRAPH)
    detail = ["  " + " <-> ".join(c) + "\n" + "\n".join(
        f"    {a} imports {b} (line {GRAPH[a][b]})" for a in c for b in c if b in GRAPH[a]) for c in loops]
    assert loops == [], "import cycles:\n" + "\n".join(detail)


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    from cfroutes.cli import main\n", {"cfroutes.cli.main"}),
    ("from .. import errors\n", {"cfroutes.errors"}),
    ("from . import runner\n", {"cfroutes.testing.runner"}),
    ("import cfroutes.testing.cases as c\n", {"cfroutes.testing.cases"}),
    ("from cfroutes.testing.cases import Case\n", {"cfroutes.testing.cases"}),
    ("import json\n", set()),
])
def test_the_reader_finds_every_kind_of_import(source: str, expected: set[str], tmp_path: Path) -> None:
    known = _modules()
    path = tmp_path / "m.py"
    path.write_text(source)
    assert {m for m, _ in imports_of("cfroutes.testing.coverage", path, known)} == expected


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


def _map_entries() -> set[str]:
    """The files docs/internals.md's map names, as paths under generator/."""
    text = (SOURCE.parent / "docs" / "internals.md").read_text(encoding="utf-8")
    block = text.split("```\ngenerator/", 1)[1].split("```", 1)[0]
    out: set[str] = set()
    package = ""
    for line in block.split("\n")[1:]:
        indent = len(line) - len(line.lstrip(" "))
        head = line.strip().split("  ", 1)[0]
        names = [n.strip() for n in head.split(",") if n.strip()]
        if not names or not all(n.endswith((".py", ".js", "/")) and " " not in n for n in names):
            continue  # a description carried over from the line before
        for name in names:
            if indent == 2:
                package = name.rstrip("/") if name.endswith("/") else ""
                if not name.endswith("/"):
                    out.add(name)
            elif indent == 4 and package:
                out.add(f"{package}/{name}")
    return out


def test_the_internals_map_names_every_module() -> None:
    files = {str(p.relative_to(SOURCE)) for p in SOURCE.rglob("*") if p.suffix in (".py", ".js")
             and "__pycache__" not in p.parts and not (p.name == "__init__.py" and p.parent != SOURCE)}
    mapped = _map_entries()
    assert sorted(files - mapped) == [], "docs/internals.md's map does not list these modules"
    assert sorted(mapped - files) == [], "docs/internals.md's map lists modules that do not exist"
