"""Dependencies run one way: the top-level packages form layers, and no modules import each other in a circle.

Every import of every module counts, also those inside functions and under ``TYPE_CHECKING``:
a deferred import hides a cycle from Python, not from the design. The layers, lowest first::

    thigh_common < dataset_conversion < thigh_planner < thigh_networks
        < thigh_inference < thigh_trainer < thigh_evaluation

A package may import its own layer and the ones below it, never one above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS: tuple[str, ...] = (
    "thigh_common",
    "dataset_conversion",
    "thigh_planner",
    "thigh_networks",
    "thigh_inference",
    "thigh_trainer",
    "thigh_evaluation",
)


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the layered packages by dotted name (a package by the name of its ``__init__``)."""
    modules = {}
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that module ``name`` imports anywhere in its file.

    ``from a import b`` imports module ``a.b`` where that is a module, else (a name of) ``a``;
    relative imports are resolved; an import of a submodule of no known module is left out.
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    named = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            named |= {f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names}
    found = set()
    for imported in named:
        while imported and imported not in modules:
            imported = imported.rpartition(".")[0]
        if imported and imported != name:
            found.add(imported)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of the layered packages it imports."""
    modules = module_files(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def package_edges(graph: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the module imports behind the edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for name, targets in graph.items():
        for target in targets:
            source_package, target_package = name.split(".")[0], target.split(".")[0]
            if source_package != target_package:
                edges.setdefault((source_package, target_package), []).append(f"{name} -> {target}")
    return edges


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
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_every_layered_package_is_installed_by_setup_py():
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert [p for p in LAYERS if f'"{p}*"' not in setup] == []


def test_packages_import_only_their_own_layer_and_the_ones_below(graph):
    upward = {
        f"{source} -> {target}": sorted(imports)[:5]
        for (source, target), imports in package_edges(graph).items()
        if LAYERS.index(target) > LAYERS.index(source)
    }
    assert upward == {}


def test_no_cycle_between_top_level_packages(graph):
    packages = {source: set() for source in LAYERS}
    for source, target in package_edges(graph):
        packages[source].add(target)
    assert cycles(packages) == []


def test_no_cycle_between_modules(graph):
    assert cycles(graph) == []


def test_inference_needs_the_planner_and_the_networks_not_the_trainer(graph):
    imported = {target for source, target in package_edges(graph) if source == "thigh_inference"}
    assert "thigh_trainer" not in imported
    assert {"thigh_planner", "thigh_networks"} <= imported


def write_package(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checks_find_a_deferred_import_upward_and_a_type_checking_cycle(tmp_path):
    write_package(
        tmp_path,
        {
            "thigh_common/__init__.py": "",
            "thigh_common/a.py": "def f():\n    from thigh_trainer.b import g\n",
            "thigh_trainer/__init__.py": "",
            "thigh_trainer/b.py": (
                "import thigh_common\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import c\n"
            ),
            "thigh_trainer/c.py": "from thigh_trainer import b\n",
        },
    )
    graph = import_graph(tmp_path)
    assert graph["thigh_common.a"] == {"thigh_trainer.b"}
    assert cycles(graph) == [["thigh_trainer.b", "thigh_trainer.c"]]
    edges = package_edges(graph)
    assert set(edges) == {("thigh_common", "thigh_trainer"), ("thigh_trainer", "thigh_common")}
    assert cycles({"thigh_common": {"thigh_trainer"}, "thigh_trainer": {"thigh_common"}}) == [
        ["thigh_common", "thigh_trainer"]
    ]
