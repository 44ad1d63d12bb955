"""The metrics a comparison can test, with their display names and which direction is better.

Example:
    >>> METRICS["asd_mm"].higher_is_better
    False
    >>> METRICS["dice"].format(0.91234)
    '0.912'
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    """How one column of ``metrics.csv`` is compared and shown.

    Attributes:
        column: Column name in ``metrics.csv``.
        title: Name in figures and tables (the paper's "DSC", "ASD").
        unit: Unit shown after the title, or "" for none.
        higher_is_better: True for overlap (Dice), False for distances.
        decimals: Decimals of means and SDs in the tables.
    """

    column: str
    title: str
    unit: str
    higher_is_better: bool
    decimals: int

    @property
    def axis_label(self) -> str:
        """Title with unit, e.g. ``"ASD (mm)"``."""
        return f"{self.title} ({self.unit})" if self.unit else self.title

    def format(self, value: float) -> str:
        """``value`` with this metric's decimals; NaN as ``"n/a"``."""
        return "n/a" if value is None or math.isnan(value) else f"{value:.{self.decimals}f}"


METRICS: dict[str, MetricSpec] = {
    "dice": MetricSpec("dice", "DSC", "", higher_is_better=True, decimals=3),
    "asd_mm": MetricSpec("asd_mm", "ASD", "mm", higher_is_better=False, decimals=2),
    "hd95_mm": MetricSpec("hd95_mm", "HD95", "mm", higher_is_better=False, decimals=2),
}

DEFAULT_METRICS: tuple[str, ...] = ("dice", "asd_mm")
