"""Dice and ASD statistics of the report (per class and group, over all classes, per case).

See "Statistics" in ``documentation/thigh_report.md``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABEL_BY_NAME
from thigh_evaluation.comparison.tables import ALL_CLASSES, ordered_structures
from thigh_evaluation.metrics_table import read_metrics_csv
from thigh_evaluation.statistics import describe, per_leg_means

logger = logging.getLogger(__name__)

REPORTED_METRICS: tuple[str, ...] = ("dice", "asd_mm")
CLASS_KIND = "class"
GROUP_KIND = "group"
ALL_KIND = "all"
ABSENT_IN_BOTH = "absent_in_both"
REPORTED_STATISTICS: tuple[str, ...] = ("mean", "sd", "median", "n")
_SUMMARY_SECTIONS: dict[str, str] = {CLASS_KIND: "per_class", GROUP_KIND: "groups", ALL_KIND: "overall"}
_TOLERANCE = 1e-4
"""``summary.json`` rounds to six decimals; larger differences mean it is not of this ``metrics.csv``."""

Statistics = dict[str, float]


@dataclass(frozen=True)
class StructureStatistics:
    """Dice and ASD statistics of one structure.

    Attributes:
        kind: ``class``, ``group`` or ``all`` (the per-leg mean over classes).
        structure: Muscle or group name, or ``all_classes``.
        label: Label of a class; None otherwise.
        metrics: Per metric (``dice``, ``asd_mm``): ``mean``, ``sd``, ``median``, ``n``.
        source: ``summary.json`` or ``metrics.csv``.
    """

    kind: str
    structure: str
    label: int | None
    metrics: dict[str, Statistics]
    source: str


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


def _scored(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that count: without those of structures absent from both maps (if ``status`` says so)."""
    return frame[frame["status"] != ABSENT_IN_BOTH] if "status" in frame.columns else frame


def _computed(values: pd.DataFrame) -> dict[str, Statistics]:
    return {
        metric: {
            name: float(value)
            for name, value in describe(values[metric]).items()
            if name in REPORTED_STATISTICS
        }
        for metric in REPORTED_METRICS
    }


def _number(value: Any) -> float | None:
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _from_summary(
    summary: Mapping[str, Any] | None, kind: str, structure: str
) -> dict[str, Statistics] | None:
    """The statistics of one structure in ``summary.json``; None if any key or number is missing."""
    if summary is None:
        return None
    section = summary.get(_SUMMARY_SECTIONS[kind])
    entry = section if kind == ALL_KIND else section.get(structure) if isinstance(section, dict) else None
    metrics = entry.get("metrics") if isinstance(entry, dict) else None
    if not isinstance(metrics, dict):
        return None
    result: dict[str, Statistics] = {}
    for metric in REPORTED_METRICS:
        statistics = metrics.get(metric)
        if not isinstance(statistics, dict):
            return None
        numbers = {name: _number(statistics.get(name, "missing")) for name in REPORTED_STATISTICS}
        if any(value is None for value in numbers.values()):
            return None
        result[metric] = {name: float(value) for name, value in numbers.items() if value is not None}
    return result


def _agree(first: dict[str, Statistics], second: dict[str, Statistics]) -> bool:
    for metric in REPORTED_METRICS:
        for name in REPORTED_STATISTICS:
            a, b = first[metric][name], second[metric][name]
            if math.isnan(a) and math.isnan(b):
                continue
            if math.isnan(a) or math.isnan(b) or abs(a - b) > _TOLERANCE * max(1.0, abs(b)):
                return False
    return True


def _label(frame: pd.DataFrame, structure: str) -> int | None:
    if "label" in frame.columns:
        labels = pd.to_numeric(frame.loc[frame["structure"] == structure, "label"], errors="coerce").dropna()
        if len(labels):
            return int(labels.iloc[0])
    return LABEL_BY_NAME.get(structure)


def structure_statistics(frame: pd.DataFrame, summary: Mapping[str, Any] | None) -> list[StructureStatistics]:
    """Statistics of every class and group of ``metrics.csv``, then of "all classes".

    Args:
        frame: Rows of ``metrics.csv`` (:func:`read_metrics`).
        summary: ``summary.json`` of the same evaluation, or None.

    Returns:
        Classes by label, groups in the label table's order, then the ``all`` row.
    """
    rows = frame[frame["kind"].isin([CLASS_KIND, GROUP_KIND])]
    present = list(zip(rows["kind"], rows["structure"], strict=True)) + [(ALL_KIND, ALL_CLASSES)]
    result = []
    mismatched = []
    for kind, structure in ordered_structures(present):
        if kind == ALL_KIND:
            computed = _computed(per_leg_means(frame, REPORTED_METRICS))
        else:
            computed = _computed(_scored(rows[(rows["kind"] == kind) & (rows["structure"] == structure)]))
        stored = _from_summary(summary, kind, structure)
        if stored is not None and not _agree(stored, computed):
            mismatched.append(f"{kind} {structure}")
            stored = None
        label = _label(rows, structure) if kind == CLASS_KIND else None
        source = "metrics.csv" if stored is None else "summary.json"
        result.append(StructureStatistics(kind, structure, label, stored or computed, source))
    from_summary = sum(row.source == "summary.json" for row in result)
    logger.info(
        "Dice and ASD statistics of %d structure(s): %d from summary.json, %d computed from metrics.csv",
        len(result), from_summary, len(result) - from_summary,
    )  # fmt: skip
    if mismatched:
        logger.warning(
            "summary.json disagrees with metrics.csv for %s (is it of another run?); using metrics.csv",
            ", ".join(mismatched),
        )
    return result


def case_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """Per case: legs, mean Dice and mean ASD, and the muscles the prediction missed.

    The means are over the case's legs of the per-leg means over classes (as "all classes").

    Returns:
        Columns ``case``, ``legs``, ``dice``, ``asd_mm``, ``missing_in_prediction`` (class rows
        with that status; 0 without a ``status`` column), one row per case in order of appearance.
    """
    legs = per_leg_means(frame, REPORTED_METRICS)
    cases = legs.groupby("case", sort=False).agg(
        legs=("leg", "size"), dice=("dice", "mean"), asd_mm=("asd_mm", "mean")
    )
    classes = frame[frame["kind"] == CLASS_KIND]
    if "status" in classes.columns:
        missing = classes[classes["status"] == "missing_in_prediction"].groupby("case").size()
        cases["missing_in_prediction"] = missing.reindex(cases.index, fill_value=0).astype(int)
    else:
        cases["missing_in_prediction"] = 0
    return cases.reset_index()
