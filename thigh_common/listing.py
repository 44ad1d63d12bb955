"""Items named in a message: the first few, then how many there are in all (``a, b, ... (9 in all)``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def listed(items: Sequence[object], limit: int, written: Callable[[object], str] = str) -> str:
    """The first ``limit`` items, each ``written``, joined by commas; ``... (N in all)`` when there are more."""
    shown = ", ".join(written(item) for item in items[:limit])
    return shown if len(items) <= limit else f"{shown}, ... ({len(items)} in all)"
