"""Floors that only look down: the import graph of ``ivr/`` (read with ``ast``, so every import
counts: module level, inside functions, under ``if TYPE_CHECKING``) has no circle, and no module
imports one on a higher floor. The floors are defined here, once; docs/architecture.md draws them
(a test below keeps the drawing and this list the same).

A new module lands on its package's floor; a new top-level module or package must be placed
here (the test says so), which is the moment to decide what it may import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ivr"

# Bottom first. A module's floor is that of the longest prefix naming it ("ivr.sim.connect"
# before "ivr.sim"); "ivr" itself names only the app factory (ivr/__init__.py).
FLOORS: list[tuple[str, tuple[str, ...]]] = [
    # settings, atomic file writes, log escaping, Twilio's signature check, giving freed
    # memory back: each imports only the others here (ivr/__init__.py imports them before
    # anything else, see below)
    ("base", ("ivr.config", "ivr.atomic", "ivr.logs", "ivr.security", "ivr.heap", "ivr.gate")),
    ("storage", ("ivr.db",)),  # its tables and migrations: nothing about what they hold
    ("content", ("ivr.content", "ivr.audio")),  # the pack and its audio, as values and files
    (
        "call",  # one step of a call: the pure engine and its TwiML
        ("ivr.flow", "ivr.twiml", "ivr.fallback_twiml", "ivr.twiml_cache"),
    ),
    (
        "services",  # what the web layer calls: counts, texts, publishing
        # ivr.sim.messages: the fake of Twilio's Messages API that ivr.sms sends to in
        # development (it imports nothing of ivr).
        # ivr.sim.calls, ivr.sim.recordings: the same for its Calls and Recordings APIs.
        (
            "ivr.counts",
            "ivr.sms",
            "ivr.publish",
            "ivr.sim.messages",
            "ivr.sim.calls",
            "ivr.sim.recordings",
            "ivr.outbound",
            "ivr.audio.voice_coverage",
        ),
    ),
    (
        "web",  # blueprints and commands: Twilio's webhooks, the console, the simulators
        (
            "ivr.voice",
            "ivr.answered",
            "ivr.console",
            "ivr.sim",
            "ivr.cli",
            "ivr.staffline",
            "ivr.callbacks",
            "ivr.destinations",
        ),
    ),
    ("app", ("ivr", "ivr.wsgi", "ivr.__main__")),  # create_app wires every floor below
    # they run an app
    ("tools", ("ivr.sim.connect", "ivr.sim.phone", "ivr.sim.walk", "ivr.sim.voice_session")),
]


def module_files(package_dir: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's __init__)."""
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Which modules of the package each module imports (only modules of the package).

    ``from a.b import c`` is an edge to ``a.b.c`` when that is a module, else to ``a.b``.
    Running ``a/__init__.py`` on the way to ``a.b`` is not an edge of its own: each
    ``__init__`` is a module with its own imports, checked like any other."""
    modules = module_files(package_dir)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        graph[name] = imported(ast.walk(tree), name, is_package, modules) - {name}
    return graph


def imported(
    nodes: Iterable[ast.AST], name: str, is_package: bool, modules: Mapping[str, object]
) -> set[str]:
    """The package's modules that these import statements (of module ``name``) name."""
    here = name if is_package else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                child = f"{source}.{alias.name}"
                targets.add(child if child in modules else source)
    return {target for target in targets if target in modules}


def floor_of(module: str, floors: list[tuple[str, tuple[str, ...]]] = FLOORS) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, floor)
    for number, (_, prefixes) in enumerate(floors):
        for prefix in prefixes:
            inside = module == prefix or (prefix != PACKAGE and module.startswith(prefix + "."))
            if inside and (best is None or len(prefix) > best[0]):
                best = (len(prefix), number)
    return None if best is None else best[1]


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as one circle
    found inside it (a -> b -> ... -> a), so the failure shows the imports to cut."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # the graph is a few hundred modules: recursion is fine
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_circle_in(graph, group) for group in groups]


