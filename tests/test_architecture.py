"""The design card's shape, checked on the source: the layering (``parsers`` imports neither
``archive`` nor ``crawler``; ``archive`` never imports ``crawler``), no import cycle between
modules (imports inside functions count: a deferred import is still a dependency; those under
``if TYPE_CHECKING:`` do not run), and the crawler touching no archive table (no ORM models,
no SQLAlchemy: it reads and writes through ``archive``'s functions)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("parsers", "archive", "crawler")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "sample_portal" in parts:
                continue
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return ids


def _imports(path: Path) -> list[str]:
    """Every module name an import in ``path`` names (``from a import b`` names ``a.b`` too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    names: list[str] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for imported in _imports(path):
            # `from parsers import align` depends on parsers.align (the package's __init__ runs
            # first, but it is not what the code uses), `from parsers import parse` on parsers.
            if imported in modules and imported != name:
                edges.add(imported)
        for imported in list(edges):
            if any(other.startswith(imported + ".") for other in edges):
                edges.discard(imported)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_sees_a_cycle_and_the_real_modules():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = _graph()
    assert len(graph) > 80 and "parsers.formats.pdf" in graph["parsers.formats"] | graph["parsers.api"] | set().union(*graph.values())


def test_no_import_cycle_between_modules():
    assert _cycles(_graph()) == []


def test_layering():
    wrong = [(m, d) for m, deps in _graph().items() for d in deps
             if (m.startswith("parsers") and d.split(".")[0] in ("archive", "crawler"))
             or (m.startswith("archive") and d.startswith("crawler"))]
    assert wrong == []


def test_the_crawler_touches_no_archive_table():
    touching = {name: sorted(i for i in _imports(path)
                             if i.startswith("sqlalchemy") or i.endswith(".models") or ".models." in i)
                for name, path in _modules().items() if name.startswith("crawler")}
    assert {name: found for name, found in touching.items() if found} == {}


def _dynamic_imports(path: Path) -> list[str]:
    """Modules named to ``importlib.import_module``/``__import__`` by a string literal."""
    return [node.args[0].value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in ("import_module", "__import__")
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


def test_migrations_import_no_application_code():
    """A migration is frozen at its revision: it must not change when the application does,
    so it imports none of the project's packages and carries what it needs (DDL, rules) as
    it was then. The environment, archive/migrations/env.py, is no migration: it takes the
    application's database URL and models (for autogenerate) on purpose."""
    versions = sorted((ROOT / "archive/migrations/versions").glob("*.py"))
    assert len(versions) >= 5
    found = {path.name: sorted({name for name in _imports(path) + _dynamic_imports(path)
                                if name.split(".")[0] in PACKAGES}) for path in versions}
    assert {name: imported for name, imported in found.items() if imported} == {}
