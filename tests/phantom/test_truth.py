import numpy as np
from SimpleITK import GetArrayFromImage

from thigh_common.geometry import world_to_index


def test_truth_points_match_the_anatomy(small_case):
    case = small_case
    legs = case.truth["legs"]
    assert set(legs) == {"left", "right"}
    for side, leg in legs.items():
        head = np.array(leg["femoral_head_centre_mm"])
        knee = np.array(leg["knee_centre_mm"])
        assert np.sign(head[0]) == (1 if side == "left" else -1)
        assert head[2] > knee[2]
        index = np.rint(world_to_index(case.image, head[None])[0]).astype(int)
        assert case.bone[index[2], index[1], index[0]], f"{side} head centre is not in bone"
        low, high = leg["thigh_z_range_mm"]
        assert knee[2] < low < high < head[2]
        assert 0.0 <= leg["atrophy"]["fat_infiltration"] <= 0.2
        assert -3.0 <= leg["pose_deg"]["abduction"] <= 15.0
        assert 0.0 <= leg["pose_deg"]["flexion"] <= 15.0
        assert -20.0 <= leg["pose_deg"]["internal_rotation"] <= 20.0
    assert 8.0 <= case.truth["noise_sigma_hu"] <= 25.0


def test_thigh_range_holds_the_muscles(small_case):
    array = GetArrayFromImage(small_case.label)
    z = small_case.grid.axis(2)
    for leg in small_case.truth["legs"].values():
        low, high = leg["thigh_z_range_mm"]
        inside = (z >= low) & (z <= high)
        counts = [len(np.unique(array[k])) - 1 for k in np.flatnonzero(inside)]
        assert min(counts) >= 6, counts
        assert counts[len(counts) // 2] == 10
