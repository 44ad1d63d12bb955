"""Per-leg, per-muscle measurements of a predicted scan, and their summary over a cohort.

For every leg and muscle: volume (mL), mean and standard deviation of the HU
(sample SD, ``ddof=1``), the fat fraction (share of the muscle's voxels in
-190 .. -30 HU, intramuscular fat) and the lean volume (voxels above -30 and up
to 150 HU; for integer HU that is -29 .. 150). Everything is computed with
``np.bincount`` over the labelled voxels only, in float64.

The side of a voxel comes from its world position: the caller gives a boolean
``is_left`` mask ``(z, y, x)``, or a callable that answers for voxel indices
(:func:`left_of_plane` builds one from the midline plane without a full-volume
array). When only one leg is in the scan, every labelled voxel belongs to it.
Both come from :mod:`thigh_inference.leg_sides`, the left/right rule that
``thigh_evaluate`` shares.

The ``note`` column says why a row holds no values (leg not in the field of
view, muscle not segmented) and carries a note on the whole scan, e.g. a DICOM
series with missing slices, whose volumes are then approximate; several notes
are joined by ``"; "``. ``partial`` is False here; a muscle cut by the scan's
field of view is marked by :func:`thigh_inference.partial_muscles.mark_partial`.
The cohort summary carries ``partial_left``, ``partial_right`` and the rows' notes.

Example:
    >>> table = case_table(labels, hu, image.GetSpacing(), left_of_plane(image, plane),
    ...                    {"left", "right"}, "case_01")  # doctest: +SKIP
    >>> summary = summary_table([table, other_table])  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from thigh_common.atomic import atomic_path
from thigh_common.labels import LABELS, MUSCLE_LABELS, NUM_CLASSES
from thigh_inference.leg_sides import SIDES, SideOfVoxels, voxel_sides
from thigh_inference.leg_sides import left_of_plane as left_of_plane  # re-exported: thigh_predict's side rule
from thigh_inference.muscle_groups import KIND_MUSCLE, STRUCTURE_GROUPS, with_group_rows

TABLE_SUFFIX = "_muscles.csv"
"""A scan's muscle table is ``CASE_muscles.csv`` in the output folder of ``thigh_predict``."""
SUMMARY_FILE = "summary.csv"
"""The cohort summary of an output folder."""
FAT_HU: tuple[float, float] = (-190.0, -30.0)
"""Fat: ``FAT_HU[0] <= HU <= FAT_HU[1]``."""
LEAN_HU: tuple[float, float] = (-30.0, 150.0)
"""Lean muscle: ``LEAN_HU[0] < HU <= LEAN_HU[1]`` (-29 .. 150 for integer HU)."""
MISSING_LEG_NOTE = "leg not in the field of view"
MISSING_MUSCLE_NOTE = "muscle not segmented"
CASE_COLUMNS: tuple[str, ...] = (
    "case",
    "side",
    "label",
    "muscle",
    "volume_ml",
    "mean_hu",
    "sd_hu",
    "fat_fraction",
    "lean_volume_ml",
    "partial",
    "note",
)
SUMMARY_VALUES: tuple[str, ...] = ("volume_ml", "mean_hu", "fat_fraction")
SUMMARY_FLAGS: tuple[str, ...] = (
    "qc_left",
    "qc_right",
    "checks_left",
    "checks_right",
    "partial_left",
    "partial_right",
)
IDENTITY_COLUMNS: tuple[str, str] = ("patient_id", "study_date")
"""The last columns of a table written by ``thigh_predict``: DICOM PatientID and StudyDate (``""`` when unknown)."""


