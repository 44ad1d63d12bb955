"""Print the size of Python packages: lines, code lines (no docstrings, comments or blanks) and statements.

Usage: ``python scripts/code_size.py thigh_evaluation [FOLDER ...]`` (one row per file, then a total).
The figures of issue 14's structure work were measured with it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def _docstring_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def file_size(path: Path) -> tuple[int, int, int]:
    """``(lines, code lines, statements)`` of one Python file."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    docstrings = _docstring_lines(tree)
    code = sum(
        1
        for number, line in enumerate(text.splitlines(), start=1)
        if number not in docstrings and line.strip() and not line.strip().startswith("#")
    )
    statements = sum(isinstance(node, ast.stmt) for node in ast.walk(tree))
    return len(text.splitlines()), code, statements


def main(folders: list[str]) -> None:
    """Print a row per file and the total of each folder."""
    for folder in folders:
        totals = [0, 0, 0]
        for path in sorted(Path(folder).rglob("*.py")):
            size = file_size(path)
            totals = [total + value for total, value in zip(totals, size, strict=True)]
            print(f"{size[0]:6d} {size[1]:6d} {size[2]:6d}  {path}")
        print(f"{totals[0]:6d} {totals[1]:6d} {totals[2]:6d}  {folder} (lines, code lines, statements)")


if __name__ == "__main__":
    main(sys.argv[1:] or ["thigh_evaluation"])
