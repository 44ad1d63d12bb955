"""The one Markdown table writer of ``comparison.md``, ``cv_summary.md`` and the report's ``index.md``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def table(header: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A table of Markdown cells (no trailing newline); ``right`` marks the right-aligned columns."""
    aligns = ("---:" if flag else "---" for flag in (right or [False] * len(header)))
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(aligns) + " |"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
