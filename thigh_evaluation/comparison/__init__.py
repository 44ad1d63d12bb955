"""Compare configurations (2D, 2.5D, 3D U-Net) on their evaluations, as in the paper's Figure 5.

See ``documentation/thigh_compare.md``. Names are loaded on first use, so ``thigh_compare --help``
imports neither pandas nor matplotlib.
"""

from __future__ import annotations

from thigh_common.imports import lazy_exports

_EXPORTS: dict[str, str] = {
    "ComparisonResult": "pipeline",
    "compare": "pipeline",
    "markdown_report": "pipeline",
    "load_metrics": "pipeline",
    "parse_configurations": "pipeline",
    "observation_frame": "tables",
    "summary_table": "tables",
    "ttest_table": "tables",
    "plot_boxes": "figure",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
