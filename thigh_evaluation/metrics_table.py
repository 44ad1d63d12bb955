"""``metrics.csv``: one row per case, leg and structure, in a fixed column layout.

Other tools (``thigh_compare``) read this file by its column names, so the names and
their meaning are part of the interface:

``case, leg, kind, label, structure, status, dice, asd_mm, hd95_mm, volume_ref_ml,
volume_pred_ml, volume_diff_ml, volume_diff_pct``

``kind`` is ``class`` or ``group``; ``label`` is the integer label of a class and empty for
a group. An undefined value (NaN) is written as an **empty cell** (``pandas.read_csv``
reads it back as NaN); numbers are written with six decimals.

Example:
    >>> frame = metrics_frame(results)  # doctest: +SKIP
    >>> write_metrics_csv(frame, Path("out/metrics.csv"))  # doctest: +SKIP
    >>> read_metrics_csv(Path("out/metrics.csv")).columns.tolist() == list(METRICS_COLUMNS)  # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from thigh_common.atomic import atomic_path
from thigh_evaluation.case_metrics import CaseResult

METRICS_FILE = "metrics.csv"
IDENTITY_COLUMNS: tuple[str, ...] = ("case", "leg", "kind", "label", "structure", "status")
METRIC_COLUMNS: tuple[str, ...] = (
    "dice",
    "asd_mm",
    "hd95_mm",
    "volume_ref_ml",
    "volume_pred_ml",
    "volume_diff_ml",
    "volume_diff_pct",
)
METRICS_COLUMNS: tuple[str, ...] = IDENTITY_COLUMNS + METRIC_COLUMNS
FLOAT_FORMAT = "%.6f"


def metrics_frame(results: Iterable[CaseResult]) -> pd.DataFrame:
    """The rows of every case, columns :data:`METRICS_COLUMNS`, ``label`` as nullable integers."""
    rows = [score.row() for result in results for score in result.scores]
    frame = pd.DataFrame(rows, columns=list(METRICS_COLUMNS))
    frame["label"] = frame["label"].astype("Int64")
    for column in METRIC_COLUMNS:
        frame[column] = frame[column].astype(float)
    return frame


def write_metrics_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` atomically (NaN as an empty cell, six decimals)."""
    with atomic_path(path) as temporary:
        frame.to_csv(
            temporary, index=False, na_rep="", float_format=FLOAT_FORMAT, columns=list(METRICS_COLUMNS)
        )


def read_metrics_csv(path: Path) -> pd.DataFrame:
    """Read a ``metrics.csv`` back (empty cells become NaN, ``label`` nullable integers)."""
    return pd.read_csv(
        path,
        dtype={"case": str, "leg": str, "kind": str, "label": "Int64", "structure": str, "status": str},
        keep_default_na=False,
        na_values=[""],
    )
