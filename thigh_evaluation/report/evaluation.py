"""The report's Dice and ASD statistics (per class, group, over all classes, per case) from ``metrics.csv``.

See "Statistics" in ``documentation/thigh_report.md``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABEL_BY_NAME
from thigh_evaluation.comparison.tables import ALL_CLASSES, ordered_structures
from thigh_evaluation.metrics_table import read_metrics_csv
from thigh_evaluation.statistics import describe, per_leg_means, scored

logger = logging.getLogger(__name__)

REPORTED_METRICS: tuple[str, ...] = ("dice", "asd_mm")
CLASS_KIND, GROUP_KIND, ALL_KIND = "class", "group", "all"
REPORTED_STATISTICS: tuple[str, ...] = ("mean", "sd", "median", "n")


@dataclass(frozen=True)
class StructureStatistics:
    """Of a class, a group or ``all`` (``all_classes``): per metric ``mean``, ``sd``, ``median``, ``n``."""

    kind: str
    structure: str
    label: int | None
    metrics: dict[str, dict[str, float]]


def read_metrics(path: Path) -> pd.DataFrame:
    """Read a ``metrics.csv`` (:func:`~thigh_evaluation.metrics_table.read_metrics_csv`) that has class rows.

    Raises:
        InvalidInputError: As ``read_metrics_csv``, or if no row is of kind ``class``.
    """
    frame = read_metrics_csv(path, REPORTED_METRICS)
    if not (frame["kind"] == CLASS_KIND).any():
        raise InvalidInputError(
            f"{path} has no row of kind '{CLASS_KIND}' (one per case, leg and muscle): run thigh_evaluate again"
        )
    legs = frame[["case", "leg"]].drop_duplicates()
    logger.info("%s: %d case(s), %d leg(s), %d row(s)", path, legs["case"].nunique(), len(legs), len(frame))
    return frame


def read_missing_predictions(path: Path | None) -> tuple[str, ...]:
    """``cases_missing_prediction`` of ``summary.json``; none (with a warning) if it cannot be read."""
    if path is None:
        return ()
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(summary, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        logger.warning(
            "%s cannot be read (%s); the reference cases without a prediction are not listed", path, error
        )
        return ()
    missing = summary.get("cases_missing_prediction")
    return tuple(str(case) for case in missing) if isinstance(missing, list) else ()


def _statistics(values: pd.DataFrame) -> dict[str, dict[str, float]]:
    return {
        metric: {
            name: float(value)
            for name, value in describe(values[metric]).items()
            if name in REPORTED_STATISTICS
        }
        for metric in REPORTED_METRICS
    }


def _label(rows: pd.DataFrame, structure: str) -> int | None:
    if "label" in rows.columns:
        labels = pd.to_numeric(rows["label"], errors="coerce").dropna()
        if len(labels):
            return int(labels.iloc[0])
    return LABEL_BY_NAME.get(structure)


def structure_statistics(frame: pd.DataFrame) -> list[StructureStatistics]:
    """Classes by label, groups in the label table's order, then ``all`` (the per-leg means over classes)."""
    rows = frame[frame["kind"].isin([CLASS_KIND, GROUP_KIND])]
    present = list(zip(rows["kind"], rows["structure"], strict=True)) + [(ALL_KIND, ALL_CLASSES)]
    result = []
    for kind, structure in ordered_structures(present):
        own = rows[(rows["kind"] == kind) & (rows["structure"] == structure)]
        values = per_leg_means(frame, REPORTED_METRICS) if kind == ALL_KIND else scored(own)
        label = _label(own, structure) if kind == CLASS_KIND else None
        result.append(StructureStatistics(kind, structure, label, _statistics(values)))
    logger.info("Dice and ASD statistics of %d structure(s) computed from metrics.csv", len(result))
    return result


def case_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case: ``legs``, mean ``dice``, ``asd_mm`` of its per-leg means, and the leg-muscles missed.

    ``missing_in_prediction`` counts the leg-muscles the prediction missed: absent from it, or
    present without any overlap with the reference (Dice 0).
    """
    legs = per_leg_means(frame, REPORTED_METRICS)
    cases = legs.groupby("case", sort=False).agg(
        legs=("leg", "size"), dice=("dice", "mean"), asd_mm=("asd_mm", "mean")
    )
    cases["missing_in_prediction"] = 0
    if "status" in frame.columns:
        no_overlap = pd.to_numeric(frame["dice"], errors="coerce").eq(0.0) if "dice" in frame else False
        missed = frame["status"].eq("missing_in_prediction") | no_overlap
        missing = frame[(frame["kind"] == CLASS_KIND) & missed]
        cases["missing_in_prediction"] = (
            missing.groupby("case").size().reindex(cases.index, fill_value=0).astype(int)
        )
    return cases.reset_index()
