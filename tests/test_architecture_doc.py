"""documentation/architecture.md names real files and functions: the map must not drift from the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "documentation" / "architecture.md"
PATH = re.compile(r"`((?:thigh_\w+|dataset_conversion|tests|benchmarks)/[\w/.]*)`")
PATH_AND_NAME = re.compile(r"`((?:thigh_\w+|dataset_conversion)/[\w/]+\.py): (\w+)`")


def defined_names(path: Path) -> set[str]:
    """Functions, classes and module-level assignments of a module (or of every module of a folder)."""
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    names = set()
    for file in files:
        for node in ast.parse(file.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.ClassDef):
                names.add(node.name)
    return names


def test_every_path_the_page_names_exists():
    text = PAGE.read_text(encoding="utf-8")
    missing = [path for path in PATH.findall(text) if not (ROOT / path).exists()]
    assert not missing, missing


def test_every_function_the_page_names_is_defined_where_it_says():
    text = PAGE.read_text(encoding="utf-8")
    pairs = PATH_AND_NAME.findall(text)
    assert len(pairs) > 10
    wrong = [f"{path}: {name}" for path, name in pairs if name not in defined_names(ROOT / path)]
    assert not wrong, wrong


def test_every_row_of_the_where_to_change_what_table_points_at_its_code():
    table = PAGE.read_text(encoding="utf-8").split("## Where to change what", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= 15
    for row in rows:
        _, files, names = (cell.strip() for cell in row.strip("|").split("|"))
        paths = [ROOT / path for path in PATH.findall(files)]
        assert paths, row
        defined = set().union(*(defined_names(path) for path in paths))
        for name in re.findall(r"`(\w+)`", names):
            assert name in defined, f"{name} is not defined in {files}"
