"""``metrics.csv``: one row per case, leg and structure, in a fixed column layout (an interface).

See "metrics.csv" in ``documentation/thigh_evaluate.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from thigh_common.atomic import atomic_path
from thigh_common.errors import InvalidInputError
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
KEY_COLUMNS: tuple[str, ...] = ("case", "leg", "kind", "structure")  # what identifies a row
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


def read_metrics_csv(path: Path, metrics: Sequence[str] = ("dice", "asd_mm")) -> pd.DataFrame:
    """Read and check a ``metrics.csv``: the one reader of the file (``thigh_compare``, ``thigh_report``, the experiment).

    Text columns stay strings (a case named ``NA`` too); ``metrics`` must be there and hold numbers, undefined
    (NaN) where a cell is empty or ``nan``; ``label`` becomes nullable integers.

    Raises:
        InvalidInputError: If the file is empty or not a CSV table, lacks ``case, leg, kind, structure`` or
            a metric, holds a non-numeric metric, or a row lacks its case, leg, kind or structure.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise InvalidInputError(f"{path} is empty: run thigh_evaluate again") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        reason = str(error).strip().splitlines()[0]
        raise InvalidInputError(
            f"{path} cannot be read as a CSV table ({reason}): run thigh_evaluate again"
        ) from None
    required = [*KEY_COLUMNS, *metrics]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"{path} lacks the column(s) {', '.join(missing)}: expected at least {', '.join(required)} "
            "(the metrics.csv of thigh_evaluate)"
        )
    for column in metrics:
        frame[column] = _numbers(frame[column], path, column)
    for column in set(METRIC_COLUMNS).intersection(frame.columns).difference(metrics):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    if "label" in frame.columns:
        frame["label"] = pd.to_numeric(frame["label"], errors="coerce").astype("Int64")
    incomplete = frame[list(KEY_COLUMNS)].isna().any(axis=1)
    if incomplete.any():
        row = int(incomplete.to_numpy().argmax()) + 2  # header is line 1
        raise InvalidInputError(
            f"{path}: {int(incomplete.sum())} row(s) lack a case, leg, kind or structure (first on line {row})"
        )
    return frame


def _numbers(values: pd.Series, path: Path, column: str) -> pd.Series:
    """``values`` as floats: an empty cell or ``nan`` is NaN, any other text an error."""
    converted = pd.to_numeric(values, errors="coerce")
    bad = values[converted.isna() & values.notna() & (values.str.strip().str.lower() != "nan")]
    if len(bad):
        raise InvalidInputError(
            f"{path}: column {column} has {len(bad)} non-numeric value(s), e.g. {bad.iloc[0]!r}; "
            "expected numbers, or an empty cell / nan where undefined"
        )
    return converted.astype(float)
