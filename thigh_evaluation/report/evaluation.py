"""Read the evaluation of ``thigh_evaluate``: ``metrics.csv`` (checked) and ``summary.json`` (if usable).

``metrics.csv`` is long format, one row per case, leg and structure, with at least the columns
``case, leg, kind, structure, dice, asd_mm``; an undefined value is an empty cell or ``nan``.
``summary.json`` is read defensively: a file that is not a JSON object gives a warning and the
report computes its statistics from ``metrics.csv`` instead.

Example:
    >>> frame = read_metrics(Path("eval/metrics.csv"))  # doctest: +SKIP
    >>> sorted(set(frame["kind"]))  # doctest: +SKIP
    ['class', 'group']
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from thigh_common.errors import InvalidInputError

logger = logging.getLogger(__name__)

TEXT_COLUMNS: tuple[str, ...] = ("case", "leg", "kind", "structure", "status")
REQUIRED_COLUMNS: tuple[str, ...] = ("case", "leg", "kind", "structure", "dice", "asd_mm")
REPORTED_METRICS: tuple[str, ...] = ("dice", "asd_mm")
CLASS_KIND = "class"
GROUP_KIND = "group"


def read_metrics(path: Path) -> pd.DataFrame:
    """Read and check a ``metrics.csv`` of ``thigh_evaluate``.

    Args:
        path: The file.

    Returns:
        Its rows, the text columns as strings and ``dice``, ``asd_mm`` as floats (NaN where undefined).

    Raises:
        InvalidInputError: If the file is empty or not a table, lacks a required column, holds a
            non-numeric metric, or has no row of kind ``class``.
    """
    try:
        frame = pd.read_csv(path, dtype={column: str for column in TEXT_COLUMNS})
    except pd.errors.EmptyDataError:
        raise InvalidInputError(f"{path} is empty: run thigh_evaluate again") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        reason = str(error).strip().splitlines()[0]
        raise InvalidInputError(
            f"{path} cannot be read as a CSV table ({reason}): run thigh_evaluate again"
        ) from None
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"{path} lacks the column(s) {', '.join(missing)}: expected the metrics.csv of thigh_evaluate "
            f"with at least {', '.join(REQUIRED_COLUMNS)}"
        )
    for column in REPORTED_METRICS:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[column][values.isna() & frame[column].notna()]
        if len(bad):
            raise InvalidInputError(
                f"{path}: column {column} has {len(bad)} non-numeric value(s), e.g. {bad.iloc[0]!r}; "
                "expected numbers, or an empty cell / nan where undefined"
            )
        frame[column] = values.astype(float)
    if not (frame["kind"] == CLASS_KIND).any():
        raise InvalidInputError(
            f"{path} has no row of kind '{CLASS_KIND}' (one per case, leg and muscle): run thigh_evaluate again"
        )
    legs = frame[["case", "leg"]].drop_duplicates()
    logger.info("%s: %d case(s), %d leg(s), %d row(s)", path, legs["case"].nunique(), len(legs), len(frame))
    return frame


def read_summary(path: Path | None) -> dict[str, Any] | None:
    """Read ``summary.json``; None (with a warning) when absent, not JSON or not an object."""
    if path is None:
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        logger.warning("%s cannot be read (%s); statistics are computed from metrics.csv", path, error)
        return None
    if not isinstance(summary, dict):
        logger.warning("%s is not a JSON object; statistics are computed from metrics.csv", path)
        return None
    logger.debug("%s: keys %s", path, ", ".join(summary))
    return summary
