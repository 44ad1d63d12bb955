"""``metrics.csv`` (one row per case, leg and structure; an interface) and its summary, ``summary.json/.csv``.

See "metrics.csv" and "summary.json" in ``documentation/thigh_evaluate.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from thigh_common.atomic import atomic_path, write_json_atomic
from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABELS
from thigh_evaluation.case_metrics import (
    ABSENT_IN_BOTH,
    CLASS_KIND,
    GROUP_KIND,
    MISSING_IN_PREDICTION,
    MISSING_IN_REFERENCE,
    STATUSES,
    STRUCTURES,
    CaseResult,
    Structure,
)
from thigh_evaluation.legs import BIN_MM, MIN_GAP_MM
from thigh_evaluation.statistics import STATISTICS, describe, per_leg_means, scored

METRICS_FILE, SUMMARY_JSON, SUMMARY_CSV = "metrics.csv", "summary.json", "summary.csv"
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
OVERALL = "overall"
SECTIONS: dict[str, str] = {CLASS_KIND: "per_class", GROUP_KIND: "groups"}  # summary.json's key per kind
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


def metrics_frame(results: Iterable[CaseResult]) -> pd.DataFrame:
    """The rows of every case, columns :data:`METRICS_COLUMNS`, ``label`` as nullable integers."""
    rows = [asdict(score) for result in results for score in result.scores]
    frame = pd.DataFrame(rows, columns=list(METRICS_COLUMNS))
    return frame.astype({"label": "Int64", **dict.fromkeys(METRIC_COLUMNS, float)})


def write_metrics_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` atomically (NaN as an empty cell, six decimals)."""
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False, na_rep="", float_format="%.6f", columns=list(METRICS_COLUMNS))


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
        values = frame[column]
        frame[column] = pd.to_numeric(values, errors="coerce").astype(float)
        bad = values[frame[column].isna() & values.notna() & (values.str.strip().str.lower() != "nan")]
        if len(bad):
            raise InvalidInputError(
                f"{path}: column {column} has {len(bad)} non-numeric value(s), e.g. {bad.iloc[0]!r}; "
                "expected numbers, or an empty cell / nan where undefined"
            )
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


def _metric_statistics(rows: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    return {metric: describe(rows[metric]) for metric in METRIC_COLUMNS}


def _structure_entry(frame: pd.DataFrame, structure: Structure) -> dict[str, Any]:
    rows = frame[(frame["kind"] == structure.kind) & (frame["structure"] == structure.name)]
    entry = {"label": structure.label} if structure.kind == CLASS_KIND else {"labels": list(structure.labels)}
    counts = {status: int((rows["status"] == status).sum()) for status in STATUSES}
    return entry | {"legs": len(rows), "counts": counts, "metrics": _metric_statistics(scored(rows))}


def _listed(frame: pd.DataFrame, status: str) -> dict[str, dict[str, list[str]]]:
    """Per kind and structure, the ``case/leg`` entries with ``status`` (structures without any left out)."""
    listed: dict[str, dict[str, list[str]]] = {section: {} for section in SECTIONS.values()}
    for (kind, name), group in frame[frame["status"] == status].groupby(["kind", "structure"], sort=False):
        listed[SECTIONS[kind]][name] = list(group["case"] + "/" + group["leg"])
    return listed


def summarise(
    frame: pd.DataFrame,
    reference_folder: Path,
    prediction_folder: Path,
    missing_predictions: Sequence[str],
    legs: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The content of ``summary.json`` (NaN not yet replaced; see :func:`write_summaries`).

    ``missing_predictions`` are the reference cases left out for want of a prediction; ``legs`` is per case
    ``Legs.to_dict()``.
    """
    overall = per_leg_means(frame, METRIC_COLUMNS)
    num_cases = int(frame["case"].nunique())
    return {
        "tool": "thigh_evaluate",
        "reference_folder": str(reference_folder),
        "prediction_folder": str(prediction_folder),
        "num_reference_cases": num_cases + len(missing_predictions),
        "num_cases": num_cases,
        "num_legs": int(frame[["case", "leg"]].drop_duplicates().shape[0]),
        "cases_missing_prediction": list(missing_predictions),
        "cases": legs,
        **{
            section: {s.name: _structure_entry(frame, s) for s in STRUCTURES if s.kind == kind}
            for kind, section in SECTIONS.items()
        },
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


def json_ready(value: Any, decimals: int | None = 6) -> Any:
    """Plain JSON: NaN as null, floats rounded to ``decimals`` (None: not rounded)."""
    if isinstance(value, dict):
        return {key: json_ready(item, decimals) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item, decimals) for item in value]
    if isinstance(value, float):
        return None if math.isnan(value) else value if decimals is None else round(value, decimals)
    return value


def summary_table(summary: dict[str, Any]) -> pd.DataFrame:
    """``summary.csv``: one row per class, group and ``overall``; counts and each metric's statistics."""
    entries = [(kind, *item) for kind, section in SECTIONS.items() for item in summary[section].items()]
    entries.append((OVERALL, OVERALL, summary[OVERALL]))
    statistics = [(metric, stat) for metric in METRIC_COLUMNS for stat in STATISTICS]
    rows = [
        {"kind": kind, "label": entry.get("label"), "structure": name, "legs": entry["legs"]}
        | entry.get("counts", {})
        | {f"{metric}_{stat}": entry["metrics"][metric][stat] for metric, stat in statistics}
        for kind, name, entry in entries
    ]
    integers = ["label", *STATUSES, *(f"{metric}_n" for metric in METRIC_COLUMNS)]
    return pd.DataFrame(rows).astype(dict.fromkeys(integers, "Int64"))


def write_summaries(summary: dict[str, Any], output: Path) -> None:
    """Write ``summary.json`` (NaN as null) and :func:`summary_table` as ``summary.csv`` (four decimals)."""
    write_json_atomic(json_ready(summary), output / SUMMARY_JSON)
    with atomic_path(output / SUMMARY_CSV) as temporary:
        summary_table(summary).to_csv(temporary, index=False, na_rep="", float_format="%.4f")