def case_table(
    labels: np.ndarray,
    image_hu: np.ndarray,
    spacing_mm: Iterable[float],
    is_left: np.ndarray | SideOfVoxels | None,
    legs_present: set[str],
    case_id: str,
    scan_note: str = "",
) -> pd.DataFrame:
    """Measure every muscle of every leg of one scan.

    Args:
        labels: Integer labels ``(z, y, x)`` on the scan's grid, values 0..10.
        image_hu: The scan in HU ``(z, y, x)``.
        spacing_mm: Voxel spacing (any axis order; only the product is used).
        is_left: Bool mask ``(z, y, x)`` or side function (True = patient left);
            may be None when at most one leg is present.
        legs_present: The legs in the scan's field of view, subset of ``{"left", "right"}``.
        case_id: The scan's name (column ``case``).
        scan_note: A note on the whole scan (e.g. from
            :func:`thigh_common.image_io.reading_note`), added to every row's note.

    Returns:
        One row per side (right, left) and muscle with the columns of :data:`CASE_COLUMNS`;
        a missing leg's rows hold NaN and the note "leg not in the field of view";
        ``partial`` is False in every row.

    Raises:
        ValueError: If shapes differ, ``legs_present`` names an unknown side, or
            both legs are present and ``is_left`` is None.
    """
    if labels.shape != image_hu.shape:
        raise ValueError(f"labels {labels.shape} and image {image_hu.shape} differ in shape")
    unknown = set(legs_present) - set(SIDES)
    if unknown:
        raise ValueError(f"legs_present holds {sorted(unknown)}; expected 'left' and/or 'right'")
    voxel_ml = float(np.prod([float(value) for value in spacing_mm])) / 1000.0
    flat_indices = np.flatnonzero(labels)
    label_of = labels.reshape(-1)[flat_indices].astype(np.intp)
    if label_of.size and label_of.max() >= NUM_CLASSES:
        raise ValueError(f"label value {label_of.max()} outside the label table 0 .. {NUM_CLASSES - 1}")
    hu = image_hu.reshape(-1)[flat_indices].astype(np.float64)
    sides = voxel_sides(flat_indices, labels.shape, is_left, legs_present) if legs_present else label_of * 0
    key = sides * NUM_CLASSES + label_of
    bins = len(SIDES) * NUM_CLASSES
    count = np.bincount(key, minlength=bins).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(key, weights=hu, minlength=bins) / count
        squares = np.bincount(key, weights=(hu - mean[key]) ** 2, minlength=bins)
        sd = np.sqrt(squares / (count - 1))
        fat = np.bincount(key, weights=(hu >= FAT_HU[0]) & (hu <= FAT_HU[1]), minlength=bins) / count
    sd[count < 2] = np.nan
    lean = np.bincount(key, weights=(hu > LEAN_HU[0]) & (hu <= LEAN_HU[1]), minlength=bins)
    rows = []
    for side_index, side in enumerate(SIDES):
        for label in MUSCLE_LABELS:
            row: dict[str, object] = {"case": case_id, "side": side, "label": label, "muscle": LABELS[label]}
            if side not in legs_present:
                row.update(dict.fromkeys(CASE_COLUMNS[4:9], np.nan), partial=False, note=MISSING_LEG_NOTE)
            else:
                k = side_index * NUM_CLASSES + label
                row.update(
                    volume_ml=count[k] * voxel_ml,
                    mean_hu=mean[k],
                    sd_hu=sd[k],
                    fat_fraction=fat[k],
                    lean_volume_ml=lean[k] * voxel_ml,
                    partial=False,
                    note="" if count[k] else MISSING_MUSCLE_NOTE,
                )
            row["note"] = "; ".join(note for note in (row["note"], scan_note) if note)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(CASE_COLUMNS))


def read_case_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``CASE_muscles.csv`` back, the identity columns as text (a PatientID ``00123`` stays so)."""
    return pd.read_csv(path, dtype=dict.fromkeys(IDENTITY_COLUMNS, str))


def with_scan_identity(table: pd.DataFrame, identity: dict[str, str]) -> pd.DataFrame:
    """``table`` with the scan's :data:`IDENTITY_COLUMNS` last, the same in every row.

    Args:
        table: A case table (muscle and group rows).
        identity: From :func:`thigh_common.image_io.scan_identity`.
    """
    return table.assign(**{column: identity.get(column, "") for column in IDENTITY_COLUMNS})


ROUNDING: dict[str, int] = dict(
    volume_ml=2,
    lean_volume_ml=2,
    mean_hu=1,
    sd_hu=1,
    fat_fraction=4,
    volume_asymmetry_percent=1,
    agreement_orientations=3,
    agreement_folds=3,
    mean_probability=3,
    removed_fraction=4,
)
"""Decimals written per column: 0.01 mL, 0.1 HU, 0.0001 of a fraction, 0.1 %, what the voxels support;
the quality scores (:mod:`thigh_inference.quality`) to 0.001, the removed share to 0.0001."""


def rounded(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with its measurement columns rounded to :data:`ROUNDING` (and ``_left``/``_right`` forms)."""
    decimals = {
        column: places
        for name, places in ROUNDING.items()
        for column in (name, f"{name}_left", f"{name}_right")
        if column in df.columns
    }
    return df.round(decimals)


def _write_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write ``df`` as CSV (no index), rounded to what the measurement supports, atomically."""
    with atomic_path(path) as temporary:
        rounded(df).to_csv(temporary, index=False)


def write_case_table(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write one scan's table as CSV, atomically."""
    _write_csv(df, path)


def _side_notes(notes: pd.DataFrame) -> pd.Series:
    """One note per row from the columns ``left`` and ``right``: once if equal, else prefixed by the side."""

    def join(left: str, right: str) -> str:
        if left == right:
            return left
        return " | ".join(f"{side}: {note}" for side, note in (("left", left), ("right", right)) if note)

    return pd.Series(
        [join(left, right) for left, right in zip(notes["left"], notes["right"], strict=True)],
        index=notes.index,
        dtype=object,
    )


def _with_kind(table: pd.DataFrame) -> pd.DataFrame:
    """A case table with ``kind`` and its group rows (a table written before they existed gets them)."""
    return table if "kind" in table.columns else with_group_rows(table)


