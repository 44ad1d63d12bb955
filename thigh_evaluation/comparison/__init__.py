"""Compare configurations (2D, 2.5D, 3D U-Net) on their evaluations, as in the paper's Figure 5.

- ``loading``: the ``NAME=EVAL_DIR`` arguments and each folder's ``metrics.csv``, checked.
- ``tables``: per-leg observations of each class, group and the mean over classes, their
  statistics (``summary_table``) and paired t-tests (``ttest_table``).
- ``figure.plot_boxes``: box plots per class and over all classes (one or more configurations).
- ``pipeline.compare``: the whole comparison, writing figure, ``comparison.md`` and CSV tables.

The t-test itself is :func:`thigh_evaluation.statistics.paired_t_test`.

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
    "markdown_report": "pipeline",
    "load_metrics": "loading",
    "load_evaluations": "loading",
    "parse_configurations": "loading",
    "observation_frame": "tables",
    "summary_table": "tables",
    "ttest_table": "tables",
    "plot_boxes": "figure",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
