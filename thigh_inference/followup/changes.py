"""The change table of one subject: per leg, muscle, group and the total, baseline against follow-up.

Both scans' muscle tables (``CASE_muscles.csv`` of ``thigh_predict``) are read; group
and total rows are computed from the muscles when a table has none. A muscle is
compared only when it was measured whole in both scans: a muscle cut by the field
of view (``partial``) in either scan, a leg outside either scan and a muscle not
segmented are left out with the reason; a group is left out when one of its
muscles is. Values are rounded to what the measurement supports: volumes to
0.1 mL, HU to 0.1, fat fractions to 0.001, percentages to 0.1.

Example:
    >>> rows = subject_changes(pair, read_muscle_table(baseline_csv), read_muscle_table(followup_csv))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from thigh_common.errors import InvalidInputError
from thigh_common.labels import LABELS
from thigh_inference.followup.pairing import Pair, parse_date
from thigh_inference.muscle_groups import KIND_MUSCLE, STRUCTURE_GROUPS, with_group_rows
from thigh_inference.muscle_table import read_case_table

CHANGE_COLUMNS: tuple[str, ...] = (
    "subject",
    "baseline",
    "followup",
    "interval_days",
    "side",
    "kind",
    "structure",
    "volume_ml_baseline",
    "volume_ml_followup",
    "volume_change_ml",
    "volume_change_percent",
    "mean_hu_baseline",
    "mean_hu_followup",
    "mean_hu_change",
    "fat_fraction_baseline",
    "fat_fraction_followup",
    "fat_fraction_change",
    "qc_baseline",
    "qc_followup",
    "compared",
    "left_out_because",
)
ROUNDING = {"ml": 1, "percent": 1, "hu": 1, "fraction": 3}


def read_muscle_table(path: Path) -> pd.DataFrame:
    """Read a ``CASE_muscles.csv``; add the group and total rows when it has none.

    Raises:
        InvalidInputError: If the file is missing or lacks the measurement columns.
    """
    if not path.is_file():
        raise InvalidInputError(f"{path}: no muscle table; was the scan predicted with thigh_predict?")
    table = read_case_table(path)
    needed = {"case", "side", "label", "muscle", "volume_ml", "mean_hu", "fat_fraction"}
    if not needed <= set(table.columns):
        raise InvalidInputError(
            f"{path}: not a muscle table (missing {', '.join(sorted(needed - set(table.columns)))})"
        )
    table["note"] = table["note"].astype(object).where(table["note"].notna(), "") if "note" in table else ""
    table["partial"] = table["partial"].astype(str).eq("True") if "partial" in table else False
    if "kind" not in table:
        table = with_group_rows(table)
    if "qc" not in table:  # written before the quality flags: no flag, in either scan's columns of the merge
        table["qc"] = ""
    table["qc"] = table["qc"].astype(object).where(table["qc"].notna(), "")
    return table


def _left_out(row: pd.Series, scan: str) -> str:
    """Why a muscle of one scan cannot be compared ("" if it can)."""
    if bool(row["partial"]):
        return f"cut by the field of view in the {scan} scan"
    if pd.isna(row["volume_ml"]):
        return f"{row['note'] or 'no measurement'} in the {scan} scan"
    if row["volume_ml"] == 0:
        return f"not segmented in the {scan} scan"
    return ""


def _patient_problem(pair: Pair, baseline: pd.DataFrame, followup: pd.DataFrame) -> str | None:
    if "patient_id" not in baseline or "patient_id" not in followup:
        return None
    first, second = (
        str(t["patient_id"].dropna().iloc[0]) if t["patient_id"].notna().any() else ""
        for t in (baseline, followup)
    )
    if first and second and first != second:
        return (
            f"{pair.subject}: the scans are of different patients (PatientID {first!r} in {pair.baseline}, "
            f"{second!r} in {pair.followup}); check the pairing"
        )
    return None


def _study_date(table: pd.DataFrame, where: str) -> dt.date | None:
    """The StudyDate a muscle table records (column ``study_date``), None when it has none."""
    if "study_date" not in table:
        return None
    dates = table["study_date"].dropna().astype(str)
    dates = dates[dates.str.strip() != ""]
    return parse_date(dates.iloc[0], where) if len(dates) else None


def with_scan_dates(pair: Pair, baseline: pd.DataFrame, followup: pd.DataFrame) -> Pair:
    """``pair`` with each date the pairing file left empty taken from its scan's StudyDate (when recorded)."""
    return dataclasses.replace(
        pair,
        baseline_date=pair.baseline_date or _study_date(baseline, f"{pair.baseline} study_date"),
        followup_date=pair.followup_date or _study_date(followup, f"{pair.followup} study_date"),
    )