def _circle_in(graph: Mapping[str, Iterable[str]], group: set[str]) -> list[str]:
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:  # breadth first: the shortest way back to start
        node = frontier.pop(0)
        for other in sorted(graph.get(node, ())):
            if other == start:
                return paths[node] + [start]
            if other in group and other not in paths:
                paths[other] = paths[node] + [other]
                frontier.append(other)
    raise AssertionError("a strongly connected group always has a circle")


def upward_imports(
    graph: Mapping[str, Iterable[str]], floors: list[tuple[str, tuple[str, ...]]] = FLOORS
) -> list[str]:
    wrong = []
    for module in sorted(graph):
        for target in sorted(graph[module]):
            low, high = floor_of(module, floors), floor_of(target, floors)
            if low is not None and high is not None and high > low:
                wrong.append(
                    f"{module} (floor {floors[low][0]}) imports {target} (floor {floors[high][0]})"
                )
    return wrong


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT / PACKAGE)


def test_there_is_no_import_circle_in_ivr(graph):
    assert cycles(graph) == []


def test_no_module_imports_one_on_a_higher_floor(graph):
    assert upward_imports(graph) == []


def test_every_module_is_on_a_floor(graph):
    assert [module for module in sorted(graph) if floor_of(module) is None] == []


def test_the_database_knows_nothing_above_it(graph):
    above = [
        f"{module} -> {target}"
        for module in graph
        if module.startswith("ivr.db")
        for target in graph[module]
        if not target.startswith("ivr.db") and floor_of(target) >= floor_of("ivr.db")
    ]
    assert above == []  # the base floor below it (private files: ivr.atomic) is allowed


def test_the_app_package_runs_only_base_imports_when_a_submodule_is_imported():
    # Importing any ivr.<x> runs ivr/__init__.py first; its module-level imports must stay on
    # the bottom floor, or every module would drag the whole app in (create_app imports the
    # rest when it is called, which the graph above counts as the app floor's edges).
    tree = ast.parse((ROOT / PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    names = imported(tree.body, PACKAGE, True, module_files(ROOT / PACKAGE))
    assert names and {name: FLOORS[floor_of(name)][0] for name in names} == dict.fromkeys(
        names, "base"
    )


MAX_LINES = 500  # issue 16: a module a newcomer can read whole; split by job beyond it


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / PACKAGE).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_drawing_in_the_architecture_doc_is_these_floors():
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Floors", 1)[1].split("\n## ", 1)[0]
    drawn = {}
    for line in section.splitlines():
        match = re.match(r"^\s*\d+\s+(\w+)\s*│(.*)$", line)
        if match:
            drawn[match[1]] = set(re.findall(r"ivr(?:\.[\w]+)*", match[2]))
    assert drawn == {name: set(prefixes) for name, prefixes in FLOORS}


# -- the checker itself finds what it must --------------------------------------------------


def test_the_checker_finds_a_circle_through_a_function_level_import_and_an_upward_import(
    tmp_path,
):
    package = tmp_path / "pkg"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "low" / "__init__.py").write_text("from .store import Store\n")
    (package / "low" / "store.py").write_text(
        "class Store:\n    def run(self):\n        from ..high import helper\n"
    )
    (package / "high.py").write_text("from .low import store\nhelper = 1\n")
    (package / "typing_only.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high import helper\n"
    )
    graph = import_graph(package)
    floors = [("low", ("pkg.low", "pkg.typing_only")), ("high", ("pkg.high",))]

    assert graph["pkg.low.store"] == {"pkg.high"} and graph["pkg.high"] == {"pkg.low.store"}
    assert cycles(graph) == [["pkg.high", "pkg.low.store", "pkg.high"]]
    assert upward_imports(graph, floors) == [
        "pkg.low.store (floor low) imports pkg.high (floor high)",
        "pkg.typing_only (floor low) imports pkg.high (floor high)",
    ]
