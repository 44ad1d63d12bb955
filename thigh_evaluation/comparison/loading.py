"""Read the evaluations to compare: ``NAME=EVAL_DIR`` arguments and each folder's ``metrics.csv``."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_evaluation.comparison.tables import DEFAULT_METRICS
from thigh_evaluation.metrics_table import KEY_COLUMNS, METRICS_FILE, read_metrics_csv

logger = logging.getLogger(__name__)

COMPARED_KINDS: tuple[str, ...] = ("class", "group")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


def parse_configurations(arguments: Sequence[str]) -> dict[str, Path]:
    """``["2d=evals/2d", "2d5=evals/2d5"]`` as configuration name to evaluation folder, in the order given.

    Raises:
        InvalidInputError: If an argument is not ``NAME=DIR``, or a name repeats.
    """
    configurations: dict[str, Path] = {}
    for argument in arguments:
        name, separator, folder = argument.partition("=")
        if not separator or not _NAME.match(name) or not folder:
            raise InvalidInputError(
                f"expected NAME=EVAL_DIR (e.g. 2d5=evals/2d5; NAME of letters, digits, '_', '.', '+', '-'), "
                f"got {argument!r}"
            )
        if name in configurations:
            raise InvalidInputError(
                f"configuration name {name!r} given twice ({configurations[name]} and {folder}): "
                "give each evaluation its own name"
            )
        configurations[name] = Path(folder)
    return configurations


def load_metrics(folder: Path, metrics: Sequence[str] = DEFAULT_METRICS, name: str = "") -> pd.DataFrame:
    """The rows of kind ``class`` and ``group`` of ``folder/metrics.csv``: key columns and ``metrics``.

    ``name`` (the configuration's) is for messages.

    Raises:
        InvalidInputError: If the folder or file is missing, a column is missing, a metric
            is not numeric, or a case, leg and structure appear more than once.
    """
    folder = Path(folder)
    label = f"evaluation folder of {name}" if name else "evaluation folder"
    if not folder.is_dir():
        raise InvalidInputError(f"{label} not found: {folder} (give the output folder of thigh_evaluate)")
    path = folder / METRICS_FILE
    if not path.is_file():
        raise InvalidInputError(
            f"{folder} has no {METRICS_FILE}: expected the output folder of thigh_evaluate ({label})"
        )
    return _checked_rows(read_metrics_csv(path, metrics), path, list(metrics))


def load_evaluations(
    evaluations: Mapping[str, Path], metrics: Sequence[str] = DEFAULT_METRICS
) -> dict[str, pd.DataFrame]:
    """:func:`load_metrics` of each configuration, in the given order."""
    frames = {name: load_metrics(Path(folder), metrics, name) for name, folder in evaluations.items()}
    for name, frame in frames.items():
        legs = frame[["case", "leg"]].drop_duplicates()
        logger.info(
            "%s: %d case(s), %d leg(s), %d row(s)", name, legs["case"].nunique(), len(legs), len(frame)
        )
    return frames


def _checked_rows(frame: pd.DataFrame, path: Path, metrics: list[str]) -> pd.DataFrame:
    other_kinds = sorted(set(frame["kind"]) - set(COMPARED_KINDS))
    if other_kinds:
        logger.debug("%s: ignoring rows of kind %s", path, ", ".join(other_kinds))
    frame = frame[frame["kind"].isin(COMPARED_KINDS)]
    if frame.empty:
        raise InvalidInputError(f"{path} has no rows of kind class or group: run thigh_evaluate again")
    duplicated = frame.duplicated(list(KEY_COLUMNS), keep=False)
    if duplicated.any():
        repeated = frame[duplicated].drop_duplicates(list(KEY_COLUMNS))
        first = repeated.iloc[0]
        raise InvalidInputError(
            f"{path}: {len(repeated)} case, leg and structure combination(s) appear more than once, e.g. case "
            f"{first['case']}, {first['leg']} leg, {first['kind']} {first['structure']}: each must appear once"
        )
    return frame[[*KEY_COLUMNS, *metrics]].reset_index(drop=True)