def subject_changes(pair: Pair, baseline: pd.DataFrame, followup: pd.DataFrame) -> pd.DataFrame:
    """The change rows of one subject (columns :data:`CHANGE_COLUMNS`).

    The interval comes from the pairing file's dates, else from the scans' DICOM StudyDate.

    Raises:
        InvalidInputError: If the two scans carry different PatientIDs.
    """
    problem = _patient_problem(pair, baseline, followup)
    if problem:
        raise InvalidInputError(problem)
    pair = with_scan_dates(pair, baseline, followup)
    keys = ["side", "kind", "muscle"]
    merged = baseline.merge(followup, on=keys, suffixes=("_b", "_f"), how="inner", validate="one_to_one")
    merged = merged.sort_values("kind", key=lambda kind: kind.ne(KIND_MUSCLE), kind="stable")  # muscles first
    reasons: dict[tuple[str, str], str] = {}
    rows = []
    for _, row in merged.iterrows():
        before = row[[c for c in merged.columns if c.endswith("_b")]].rename(lambda c: c[:-2])
        after = row[[c for c in merged.columns if c.endswith("_f")]].rename(lambda c: c[:-2])
        if row["kind"] == KIND_MUSCLE:
            reason = _left_out(before, "baseline") or _left_out(after, "follow-up")
            reasons[(row["side"], row["muscle"])] = reason
        else:
            members = [LABELS[label] for label in STRUCTURE_GROUPS.get(row["muscle"], ())]
            left_out = [muscle for muscle in members if reasons.get((row["side"], muscle))]
            reason = f"{', '.join(left_out)} left out" if left_out else ""
        rows.append(_change_row(pair, row["side"], row["kind"], row["muscle"], before, after, reason))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def _change_row(
    pair: Pair, side: str, kind: str, name: str, before: pd.Series, after: pd.Series, reason: str
) -> dict[str, object]:
    compared = not reason
    volume_b, volume_f = float(before["volume_ml"]), float(after["volume_ml"])
    with np.errstate(invalid="ignore", divide="ignore"):
        percent = 100.0 * (volume_f - volume_b) / volume_b if compared and volume_b else np.nan
    round_ml, round_hu, round_fraction = ROUNDING["ml"], ROUNDING["hu"], ROUNDING["fraction"]
    return {
        "subject": pair.subject,
        "baseline": pair.baseline,
        "followup": pair.followup,
        "interval_days": pair.interval_days,
        "side": side,
        "kind": kind,
        "structure": name,
        "volume_ml_baseline": round(volume_b, round_ml),
        "volume_ml_followup": round(volume_f, round_ml),
        "volume_change_ml": round(volume_f - volume_b, round_ml) if compared else np.nan,
        "volume_change_percent": round(percent, ROUNDING["percent"]) if compared else np.nan,
        "mean_hu_baseline": round(float(before["mean_hu"]), round_hu),
        "mean_hu_followup": round(float(after["mean_hu"]), round_hu),
        "mean_hu_change": round(float(after["mean_hu"]) - float(before["mean_hu"]), round_hu)
        if compared
        else np.nan,
        "fat_fraction_baseline": round(float(before["fat_fraction"]), round_fraction),
        "fat_fraction_followup": round(float(after["fat_fraction"]), round_fraction),
        "fat_fraction_change": (
            round(float(after["fat_fraction"]) - float(before["fat_fraction"]), round_fraction)
            if compared
            else np.nan
        ),
        "qc_baseline": before.get("qc", ""),
        "qc_followup": after.get("qc", ""),
        "compared": compared,
        "left_out_because": reason,
    }
