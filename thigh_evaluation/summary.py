"""The cohort summary of ``metrics.csv``: ``summary.json`` and the readable ``summary.csv``.

See "summary.json" in ``documentation/thigh_evaluate.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from thigh_common.atomic import atomic_path, write_json_atomic
from thigh_common.labels import LABELS
from thigh_evaluation.case_metrics import (
    ABSENT_IN_BOTH,
    CLASS_KIND,
    GROUP_KIND,
    MISSING_IN_PREDICTION,
    MISSING_IN_REFERENCE,
    STATUSES,
    STRUCTURES,
    Structure,
)
from thigh_evaluation.legs import BIN_MM, MIN_GAP_MM
from thigh_evaluation.metrics_table import METRIC_COLUMNS, METRICS_FILE
from thigh_evaluation.statistics import STATISTICS, describe, per_leg_means, scored

SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"
OVERALL = "overall"
METRIC_DEFINITIONS: dict[str, str] = {
    "dice": "2|P&R|/(|P|+|R|) of the leg's prediction P and reference R; 0 when only one has the structure, "
    "undefined when neither has it",
    "asd_mm": "average symmetric surface distance (medpy assd): mean of the distances from every surface voxel "
    "of P to the nearest surface voxel of R and from every surface voxel of R to P, taken together; surface = "
    "mask XOR its erosion with 6-connectivity (border 0); Euclidean distances in mm with the voxel spacing; "
    "undefined unless both have the structure",
    "hd95_mm": "95th percentile (linear interpolation) of the same surface distances of both directions "
    "together (medpy hd95); undefined unless both have the structure",
    "volume_ref_ml": "reference voxel count x voxel volume, in mL",
    "volume_pred_ml": "predicted voxel count x voxel volume, in mL",
    "volume_diff_ml": "volume_pred_ml - volume_ref_ml; undefined when neither has the structure",
    "volume_diff_pct": "100 x volume_diff_ml / volume_ref_ml; undefined when the reference is empty",
}
LEG_SPLIT_RULE = (
    f"world x (LPS, +x = patient left) of the reference's labelled voxels in {BIN_MM:g} mm bins; the widest empty "
    f"run between them, if at least {MIN_GAP_MM:g} mm, separates two legs at its centre (x above = left leg), "
    "applied to reference and prediction alike; otherwise one leg, left if the mean x of vastus_lateralis is "
    "greater than that of the adductors, else right (lateral 3+8 against medial 5+6+7 when one is missing)"
)


@dataclass(frozen=True)
class SummaryContext:
    """What the summary records besides the metrics; ``legs``: per case ``Legs.to_dict()``."""

    reference_folder: Path
    prediction_folder: Path
    num_reference_cases: int
    missing_predictions: tuple[str, ...]
    legs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _metric_statistics(rows: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    return {metric: describe(rows[metric]) for metric in METRIC_COLUMNS}


def _structure_entry(frame: pd.DataFrame, structure: Structure) -> dict[str, Any]:
    rows = frame[(frame["kind"] == structure.kind) & (frame["structure"] == structure.name)]
    entry: dict[str, Any] = {"label": structure.label} if structure.kind == CLASS_KIND else {}
    if structure.kind == GROUP_KIND:
        entry["labels"] = list(structure.labels)
    entry["legs"], entry["counts"] = (
        len(rows),
        {status: int((rows["status"] == status).sum()) for status in STATUSES},
    )
    return entry | {"metrics": _metric_statistics(scored(rows))}


def _listed(frame: pd.DataFrame, status: str) -> dict[str, dict[str, list[str]]]:
    """Per kind and structure, the ``case/leg`` entries with ``status`` (structures without any left out)."""
    listed: dict[str, dict[str, list[str]]] = {"per_class": {}, "groups": {}}
    for kind, key in ((CLASS_KIND, "per_class"), (GROUP_KIND, "groups")):
        rows = frame[(frame["kind"] == kind) & (frame["status"] == status)]
        for name, group in rows.groupby("structure", sort=False):
            listed[key][str(name)] = [
                f"{case}/{leg}" for case, leg in zip(group["case"], group["leg"], strict=True)
            ]
    return listed


def summarise(frame: pd.DataFrame, context: SummaryContext) -> dict[str, Any]:
    """The content of ``summary.json`` (NaN not yet replaced; see :func:`write_summaries`)."""
    overall = per_leg_means(frame, METRIC_COLUMNS)
    return {
        "tool": "thigh_evaluate",
        "reference_folder": str(context.reference_folder),
        "prediction_folder": str(context.prediction_folder),
        "num_reference_cases": context.num_reference_cases,
        "num_cases": int(frame["case"].nunique()),
        "num_legs": int(frame[["case", "leg"]].drop_duplicates().shape[0]),
        "cases_missing_prediction": list(context.missing_predictions),
        "cases": context.legs,
        "per_class": {s.name: _structure_entry(frame, s) for s in STRUCTURES if s.kind == CLASS_KIND},
        "groups": {s.name: _structure_entry(frame, s) for s in STRUCTURES if s.kind == GROUP_KIND},
        OVERALL: {
            "description": "per leg, each metric averaged over the ten classes where defined; then over legs",
            "legs": len(overall),
            "metrics": _metric_statistics(overall),
        },
        **{
            status: _listed(frame, status)
            for status in (ABSENT_IN_BOTH, MISSING_IN_PREDICTION, MISSING_IN_REFERENCE)
        },
        "metric_definitions": METRIC_DEFINITIONS,
        "statistics": "over legs where the metric is defined (absent_in_both legs left out): mean; sd with ddof=1; "
        "median, q25, q75 by linear interpolation; iqr = q75 - q25; n = number of legs",
        "leg_split": LEG_SPLIT_RULE,
        "metrics_csv": f"{METRICS_FILE}: one row per case, leg and structure; an undefined value is an empty cell",
        "labels": {str(label): name for label, name in LABELS.items()},
    }


def _to_json(value: Any) -> Any:
    """Plain JSON: NaN as null, floats rounded to six decimals."""
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


def summary_table(summary: dict[str, Any]) -> pd.DataFrame:
    """``summary.csv``: one row per class, group and ``overall``; counts and each metric's statistics."""
    rows = []
    for kind, entries in (
        (CLASS_KIND, summary["per_class"]),
        (GROUP_KIND, summary["groups"]),
        (OVERALL, {OVERALL: summary[OVERALL]}),
    ):
        for name, entry in entries.items():
            row = {"kind": kind, "label": entry.get("label"), "structure": name, "legs": entry["legs"]}
            statistics = {
                f"{metric}_{stat}": values[stat]
                for metric, values in entry["metrics"].items()
                for stat in STATISTICS
            }
            rows.append(row | entry.get("counts", {}) | statistics)
    integers = ["label", *STATUSES, *(f"{metric}_n" for metric in METRIC_COLUMNS)]
    return pd.DataFrame(rows).astype(dict.fromkeys(integers, "Int64"))


def write_summaries(summary: dict[str, Any], output: Path) -> None:
    """Write ``summary.json`` (NaN as null) and :func:`summary_table` as ``summary.csv`` (four decimals)."""
    write_json_atomic(_to_json(summary), output / SUMMARY_JSON)
    with atomic_path(output / SUMMARY_CSV) as temporary:
        summary_table(summary).to_csv(temporary, index=False, na_rep="", float_format="%.4f")
