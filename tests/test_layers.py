"""The layers point one way: actions/, channels/ and scheduler/ use bot/, never each other,
and bot/ uses none of them; ransel/ (the `ransel` command and the HTTP app) puts them
together. No module imports itself back through others either.

Imports are read from the source with ``ast``, function-level ones included: an import
inside a function is still a dependency (it only moves the failure to run time). Imports
under ``if TYPE_CHECKING:`` are for the type checker alone and are left out.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "actions", "channels", "scheduler", "portal", "ransel")
# What each package may import besides itself.
MAY_IMPORT = {
    "bot": set(),
    "actions": {"bot"},
    "channels": {"bot"},
    "scheduler": {"bot"},
    "portal": {"bot", "channels", "scheduler"},
    "ransel": {"bot", "actions", "channels", "scheduler", "portal"},
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the first-party module it imports
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations/versions" not in path.as_posix():
                found[_module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _imports(modules: dict[str, Path]) -> list[Import]:
    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = []
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import mod` depends on pkg.mod; `from mod import name` on mod.
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for name in names:
                target = resolve(name)
                if target is not None and target != module:
                    edges.append(Import(module, target, node.lineno))
    return edges


def _cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.module, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
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
            connect(v)
    return found


def test_packages_import_only_the_layers_below_them() -> None:
    modules = _modules()
    backward = [
        f"{modules[e.module].relative_to(ROOT)}:{e.line}: {e.module} imports {e.target}"
        for e in _imports(modules)
        if (top := e.target.split(".")[0]) != e.module.split(".")[0] and top not in MAY_IMPORT[e.module.split(".")[0]]
    ]
    assert backward == []


def test_no_module_imports_itself_back_through_others() -> None:
    assert _cycles(_imports(_modules())) == []


def test_the_check_sees_a_backward_import_and_a_cycle(tmp_path: Path) -> None:
    """The checks above would fail if a module broke the rules (not only pass on no input)."""
    edges = [Import("bot.services.x", "scheduler.outbox", 1), Import("scheduler.outbox", "bot.services.x", 2)]
    assert _cycles(edges) == [["bot.services.x", "scheduler.outbox"]]
    tree = ast.parse("def f():\n    from scheduler import outbox\nif TYPE_CHECKING:\n    import channels\n")
    assert [n.lineno for n in _import_nodes(tree)] == [2]


def test_outbox_rows_change_only_in_bot_outbox() -> None:
    """Every change of an outbox row's state is one of bot/outbox.py's functions, each of which
    leaves a DeliveryEvent (Zulip's do_* idea): nobody else updates, deletes or re-statuses one."""
    found = []
    for module, path in _modules().items():
        source = path.read_text(encoding="utf-8")
        if module == "bot.outbox" or "OutboxMessage" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "update", "delete") and node.args and "OutboxMessage" in ast.unparse(node.args[0]):
                found.append(f"{module}:{node.lineno}: {ast.unparse(node)[:60]}")
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr in ("status", "delivered_at", "digest_id", "claimed_by")
                    for t in node.targets):
                found.append(f"{module}:{node.lineno}: {ast.unparse(node)[:60]}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DeliveryEvent":
                found.append(f"{module}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert found == []


# Who is whose child and who is in which group decide what a person may see, so reading
# guardianships or memberships is bot/access.py's (the importers write them). These modules
# still read them themselves; each is to move its reads into bot/access.py, and the list may
# only shrink: a module that stops reading them must leave it.
STILL_READING_RELATIONS_DIRECTLY: set[str] = set()


def test_guardianships_and_memberships_are_read_through_bot_access() -> None:
    readers = set()
    for module, path in _modules().items():
        if module == "bot.access" or module.startswith(("bot.models", "bot.importers", "bot.migrations")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.Name) and n.id in ("Guardianship", "Membership") for n in ast.walk(tree)):
            readers.add(module)
    assert readers - STILL_READING_RELATIONS_DIRECTLY == set(), "read them through bot/access.py"
    assert STILL_READING_RELATIONS_DIRECTLY - readers == set(), "no longer reads them: take it off the list"


def test_commands_are_put_on_the_ransel_group_in_one_place() -> None:
    """No command module adds itself by being imported: each lists its commands, and
    ransel/cli/__init__.py puts them on the group."""
    from ransel.cli import COMMAND_MODULES, cli

    root = Path(__file__).resolve().parent.parent / "ransel" / "cli"
    for path in root.glob("*.py"):
        if path.name in ("__init__.py", "_root.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        attached = [ast.unparse(n)[:60] for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name) and n.value.id == "cli"]
        assert attached == [], f"{path.name} adds to the root group itself: {attached}"
    listed = {c.name for module in COMMAND_MODULES for c in module.COMMANDS}
    assert listed == set(cli.commands)
