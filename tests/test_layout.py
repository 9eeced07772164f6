"""The layout keeps its promises: views hold no queries, no view reaches into another, modules import no cycle."""

import ast
import re
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


#: a role or reach read raw instead of asked by name (`access.can_oversee(instrument.id)`)
RAW_PERMISSION = re.compile(r"\b(?:access|current_user)\.(?:is_admin|is_secretary|is_observer|secretary_of)\b"
                            r"|\baccess\.can_\w+\([^)]*\)\s+(?:or|and)\s+(?:not\s+)?access\.")
DOMAIN = ("catalog", "reporting", "insight", "people", "notify")
BENCHMARK = ("bench", "tracker.scale", "tracker.scale_roadmaps")


def _permission_expressions(paths) -> list[str]:
    return [f"{p.name}:{n}" for p in paths
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if RAW_PERMISSION.search(line)]


def test_no_permission_expression_in_templates_or_views():
    """Templates, views and the API ask Access by name; «admin, or secretary of this instrument» is written once."""
    paths = [*(ROOT / "templates").rglob("*.html"), *(TRACKER / "web").rglob("*.py"), *(TRACKER / "api").rglob("*.py")]
    assert _permission_expressions(paths) == []


def test_the_permission_check_finds_an_expression(tmp_path):
    """The check above can fail: a template spelling out the rule is reported, a named question is not."""
    page = tmp_path / "page.html"
    page.write_text("{% if access.can_oversee(i.id) %}ok{% endif %}\n"
                    "{% if access and (access.is_admin or access.can_manage_instrument(i)) %}no{% endif %}\n"
                    "{% if access.can_report() or access.can_review() %}no{% endif %}\n")
    assert _permission_expressions([page]) == ["page.html:2", "page.html:3"]


def _flask_in_domain(modules) -> list[str]:
    """Domain modules that reach the request's app or abort a request: the edges do that."""
    found = []
    for name, path in modules.items():
        if name.split(".")[1:2] not in [[d] for d in DOMAIN]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                found += [f"{name}: {a.name}" for a in node.names if a.name in ("current_app", "abort")]
    return found


def test_the_domain_neither_reads_current_app_nor_aborts():
    """catalog, reporting, insight, people and notify take their settings as arguments and raise their own errors."""
    assert _flask_in_domain(_modules()) == []


def test_no_product_module_imports_benchmark_code():
    """The scale generator lives in bench/: nothing under tracker/ imports it."""
    modules = _modules()
    offenders = {}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            hits = [n for n in names if n.split(".")[0] == "bench" or n in BENCHMARK]
            if hits:
                offenders[name] = hits
    assert offenders == {}
    assert not (TRACKER / "scale.py").exists() and not (TRACKER / "scale_roadmaps.py").exists()


#: a day count against a due date, or the answered statuses spelled out, outside tracker/statuses.py
LATENESS = re.compile(r"\(\s*[\w.]*today\s*-\s*[\w.]*due_on\s*\)\.days|\(\s*[\w.]*due_on\s*-\s*[\w.]*today\s*\)\.days"
                      r"|\bin \(\s*[\"']submitted[\"'],\s*[\"']accepted[\"']")


def test_lateness_is_said_only_through_statuses():
    """Days overdue, days left and "answered" have one definition (tracker/statuses.py), used by pages, emails,
    exports and the overdue view alike."""
    paths = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.md"),
             *(p for p in TRACKER.rglob("*.py") if p.name != "statuses.py" and "migrations" not in p.parts)]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in paths
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if LATENESS.search(line)]
    assert found == []
    assert LATENESS.search("{{ (today - cp.due_on).days }}") and LATENESS.search('in ("submitted", "accepted")')


def test_the_lock_file_pins_what_pyproject_pins():
    """requirements.lock (make lock) holds every package of pyproject.toml, runtime and test, at the same version
    and with hashes: `make setup` and CI install from it, so it must not fall behind."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {}
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        name, _, version = requirement.partition("==")
        wanted[re.sub(r"\[.*\]", "", name).lower().replace("_", "-").replace(".", "-")] = version
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    locked = {name.lower().replace("_", "-").replace(".", "-"): version
              for name, version in re.findall(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+) \\", lock, flags=re.M)}
    assert {name: locked.get(name) for name in wanted} == wanted
    assert all("--hash=sha256:" in block for block in re.split(r"\n(?=\S)", lock.split("\n\n", 1)[-1]) if "==" in block)
