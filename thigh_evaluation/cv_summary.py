"""The cross-validation summary (``thigh_evaluate --cv``): the validation Dice of every fold in one table.

See "Cross-validation summary" in ``documentation/thigh_evaluate.md``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import pandas as pd

from thigh_common.atomic import atomic_path, write_text_atomic
from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABELS, MUSCLE_LABELS
from thigh_evaluation.markdown_table import table
from thigh_evaluation.statistics import describe

logger = logging.getLogger(__name__)

CV_CSV, CV_MARKDOWN = "cv_summary.csv", "cv_summary.md"
VALIDATION_SUMMARY = Path("validation") / "summary.json"
SPLITS_FILE = "splits.json"
FOLD_FOLDER = re.compile(r"fold_(\d+)")
POOLED = "all"
MUSCLES: tuple[str, ...] = tuple(LABELS[label] for label in MUSCLE_LABELS)
LegDice = dict[str, dict[str, float]]  # per validation leg, the Dice of each muscle (NaN where undefined)


def configuration_folder(results: Path, dataset: str, configuration: str) -> Path:
    """``RESULTS/DATASET/CONFIG``, checked to exist.

    Raises:
        InvalidInputError: Naming the datasets or configurations that exist instead.
    """

    def subfolders(folder: Path) -> str:
        found = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
        return ", ".join(found) or "none"

    folder = results / dataset / configuration
    if not folder.parent.is_dir():
        raise InvalidInputError(
            f"no results of dataset {dataset!r} in {results}: datasets there: {subfolders(results)} "
            "(set THIGH_RESULTS or pass --results)"
        )
    if not folder.is_dir():
        raise InvalidInputError(
            f"no {configuration} results of dataset {dataset!r}: {folder} is not a folder; configurations "
            f"trained: {subfolders(folder.parent)} (choose one with -c)"
        )
    return folder


def read_leg_dice(path: Path) -> LegDice:
    """The per-leg Dice of a fold's ``validation/summary.json``.

    Raises:
        InvalidInputError: If the file is not valid JSON or has no ``legs`` with a ``dice`` per leg.
    """
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno} ({error.msg}); "
            "validate the fold again (thigh_train ... --resume) or delete the file"
        ) from error
    legs = content.get("legs") if isinstance(content, dict) else None
    if not isinstance(legs, dict) or not all(
        isinstance(leg, dict) and isinstance(leg.get("dice"), dict) for leg in legs.values()
    ):
        raise InvalidInputError(
            f"{path}: expected a thigh_train validation summary with per-leg Dice under "
            "'legs' -> LEG -> 'dice'; the file does not have them"
        )
    return {
        name: {muscle: _number(leg["dice"].get(muscle)) for muscle in MUSCLES} for name, leg in legs.items()
    }


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def planned_folds(configuration: Path) -> int | None:
    """The number of folds in the ``splits.json`` copied into the fold folders (None if none is there)."""
    counts = set()
    for path in sorted(configuration.glob(f"fold_*/{SPLITS_FILE}")):
        try:
            splits = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            logger.warning("%s: not valid JSON; ignored when counting the planned folds", path)
            continue
        if isinstance(splits, list):
            counts.add(len(splits))
    if len(counts) > 1:
        logger.warning(
            "the fold folders of %s hold splits of different lengths %s", configuration, sorted(counts)
        )
    return max(counts, default=None)


def cv_table(folds: dict[int, LegDice]) -> pd.DataFrame:
    """One row per fold and the pooled row ``all`` (columns ``fold, legs, <muscles>, mean``)."""

    def row(fold: str, legs: LegDice) -> dict[str, object]:
        per_class = {muscle: describe(leg[muscle] for leg in legs.values())["mean"] for muscle in MUSCLES}
        return {"fold": fold, "legs": len(legs), **per_class, "mean": describe(per_class.values())["mean"]}

    pooled = {f"{fold}/{name}": leg for fold, legs in folds.items() for name, leg in legs.items()}
    rows = [*(row(str(fold), legs) for fold, legs in sorted(folds.items())), row(POOLED, pooled)]
    return pd.DataFrame(rows, columns=["fold", "legs", *MUSCLES, "mean"])


def cv_markdown(frame: pd.DataFrame, coverage: str, dataset: str, configuration: str) -> str:
    """``cv_summary.md``: a title, the folds covered, and the table with three decimals (NaN as ``n/a``)."""
    rows = [
        [fold, str(legs), *("n/a" if math.isnan(value) else f"{value:.3f}" for value in values)]
        for fold, legs, *values in frame.itertuples(index=False)
    ]
    return (
        f"# Cross-validation of {dataset}, configuration {configuration}\n\n"
        f"Validation summaries found: {coverage}.\n"
        "Mean Dice per class over each fold's validation legs; `mean` is the mean of the ten class means; "
        f"`{POOLED}` pools the legs of every fold found.\n\n"
        f"{table(list(frame.columns), rows)}\n"
    )


def summarise_cross_validation(results: Path, dataset: str, configuration: str, output: Path | None) -> str:
    """Read every fold's validation summary; write ``cv_summary.csv`` and ``.md`` (default: the config's).

    Returns:
        The text of ``cv_summary.md``.

    Raises:
        InvalidInputError: If the configuration has no results, no fold has a validation summary,
            or a summary cannot be read.
    """
    folder = configuration_folder(results, dataset, configuration)
    summaries = {
        int(m.group(1)): p / VALIDATION_SUMMARY
        for p in folder.iterdir()
        if p.is_dir() and (m := FOLD_FOLDER.fullmatch(p.name))
    }
    folds = {fold: read_leg_dice(path) for fold, path in sorted(summaries.items()) if path.is_file()}
    planned = planned_folds(folder)
    if not folds:
        present = ", ".join(sorted(f"fold_{fold}" for fold in summaries)) or "none"
        raise InvalidInputError(
            f"no fold of {folder} has a validation summary (fold_N/{VALIDATION_SUMMARY.as_posix()}, written when "
            f"thigh_train finishes a fold); fold folders: {present}. Train the folds first "
            f"(thigh_train {configuration} FOLD -d {dataset})"
        )
    expected = set(summaries) if planned is None else set(range(planned))
    missing = ", ".join(map(str, sorted(expected - set(folds))))
    coverage = f"fold(s) {', '.join(map(str, folds))}" + ("" if planned is None else f" of {planned} planned")
    if missing:
        coverage += f"; missing: {missing}"
        logger.warning(
            "%s %s: validation summaries of %s; the table covers only the folds found",
            *(dataset, configuration, coverage),
        )
    elif planned is None:
        logger.warning(
            "%s: no %s in the fold folders, so the planned number of folds is unknown", folder, SPLITS_FILE
        )
    output = output or folder
    frame = cv_table(folds)
    with atomic_path(output / CV_CSV) as temporary:
        frame.to_csv(temporary, index=False, na_rep="", float_format="%.6f")
    markdown = cv_markdown(frame, coverage, dataset, configuration)
    write_text_atomic(markdown, output / CV_MARKDOWN)
    logger.info("cross-validation of %s %s (%s) written to %s", dataset, configuration, coverage, output)
    return markdown