def _flag_counts(combined: pd.DataFrame) -> pd.Series:
    """Per row, how many of its muscles the quality flag marks ``check`` (0 or 1 for a muscle)."""
    flagged = combined[combined["kind"].eq(KIND_MUSCLE) & combined["qc"].eq("check")]
    per_leg = {key: set(rows["label"].astype(int)) for key, rows in flagged.groupby(["case", "side"])}
    counts = []
    for case, side, kind, label, name in combined[["case", "side", "kind", "label", "muscle"]].itertuples(
        index=False
    ):
        members = {int(label)} if kind == KIND_MUSCLE else set(STRUCTURE_GROUPS.get(name, ()))
        counts.append(len(per_leg.get((case, side), set()) & members))
    return pd.Series(counts, index=combined.index, dtype=int)


def summary_table(case_tables: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per case and structure: left and right values side by side, the volume asymmetry and the notes.

    Args:
        case_tables: Tables from :func:`case_table` with their group rows (or read back from their
            CSV files; a table written before the ``partial`` column counts as not partial, one
            written before the group rows gets them here).

    Returns:
        Columns ``case, kind, label, muscle``, then ``volume_ml_left, volume_ml_right,
        mean_hu_left, mean_hu_right, fat_fraction_left, fat_fraction_right``,
        ``volume_asymmetry_percent`` = ``100 * (right - left) / mean(right, left)``
        (NaN when a leg is missing or the structure is absent in both legs),
        ``qc_left, qc_right`` (the quality flag), ``checks_left, checks_right`` (how many of the
        row's muscles are flagged ``check``: 0 or 1 for a muscle, up to 10 for the total),
        ``partial_left, partial_right`` (a leg's muscle cut by the field of view) and
        ``note``: the two legs' notes, once when they are the same, otherwise
        ``"left: ... | right: ..."`` (a side without a note is left out), and last
        :data:`IDENTITY_COLUMNS` when the case tables have them. Per case the ten
        muscles come first, then the groups and the total (``kind`` ``group``, ``total``).
    """
    value_columns = [f"{value}_{side}" for value in SUMMARY_VALUES for side in ("left", "right")]
    columns = [
        "case",
        "kind",
        "label",
        "muscle",
        *value_columns,
        "volume_asymmetry_percent",
        *SUMMARY_FLAGS,
        "note",
    ]
    if not case_tables:
        return pd.DataFrame(columns=columns)
    combined = pd.concat([_with_kind(table) for table in case_tables], ignore_index=True)
    combined["note"] = combined["note"].astype(object).where(combined["note"].notna(), "").astype(str)
    partial = combined["partial"] if "partial" in combined else pd.Series(False, index=combined.index)
    combined["partial"] = partial.eq(True) | partial.astype(str).eq("True")  # missing (NaN) counts as whole
    order = {name: rank for rank, name in enumerate(STRUCTURE_GROUPS)}
    combined["order"] = np.where(
        combined["kind"].eq(KIND_MUSCLE),
        combined["label"].fillna(0),
        100 + combined["muscle"].map(order).fillna(0),
    ).astype(int)
    index = ["case", "order", "kind", "muscle"]
    wide = combined.pivot(index=index, columns="side", values=list(SUMMARY_VALUES))
    wide.columns = [f"{value}_{side}" for value, side in wide.columns]
    wide = wide.reindex(columns=value_columns).reset_index()
    right, left = wide["volume_ml_right"], wide["volume_ml_left"]
    with np.errstate(invalid="ignore", divide="ignore"):
        wide["volume_asymmetry_percent"] = 100.0 * (right - left) / ((right + left) / 2.0)
    wide.loc[(right + left) == 0, "volume_asymmetry_percent"] = np.nan
    flags = combined.pivot(index=index, columns="side", values="partial").reindex(columns=["left", "right"])
    notes = combined.pivot(index=index, columns="side", values="note").reindex(columns=["left", "right"])
    if "qc" not in combined:
        combined["qc"] = ""
    checks = combined.pivot(index=index, columns="side", values="qc").reindex(columns=["left", "right"])
    combined["checks"] = _flag_counts(combined)
    counts = combined.pivot(index=index, columns="side", values="checks").reindex(columns=["left", "right"])
    extra = pd.DataFrame(
        {
            "qc_left": checks["left"].astype(object).where(checks["left"].notna(), ""),
            "qc_right": checks["right"].astype(object).where(checks["right"].notna(), ""),
            "checks_left": counts["left"].fillna(0).astype(int),
            "checks_right": counts["right"].fillna(0).astype(int),
            "partial_left": flags["left"].eq(True),
            "partial_right": flags["right"].eq(True),
            "note": _side_notes(notes.fillna("")),
        }
    ).reset_index()
    wide = wide.merge(extra, on=index, how="left", validate="one_to_one")
    wide["label"] = wide["order"].where(wide["kind"].eq(KIND_MUSCLE)).astype("Int64")
    identity = [column for column in IDENTITY_COLUMNS if column in combined]
    if identity:
        per_case = combined[["case", *identity]].astype(object)
        per_case = per_case.where(per_case.notna(), "").astype(str).drop_duplicates("case")
        wide, columns = wide.merge(per_case, on="case", how="left"), [*columns, *identity]
    return wide.sort_values(["case", "order"], ignore_index=True)[columns]


def write_summary(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the cohort summary as CSV, atomically."""
    _write_csv(df, path)
