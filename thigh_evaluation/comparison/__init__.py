"""Compare configurations (2D, 2.5D, 3D U-Net) on their evaluations, as in the paper's Figure 5.

See ``documentation/thigh_compare.md``. The compared metrics are defined here and the other names loaded on
first use, so ``thigh_compare --help`` imports neither pandas nor matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from thigh_common.imports import lazy_exports


@dataclass(frozen=True)
class MetricSpec:
    """How a column of ``metrics.csv`` is shown (axis label with unit, decimals) and which way is better."""

    axis_label: str
    higher_is_better: bool
    decimals: int

    def format(self, value: float) -> str:
        """``value`` with this metric's decimals; NaN as ``"n/a"``."""
        return "n/a" if value is None or math.isnan(value) else f"{value:.{self.decimals}f}"


METRICS: dict[str, MetricSpec] = {
    "dice": MetricSpec("DSC", higher_is_better=True, decimals=3),
    "asd_mm": MetricSpec("ASD (mm)", higher_is_better=False, decimals=2),
    "hd95_mm": MetricSpec("HD95 (mm)", higher_is_better=False, decimals=2),
}
DEFAULT_METRICS: tuple[str, ...] = ("dice", "asd_mm")
_MODULE_EXPORTS: dict[str, tuple[str, ...]] = {
    "pipeline": ("ComparisonResult", "compare", "markdown_report", "load_metrics", "parse_configurations"),
    "tables": ("observation_frame", "summary_table", "ttest_table"),
    "figure": ("plot_boxes",),
}
_EXPORTS = {name: module for module, names in _MODULE_EXPORTS.items() for name in names}

__all__ = sorted([*_EXPORTS, "DEFAULT_METRICS", "METRICS", "MetricSpec"])

__getattr__ = lazy_exports(__name__, _EXPORTS)
