"""Muscle-group rows of a muscle table: each group of the label table, and the ten muscles together.

The groups are :data:`thigh_common.labels.LABEL_GROUPS` (quadriceps = rectus femoris and
the three vasti, medial compartment = adductors and gracilis, posterior compartment =
biceps femoris, semitendinosus and semimembranosus, sartorius), the ones other tools
report; ``all_muscles`` is the total of the ten. A group's values follow from its
muscles' rows, as if measured on the union of their voxels: volumes add up, mean HU and
fat fraction are volume-weighted means, and the SD is pooled over the voxels (within
and between muscles; from the muscles' sample SDs, so exact up to their n - 1
correction, a relative 1e-4 for muscles of 10,000 voxels). A group is ``partial`` if any of its muscles is; its note
joins theirs. A leg that is not in the field of view gives NaN values.

Example:
    >>> rows = group_rows(table)  # doctest: +SKIP
    >>> rows.loc[rows["muscle"] == "quadriceps", "volume_ml"]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thigh_common.labels import LABEL_GROUPS, MUSCLE_LABELS

KIND_MUSCLE, KIND_GROUP, KIND_TOTAL = "muscle", "group", "total"
TOTAL_NAME = "all_muscles"
STRUCTURE_GROUPS: dict[str, tuple[int, ...]] = {**LABEL_GROUPS, TOTAL_NAME: MUSCLE_LABELS}


def _combine(members: pd.DataFrame) -> dict[str, object]:
    """One row's values from its member muscles' rows."""
    volume = members["volume_ml"].to_numpy(dtype=float)
    if np.isnan(volume).all():
        values: dict[str, object] = dict.fromkeys(
            ("volume_ml", "mean_hu", "sd_hu", "fat_fraction", "lean_volume_ml"), np.nan
        )
    else:
        present = ~np.isnan(volume) & (volume > 0)
        weights, total = volume[present], float(np.nansum(volume))
        mean = members["mean_hu"].to_numpy(dtype=float)[present]
        sd = np.nan_to_num(members["sd_hu"].to_numpy(dtype=float)[present])
        fat = members["fat_fraction"].to_numpy(dtype=float)[present]
        group_mean = float(np.average(mean, weights=weights)) if present.any() else np.nan
        spread = np.average(sd**2 + (mean - group_mean) ** 2, weights=weights) if present.any() else np.nan
        values = {
            "volume_ml": total,
            "mean_hu": group_mean,
            "sd_hu": float(np.sqrt(spread)) if present.any() else np.nan,
            "fat_fraction": float(np.average(fat, weights=weights)) if present.any() else np.nan,
            "lean_volume_ml": float(np.nansum(members["lean_volume_ml"].to_numpy(dtype=float))),
        }
    notes = sorted({str(note) for note in members["note"] if isinstance(note, str) and note})
    partial = members["partial"] if "partial" in members else pd.Series(False, index=members.index)
    values["partial"] = bool(partial.eq(True).any())
    if "qc" in members:  # a group is worth checking when one of its muscles is
        flagged = members.loc[members["qc"].eq("check"), "muscle"].tolist()
        values["qc"] = "check" if flagged else "ok"
        values["qc_reason"] = f"check {', '.join(flagged)}" if flagged else ""
    values["note"] = "; ".join(notes)
    return values


def group_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The group and total rows of a per-muscle table (one row per case, side and group).

    Args:
        table: Rows of :func:`thigh_inference.muscle_table.case_table` (or read from its CSV),
            muscle rows only.

    Returns:
        Rows with the table's columns, ``label`` empty (NA), ``muscle`` the group name and
        ``kind`` ``group`` or ``total``; in the order of the label table's groups, then the total.
    """
    rows = []
    for (case, side), leg in table.groupby(["case", "side"], sort=False):
        for name, labels in STRUCTURE_GROUPS.items():
            members = leg[leg["label"].isin(labels)]
            kind = KIND_TOTAL if name == TOTAL_NAME else KIND_GROUP
            rows.append(
                {
                    "case": case,
                    "side": side,
                    "label": pd.NA,
                    "muscle": name,
                    "kind": kind,
                    **_combine(members),
                }
            )
    result = pd.DataFrame(rows)
    result["label"] = result["label"].astype("Int64")
    return result


def with_group_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The muscle rows (``kind`` = ``muscle``) followed, per leg, by that leg's group and total rows."""
    muscles = table.assign(kind=KIND_MUSCLE, label=table["label"].astype("Int64"))
    groups = group_rows(muscles)
    order = {side: index for index, side in enumerate(muscles["side"].drop_duplicates())}
    combined = pd.concat([muscles, groups], ignore_index=True)
    combined["_leg"] = combined["side"].map(order)
    combined["_rank"] = combined["kind"].map({KIND_MUSCLE: 0, KIND_GROUP: 1, KIND_TOTAL: 2})
    combined = combined.sort_values(["case", "_leg", "_rank"], kind="stable", ignore_index=True)
    columns = [column for column in table.columns if column != "kind"]
    columns.insert(columns.index("side") + 1, "kind")
    return combined[columns]
