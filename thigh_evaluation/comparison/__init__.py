"""Compare configurations (2D, 2.5D, 3D U-Net) on their evaluations, as in the paper's Figure 5.

- ``loading.load_metrics``: one ``metrics.csv`` of ``thigh_evaluate``, checked.
- ``observations.observation_frame``: per-leg values of each class, group and the mean over classes.
- ``statistics.paired_t_test``: the paired Student t-test of one structure and its mark.
- ``figure.plot_boxes``: box plots per class and over all classes (one or more configurations).
- ``pipeline.compare``: the whole comparison, writing figure, markdown and CSV tables.

The names above are importable from this package directly; they are loaded on first use so that
``thigh_compare --help`` does not import pandas or matplotlib.

Example:
    >>> from pathlib import Path
    >>> from thigh_evaluation.comparison import compare
    >>> result = compare({"2d": Path("evals/2d"), "2d5": Path("evals/2d5")}, Path("comparison"))  # doctest: +SKIP
    >>> result.tests[["structure", "p", "mark"]]  # doctest: +SKIP
"""

from __future__ import annotations

from thigh_common.imports import lazy_exports

_EXPORTS: dict[str, str] = {
    "ComparisonResult": "pipeline",
    "compare": "pipeline",
    "load_metrics": "loading",
    "load_evaluations": "loading",
    "parse_configurations": "loading",
    "observation_frame": "observations",
    "PairedTest": "statistics",
    "paired_t_test": "statistics",
    "significance_mark": "statistics",
    "plot_boxes": "figure",
    "summary_table": "descriptive",
    "ttest_table": "paired_tests",
    "markdown_report": "markdown",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
