"""The layout keeps its promises: views hold no queries, no view reaches into another, modules import no cycle."""

import ast
from pathlib import Path

from .conftest import ROOT

TRACKER = ROOT / "tracker"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in TRACKER.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    return modules


def _imports(name: str, path: Path, modules) -> set[str]:
    """The tracker modules `name` imports, at any depth of its code (imports inside functions count too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in modules and m != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of the graph, as the list of modules along it, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    """No module of tracker/ imports, even lazily, a module that imports it back (directly or through others)."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a three-module loop is reported."""
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


def test_views_hold_no_queries():
    """Views parse the request, ask permissions, call the domain and render: no SQL is built in tracker/web."""
    offenders = [str(p.relative_to(ROOT)) for p in (TRACKER / "web").rglob("*.py") if "select(" in p.read_text()]
    assert offenders == []


def test_no_view_imports_another_view():
    """Shared request helpers live in tracker/web/arguments.py, not in another blueprint's module."""
    modules = _modules()
    views = {name for name in modules if name.startswith("tracker.web.views.")}
    offenders = {v: _imports(v, modules[v], modules) & views for v in views}
    assert {v: sorted(i) for v, i in offenders.items() if i} == {}
