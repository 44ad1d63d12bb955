"""Surface distances and Dice, by hand and against medpy (an independent implementation)."""

import math

import numpy as np
import pytest
from medpy.metric import binary
from scipy import ndimage

from thigh_evaluation.case_metrics import score_masks, surface, surface_distances, union_bounding_box

SPACING = (3.0, 0.8, 1.1)


def blob(shape, seed, fraction=0.12, smooth=2.0):
    """A random smooth blob mask (several lumps, some touching the grid border)."""
    noise = ndimage.gaussian_filter(np.random.default_rng(seed).random(shape), smooth)
    return noise > np.quantile(noise, 1.0 - fraction)


def test_single_voxels_distance_is_their_distance_in_mm():
    reference = np.zeros((6, 5, 5), bool)
    prediction = np.zeros((6, 5, 5), bool)
    reference[1, 2, 2] = True
    prediction[3, 2, 3] = True  # 2 slices (6 mm) and one column (1.1 mm) away
    asd, hd95 = surface_distances(reference, prediction, SPACING)
    expected = math.hypot(6.0, 1.1)
    assert asd == pytest.approx(expected)
    assert hd95 == pytest.approx(expected)


def test_identical_masks_are_zero_apart():
    mask = blob((10, 20, 20), seed=3)
    assert surface_distances(mask, mask.copy(), SPACING) == (0.0, 0.0)


def test_shifted_block_by_hand():
    # a 4 x 6 x 6 block against the same block one slice (1 mm) up; in-plane voxels are 10 mm, so
    # each surface voxel's nearest partner is in its own column (0 mm) or the next slice (1 mm)
    spacing = (1.0, 10.0, 10.0)
    reference = np.zeros((8, 8, 8), bool)
    reference[2:6, 1:7, 1:7] = True
    prediction = np.roll(reference, 1, axis=0)
    assert surface(reference).sum() == 4 * 6 * 6 - 2 * 4 * 4 == 112  # the 2 x 4 x 4 core is interior
    # at 1 mm: the bottom face (36) and the top face's interior (16) of the reference, and the
    # prediction's top face (36) and bottom face's interior (16); the other 120 of 224 are at 0
    asd, hd95 = surface_distances(reference, prediction, spacing)
    assert asd == pytest.approx(104 / 224)
    assert hd95 == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("reference_voxels", "predicted_voxels", "status"),
    [(1, 0, "missing_in_prediction"), (0, 1, "missing_in_reference"), (0, 0, "absent_in_both")],
)
def test_an_empty_mask_gives_nan_and_says_which(reference_voxels, predicted_voxels, status):
    reference = np.zeros((3, 3, 3), bool)
    prediction = np.zeros((3, 3, 3), bool)
    reference[1, 1, 1] = bool(reference_voxels)
    prediction[1, 1, 1] = bool(predicted_voxels)
    assert all(math.isnan(distance) for distance in surface_distances(reference, prediction, SPACING))
    scores = score_masks(reference, prediction, SPACING, voxel_volume_ml=1.0)
    assert scores["status"] == status
    assert math.isnan(scores["asd_mm"]) and math.isnan(scores["hd95_mm"])


def test_bad_shapes_are_rejected():
    with pytest.raises(
        ValueError, match=r"the reference has shape \(2, 2, 2\) but the prediction has \(2, 2, 3\)"
    ):
        surface_distances(np.ones((2, 2, 2), bool), np.ones((2, 2, 3), bool), SPACING)
    with pytest.raises(ValueError, match="expected 3D masks and three spacings"):
        surface_distances(np.ones((2, 2), bool), np.ones((2, 2), bool), SPACING)


def test_union_bounding_box_keeps_a_margin_inside_the_grid():
    mask = np.zeros((5, 6, 7), bool)
    mask[0, 2, 3:5] = True
    assert union_bounding_box(mask) == (slice(0, 2), slice(1, 4), slice(2, 6))
    assert union_bounding_box(np.zeros((2, 2, 2), bool)) is None


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dice_asd_hd95_match_medpy_on_random_blobs(seed):
    shape = (18, 44, 38)
    reference = blob(shape, seed)
    # a related prediction: the reference dilated in places, eroded in others, plus its own lumps
    prediction = (ndimage.binary_dilation(reference) & blob(shape, seed + 50, 0.5, 3.0)) | blob(
        shape, seed + 100, 0.03
    )
    prediction &= ~blob(shape, seed + 200, 0.1)
    scores = score_masks(reference, prediction, SPACING, voxel_volume_ml=1.0)
    assert scores["status"] == "present"
    assert scores["dice"] == pytest.approx(binary.dc(prediction, reference), abs=1e-6)
    assert scores["asd_mm"] == pytest.approx(
        binary.assd(prediction, reference, voxelspacing=SPACING), abs=0.05
    )
    assert scores["hd95_mm"] == pytest.approx(
        binary.hd95(prediction, reference, voxelspacing=SPACING), abs=0.05
    )
    # the crop to the union's box changes nothing: the results agree to rounding, not only within 0.05 mm
    assert scores["asd_mm"] == pytest.approx(
        binary.assd(prediction, reference, voxelspacing=SPACING), abs=1e-9
    )
    assert scores["hd95_mm"] == pytest.approx(
        binary.hd95(prediction, reference, voxelspacing=SPACING), abs=1e-9
    )


def test_a_small_structure_far_from_the_border_matches_medpy_on_the_full_grid():
    # the crop is much smaller than the grid here, so this checks the crop against a full-grid result
    reference = np.zeros((30, 60, 60), bool)
    prediction = np.zeros((30, 60, 60), bool)
    reference[10:16, 20:31, 25:33] = blob((6, 11, 8), 7, 0.6, 1.0)
    prediction[11:17, 21:32, 24:32] = blob((6, 11, 8), 8, 0.6, 1.0)
    asd, hd95 = surface_distances(reference, prediction, SPACING)
    assert asd == pytest.approx(binary.assd(prediction, reference, voxelspacing=SPACING), abs=1e-9)
    assert hd95 == pytest.approx(binary.hd95(prediction, reference, voxelspacing=SPACING), abs=1e-9)
