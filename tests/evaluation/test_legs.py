"""The midline plane found from the reference labels (gap, touching legs, one-leg rule) and the encoding."""

import logging

import numpy as np
import pytest
import SimpleITK as sitk
from support.label_maps import FLIPPED_X, labels_image

from thigh_common.errors import InvalidInputError
from thigh_evaluation.legs import LEFT_CODE_OFFSET, WORLD_X, encode_legs, find_legs
from thigh_inference.leg_sides import plane_distance


def test_world_x_matches_simpleitk_for_an_oblique_permuted_grid():
    angle = np.deg2rad(20)
    rotation = np.array([[0, np.cos(angle), -np.sin(angle)], [1, 0, 0], [0, np.sin(angle), np.cos(angle)]])
    image = labels_image(
        np.zeros((5, 6, 7), np.uint8), (0.7, 1.3, 2.5), (4.0, -8.0, 30.0), tuple(rotation.ravel())
    )
    world_x = plane_distance(image, WORLD_X)
    for z, y, x in [(0, 0, 0), (4, 5, 6), (2, 1, 3)]:
        expected = image.TransformIndexToPhysicalPoint((x, y, z))[0]
        assert world_x((np.array([z]), np.array([y]), np.array([x])))[0] == pytest.approx(expected)


def _two_blocks(gap_columns):
    """Labels on a 1 mm grid in x: a right block at x 0..9 and a left block after ``gap_columns`` empty columns."""
    labels = np.zeros((2, 4, 30 + gap_columns), np.uint8)
    labels[:, :, 0:5] = 6
    labels[:, :, 5:10] = 3
    labels[:, :, 10 + gap_columns : 15 + gap_columns] = 6
    labels[:, :, 15 + gap_columns : 20 + gap_columns] = 3
    return labels_image(labels, (1.0, 1.0, 1.0), (-50.0, 0.0, 0.0))


def test_a_gap_of_at_least_10_mm_splits_two_legs_at_its_centre():
    image = _two_blocks(gap_columns=16)  # voxel centres x = -41 and x = -24: 16 empty columns
    split = find_legs(sitk.GetArrayFromImage(image), image, "c")
    assert split.legs == ("right", "left")
    assert -40.5 < split.midline.point_mm[0] < -24.5
    assert split.midline.point_mm[0] == pytest.approx(-32.5, abs=1.0)
    assert split.widest_gap_mm >= 10.0
    assert "two legs" in split.reason


def test_a_narrow_gap_is_one_leg_decided_by_anatomy():
    image = _two_blocks(gap_columns=4)
    split = find_legs(sitk.GetArrayFromImage(image), image, "c")
    # vastus lateralis (3) lies at greater x than the adductors (6) in each block: the left leg
    assert split.legs == ("left",) and split.midline is None
    assert "vastus_lateralis" in split.reason and "patient's left" in split.reason
    assert split.widest_gap_mm < 10.0


@pytest.mark.parametrize(
    ("lateral", "medial", "side"),
    [(3, 6, "left"), (8, 7, "left"), (8, 5, "left")],
)
def test_one_leg_side_from_lateral_and_medial_muscles(lateral, medial, side):
    labels = np.zeros((2, 3, 12), np.uint8)
    labels[:, :, 0:4] = medial
    labels[:, :, 6:10] = lateral
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    assert find_legs(labels, image, "c").legs == (side,)
    flipped = labels[:, :, ::-1].copy()  # lateral now at smaller x: a right leg
    assert find_legs(flipped, image, "c").legs == ("right",)


def test_the_side_follows_world_x_not_the_array_index():
    labels = np.zeros((2, 3, 12), np.uint8)
    labels[:, :, 0:4] = 6
    labels[:, :, 6:10] = 3  # lateral at the higher index
    identity = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    flipped = labels_image(labels, (1.0, 1.0, 1.0), (11.0, 0.0, 0.0), FLIPPED_X)
    assert find_legs(labels, identity, "c").legs == ("left",)
    assert find_legs(labels, flipped, "c").legs == ("right",)


def test_one_leg_without_side_markers_is_an_error():
    labels = np.zeros((2, 3, 12), np.uint8)
    labels[:, :, 0:4] = 1
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    with pytest.raises(InvalidInputError) as error:
        find_legs(labels, image, "case_7")
    assert str(error.value) == (
        "case_7: the reference holds one leg (no empty gap of 10 mm between labelled voxels along the patient's "
        "right-left axis) and its side cannot be told: it needs vastus_lateralis or biceps_femoris and one of "
        "adductors, gracilis, vastus_medialis"
    )


def test_an_empty_reference_is_an_error():
    labels = np.zeros((2, 3, 4), np.uint8)
    image = labels_image(labels)
    with pytest.raises(InvalidInputError) as error:
        find_legs(labels, image, "case_8")
    assert str(error.value) == (
        "case_8: the reference holds no muscle label (1-10), so nothing can be evaluated; remove it from the "
        "reference folder or fix its labels"
    )


def test_touching_legs_are_cut_at_the_narrowest_contact(caplog):
    """Two 150 mm thighs side by side, touching over a thin bridge: no empty gap, but two legs."""
    labels = np.zeros((1, 40, 300), np.uint8)
    labels[:, :, :140] = 6  # right thigh, x 0..139 mm
    labels[:, :, 160:] = 3  # left thigh, x 160..299 mm
    labels[:, 18:22, 140:160] = 5  # the contact: a thin bridge, 4 of 40 rows
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    with caplog.at_level(logging.WARNING):
        split = find_legs(labels, image, "touching")
    assert split.legs == ("right", "left")
    assert 140.0 <= split.midline.point_mm[0] <= 160.0
    assert "touching: two touching legs; no empty gap of 10 mm but the labels span 300 mm" in caplog.text


def test_a_wide_block_without_a_valley_is_still_cut_in_its_middle_half():
    labels = np.zeros((1, 2, 300), np.uint8)
    labels[:, :, :150] = 6
    labels[:, :, 150:] = 3
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    split = find_legs(labels, image, "wide")
    assert split.legs == ("right", "left")
    assert 75.0 <= split.midline.point_mm[0] <= 225.0


def test_encode_legs_marks_the_left_leg_only():
    image = _two_blocks(gap_columns=16)
    labels = sitk.GetArrayFromImage(image)
    before = labels.copy()
    encode_legs(labels, image, find_legs(labels, image, "c"))
    np.testing.assert_array_equal(labels[:, :, :26], before[:, :, :26])
    np.testing.assert_array_equal(labels[:, :, 26:36], before[:, :, 26:36] + LEFT_CODE_OFFSET)
    assert not labels[:, :, 36:].any()


def test_a_single_left_leg_is_encoded_whole_and_a_single_right_leg_not_at_all():
    labels = np.zeros((2, 3, 12), np.uint8)
    labels[:, :, 0:4] = 6
    labels[:, :, 6:10] = 3  # lateral at greater world x: a left leg
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    left = labels.copy()
    encode_legs(left, image, find_legs(labels, image, "c"))
    np.testing.assert_array_equal(left, np.where(labels > 0, labels + LEFT_CODE_OFFSET, 0))
    flipped = labels_image(labels, (1.0, 1.0, 1.0), (11.0, 0.0, 0.0), FLIPPED_X)
    right = labels.copy()
    encode_legs(right, flipped, find_legs(labels, flipped, "c"))
    np.testing.assert_array_equal(right, labels)
