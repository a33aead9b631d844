"""The import graph has no cycles, and the stages depend only on the layers below them.

The graph is read from the source with ast, so an import hidden inside a function (or under
TYPE_CHECKING) counts as much as one at the top of a module. The layering is declared once, in
docs/architecture.md ("Import layering"); this test reads it from there.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
FOLDERS = {"chronolink": "chronolink", "engine": "chronolink.engine", "schemas": "chronolink.schemas",
           "reports": "chronolink.reports"}


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join([package, *parts])] = path
    return mods


MODULES = _modules()


def _imports(name: str, path: Path) -> set[tuple[str, int]]:
    """(module, line) of every chronolink module `name` imports, wherever the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(a.name, node.lineno) for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            for a in node.names:  # `from pkg import submodule` depends on the submodule, not on pkg
                sub = f"{mod}.{a.name}"
                found.add((sub if sub in MODULES else mod, node.lineno))
    return {(m, line) for m, line in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def stage(module: str) -> str:
    """The stage a module belongs to: engine/<stage>/..., engine/errors.py, schemas/, reports/, chronolink/."""
    parts = module.split(".")
    if parts[:2] == ["chronolink", "engine"]:
        return parts[2] if len(parts) > 2 else "engine"
    if module == "chronolink.__main__":
        return "__main__"  # `python -m chronolink`: the CLI's entry, above it
    return parts[1] if len(parts) > 1 and parts[1] in ("schemas", "reports") else "chronolink"


def declared_layers() -> dict[str, int]:
    """Stage -> layer number, from the fenced block under "## Import layering" in the architecture doc."""
    section = DOC.read_text(encoding="utf-8").split("## Import layering", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    layers: dict[str, int] = {}
    for line in block.splitlines():
        m = re.match(r"^\s*(\d+)\s+(.+?)\s*$", line)
        if m:
            for name in m.group(2).split("#", 1)[0].split():
                layers[name] = int(m.group(1))
    return layers


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(m for m, _ in GRAPH[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(m for m, _ in GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_the_graph_is_read_from_every_kind_of_import():
    # A function-local import is an edge: flags evaluates the rules inside a function body too.
    assert len(MODULES) > 100
    assert any(m == "chronolink.engine.errors" for m, _ in GRAPH["chronolink.engine.store.transactions"])
    assert sum(len(v) for v in GRAPH.values()) > 300


def test_no_module_import_cycles():
    assert _cycles() == []


def test_every_stage_is_declared_in_the_layering():
    layers = declared_layers()
    assert sorted({stage(m) for m in MODULES} - set(layers)) == []
    assert sorted(set(layers) - {stage(m) for m in MODULES}) == []  # no stale names in the doc


def test_stages_import_only_from_lower_layers():
    layers = declared_layers()
    upward = sorted(f"{name}:{line} imports {target} ({stage(name)} {layers[stage(name)]} -> "
                    f"{stage(target)} {layers[stage(target)]})"
                    for name, targets in GRAPH.items() for target, line in targets
                    if stage(target) != stage(name) and layers[stage(target)] >= layers[stage(name)])
    assert upward == []
