"""Muscle-group rows: sums and volume-weighted means of their muscles, as if measured on the union."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thigh_common.labels import LABEL_GROUPS, MUSCLE_LABELS
from thigh_inference.muscle_groups import group_rows, with_group_rows
from thigh_inference.muscle_table import case_table


@pytest.fixture
def scan():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 11, size=(12, 16, 20)).astype(np.uint8)
    hu = rng.normal(20.0, 60.0, size=labels.shape).round()
    is_left = np.zeros(labels.shape, dtype=bool)
    is_left[..., 10:] = True
    return labels, hu, is_left


def test_group_rows_equal_a_measurement_of_the_union_of_their_muscles(scan):
    labels, hu, is_left = scan
    table = case_table(labels, hu, (1.0, 1.5, 2.0), is_left, {"left", "right"}, "c1")
    groups = group_rows(table)
    for name, members in {**LABEL_GROUPS, "all_muscles": MUSCLE_LABELS}.items():
        union = np.where(np.isin(labels, members), 1, 0).astype(np.uint8)
        expected = case_table(union, hu, (1.0, 1.5, 2.0), is_left, {"left", "right"}, "c1")
        for side in ("left", "right"):
            row = groups[(groups["muscle"] == name) & (groups["side"] == side)].iloc[0]
            truth = expected[(expected["label"] == 1) & (expected["side"] == side)].iloc[0]
            for column in ("volume_ml", "mean_hu", "fat_fraction", "lean_volume_ml"):
                assert row[column] == pytest.approx(truth[column], rel=1e-9), (name, side, column)
            # Pooled from the muscles' sample SDs without their voxel counts: exact up to the n-1
            # correction (0.5 % with these ~100-voxel muscles, 1e-4 with real ones).
            assert row["sd_hu"] == pytest.approx(truth["sd_hu"], rel=5e-3), (name, side)


def test_group_volumes_are_the_sums_of_their_muscles(scan):
    labels, hu, is_left = scan
    table = case_table(labels, hu, (1.0, 1.0, 1.0), is_left, {"left", "right"}, "c1")
    groups = group_rows(table)
    for name, members in LABEL_GROUPS.items():
        for side in ("left", "right"):
            muscles = table[(table["side"] == side) & table["label"].isin(members)]
            row = groups[(groups["muscle"] == name) & (groups["side"] == side)].iloc[0]
            assert row["volume_ml"] == pytest.approx(muscles["volume_ml"].sum())
            assert row["kind"] == ("group" if name != "all_muscles" else "total")


def test_a_partial_muscle_makes_its_group_partial_and_a_missing_leg_gives_nan(scan):
    labels, hu, _ = scan
    table = case_table(labels, hu, (1.0, 1.0, 1.0), None, {"right"}, "c1")
    table.loc[(table["side"] == "right") & (table["label"] == 3), ["partial", "note"]] = (
        True,
        "partial: cut",
    )
    groups = group_rows(table)
    right = groups[groups["side"] == "right"].set_index("muscle")
    assert right.loc["quadriceps", "partial"] and "partial: cut" in right.loc["quadriceps", "note"]
    assert not right.loc["posterior_compartment", "partial"]
    left = groups[groups["side"] == "left"]
    assert left["volume_ml"].isna().all() and (left["note"] == "leg not in the field of view").all()


def test_with_group_rows_puts_each_legs_groups_after_its_muscles(scan):
    labels, hu, is_left = scan
    table = case_table(labels, hu, (1.0, 1.0, 1.0), is_left, {"left", "right"}, "c1")
    combined = with_group_rows(table)
    assert len(combined) == 2 * (10 + len(LABEL_GROUPS) + 1)
    right = combined[combined["side"] == "right"]
    assert list(right["kind"]) == ["muscle"] * 10 + ["group"] * len(LABEL_GROUPS) + ["total"]
    assert list(combined["side"].drop_duplicates()) == ["right", "left"]
    assert pd.isna(combined.loc[combined["kind"] == "group", "label"]).all()
