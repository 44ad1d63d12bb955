"""Knee pose condition: a bent knee or crossed ankles move the shins and leave the thighs as they are."""

import numpy as np
import pytest
import SimpleITK as sitk
from support.condition_cases import INDEX, SEED
from support.condition_cases import condition_case as case

from dataset_conversion.phantom.case import generate_case
from dataset_conversion.phantom.conditions.registry import parse_conditions
from thigh_common.errors import InvalidInputError


def labels(c) -> np.ndarray:
    return sitk.GetArrayFromImage(c.label)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["knee=straight"], "unknown value 'straight' for --condition knee; expected one of bent, crossed"),
        (["knee=bent", "knee=crossed"], "--condition knee is given twice"),
    ],
)
def test_bad_knee_values_are_rejected(specs, message):
    with pytest.raises(InvalidInputError) as error:
        parse_conditions(specs)
    assert message in str(error.value)


def test_bent_knee_is_deterministic_and_recorded():
    first, again = case("knee=bent"), generate_case(SEED, INDEX, "tiny", conditions=["knee=bent"])
    assert np.array_equal(labels(first), labels(again))
    assert np.array_equal(sitk.GetArrayFromImage(first.image), sitk.GetArrayFromImage(again.image))
    record = first.truth["conditions"]["knee"]
    assert record == again.truth["conditions"]["knee"]
    assert record["value"] == "bent" and record["mode"] == "bent" and record["side"] in ("left", "right")
    assert 20.0 <= record["flexion_deg"] <= 45.0
    knee_z = first.truth["legs"][record["side"]]["knee_centre_mm"][2]
    assert record["table_end_z_mm"] == pytest.approx(knee_z - record["table_end_below_knee_mm"], abs=0.02)


def test_bent_knee_keeps_the_thigh_and_moves_the_shin():
    bent, default = case("knee=bent"), case()
    ny = default.grid.shape[1]
    assert bent.grid.origin == default.grid.origin and bent.grid.spacing == default.grid.spacing
    # Rows added posteriorly for the shin are extra; every voxel of the default grid keeps its label.
    assert np.array_equal(labels(bent)[:, :ny], labels(default))
    assert not labels(bent)[:, ny:].any()
    record = bent.truth["conditions"]["knee"]
    knee_z = bent.truth["legs"][record["side"]]["knee_centre_mm"][2]
    z = default.grid.axis(2)
    above, below = z > knee_z + 60.0, z < knee_z - 60.0
    assert np.array_equal(bent.clean[above, :ny], default.clean[above])  # thigh and pelvis unchanged
    moved = bent.bone[below, :ny] != default.bone[below]
    assert moved.sum() > 100  # tibia and fibula turned away
    # The flexed shin runs posteriorly: its bone lies further back (larger y) than in the default case.
    y = default.grid.axis(1)
    side_x = default.grid.axis(0) < 0 if record["side"] == "right" else default.grid.axis(0) > 0
    lowest = np.flatnonzero(below)[:3]

    def mean_bone_y(bone: np.ndarray) -> float:
        rows = np.nonzero(bone[lowest][:, :, side_x])[1]
        return float(y[rows].mean())

    assert mean_bone_y(bent.bone[:, :ny]) > mean_bone_y(default.bone) + 20.0


def test_crossed_ankles_turn_both_shins_medially_and_keep_the_thighs():
    crossed, default = case("knee=crossed"), case()
    record = crossed.truth["conditions"]["knee"]
    assert set(record["adduction_deg"]) == {"left", "right"}
    assert all(0.0 < angle < 60.0 for angle in record["adduction_deg"].values())
    ankles = record["nominal_ankle_mm"]
    assert ankles["right"][0] > 0.0 > ankles["left"][0]  # each nominal ankle past the midline
    assert np.array_equal(labels(crossed), labels(default))
    z, x = default.grid.axis(2), default.grid.axis(0)
    lowest = np.arange(3)
    assert z[2] < min(leg["knee_centre_mm"][2] for leg in crossed.truth["legs"].values()) - 60.0
    for side, sign in (("right", -1), ("left", 1)):
        half = sign * x > 0

        def mean_bone_abs_x(bone: np.ndarray, half: np.ndarray = half) -> float:
            cols = np.nonzero(bone[lowest][:, :, half])[2]
            return float(np.abs(x[half][cols]).mean())

        assert mean_bone_abs_x(crossed.bone) < mean_bone_abs_x(default.bone) - 10.0, side


def test_crossed_ankles_cross_with_whole_body():
    c = generate_case(SEED, INDEX, "tiny", keep_arrays=True, conditions=["whole-body,knee=crossed"])
    record = c.truth["conditions"]["knee"]
    ankle_z = record["nominal_ankle_mm"]["right"][2]
    z, x = c.grid.axis(2), c.grid.axis(0)
    k = int(np.argmin(np.abs(z - ankle_z)))
    cols = np.nonzero(c.bone[k])[1]
    # At the ankles, bone lies on both sides of the midline and near it (the legs have crossed over).
    assert cols.size > 10
    assert np.abs(x[cols]).min() < 40.0
