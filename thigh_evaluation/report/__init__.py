"""The report folder of a trained model and its evaluation (``thigh_report``).

``build_report`` gathers what ``thigh_train``, ``thigh_predict`` and ``thigh_evaluate`` wrote
into one folder that a new user opens first: ``index.html`` and ``index.md`` with the Dice and
ASD per muscle, per case, a box plot, the training curve and each case's overlay, plus copies
of the files they show. See ``documentation/thigh_report.md``.

The name is loaded on first use, so that ``thigh_report --help`` imports neither pandas nor
matplotlib.

Example:
    >>> from pathlib import Path
    >>> from thigh_evaluation.report import build_report
    >>> build_report(Path("pred"), Path("eval"), Path("results/Demo/2d5/fold_0"), Path("report"))  # doctest: +SKIP
    PosixPath('report/index.html')
"""

from __future__ import annotations

from thigh_common.imports import lazy_exports

_EXPORTS: dict[str, str] = {"build_report": "build", "DEMO_NOTE": "contents"}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
