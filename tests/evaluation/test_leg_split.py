"""The side of each voxel from its world position: midline gap, one-leg rule, encoding."""

import logging

import numpy as np
import pytest
import SimpleITK as sitk
from support.label_maps import FLIPPED_X, labels_image

from thigh_common.errors import InvalidInputError
from thigh_evaluation.leg_split import LEFT_CODE_OFFSET, WorldX, encode_legs, find_leg_split


def _world_x(image):
    return WorldX.of(image)


def test_world_x_matches_simpleitk_for_an_oblique_permuted_grid():
    angle = np.deg2rad(20)
    rotation = np.array([[0, np.cos(angle), -np.sin(angle)], [1, 0, 0], [0, np.sin(angle), np.cos(angle)]])
    image = labels_image(
        np.zeros((5, 6, 7), np.uint8), (0.7, 1.3, 2.5), (4.0, -8.0, 30.0), tuple(rotation.ravel())
    )
    world_x = _world_x(image)
    for z, y, x in [(0, 0, 0), (4, 5, 6), (2, 1, 3)]:
        expected = image.TransformIndexToPhysicalPoint((x, y, z))[0]
        assert world_x.in_slice(z, (6, 7))[y, x] == pytest.approx(expected)
    low, high = world_x.extent((5, 6, 7))
    corners = [
        image.TransformIndexToPhysicalPoint((x, y, z))[0] for x in (0, 6) for y in (0, 5) for z in (0, 4)
    ]
    assert (low, high) == pytest.approx((min(corners), max(corners)))


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
    split = find_leg_split(sitk.GetArrayFromImage(image), _world_x(image), "c")
    assert split.legs == ("right", "left")
    assert -40.5 < split.midline_x_mm < -24.5
    assert split.midline_x_mm == pytest.approx(-32.5, abs=1.0)
    assert split.widest_gap_mm >= 10.0
    assert "two legs" in split.reason


def test_a_narrow_gap_is_one_leg_decided_by_anatomy():
    image = _two_blocks(gap_columns=4)
    split = find_leg_split(sitk.GetArrayFromImage(image), _world_x(image), "c")
    # vastus lateralis (3) lies at greater x than the adductors (6) in each block: the left leg
    assert split.legs == ("left",) and split.midline_x_mm is None
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
    assert find_leg_split(labels, _world_x(image), "c").legs == (side,)
    flipped = labels[:, :, ::-1].copy()  # lateral now at smaller x: a right leg
    assert find_leg_split(flipped, _world_x(image), "c").legs == ("right",)


def test_the_side_follows_world_x_not_the_array_index():
    labels = np.zeros((2, 3, 12), np.uint8)
    labels[:, :, 0:4] = 6
    labels[:, :, 6:10] = 3  # lateral at the higher index
    identity = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    flipped = labels_image(labels, (1.0, 1.0, 1.0), (11.0, 0.0, 0.0), FLIPPED_X)
    assert find_leg_split(labels, _world_x(identity), "c").legs == ("left",)
    assert find_leg_split(labels, _world_x(flipped), "c").legs == ("right",)


def test_one_leg_without_side_markers_is_an_error():
    labels = np.zeros((2, 3, 12), np.uint8)
    labels[:, :, 0:4] = 1
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    with pytest.raises(InvalidInputError) as error:
        find_leg_split(labels, _world_x(image), "case_7")
    assert str(error.value) == (
        "case_7: the reference holds one leg (no empty gap of 10 mm between labelled voxels along the patient's "
        "right-left axis) and its side cannot be told: it needs vastus_lateralis or biceps_femoris and one of "
        "adductors, gracilis, vastus_medialis"
    )


def test_an_empty_reference_is_an_error():
    labels = np.zeros((2, 3, 4), np.uint8)
    image = labels_image(labels)
    with pytest.raises(InvalidInputError) as error:
        find_leg_split(labels, _world_x(image), "case_8")
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
        split = find_leg_split(labels, _world_x(image), "touching")
    assert split.legs == ("right", "left")
    assert 140.0 <= split.midline_x_mm <= 160.0
    assert "touching: two touching legs; no empty gap of 10 mm but the labels span 300 mm" in caplog.text


def test_a_wide_block_without_a_valley_is_still_cut_in_its_middle_half():
    labels = np.zeros((1, 2, 300), np.uint8)
    labels[:, :, :150] = 6
    labels[:, :, 150:] = 3
    image = labels_image(labels, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    split = find_leg_split(labels, _world_x(image), "wide")
    assert split.legs == ("right", "left")
    assert 75.0 <= split.midline_x_mm <= 225.0


def test_encode_legs_marks_the_left_leg_only():
    image = _two_blocks(gap_columns=16)
    labels = sitk.GetArrayFromImage(image)
    before = labels.copy()
    split = find_leg_split(labels, _world_x(image), "c")
    offsets = encode_legs(labels, _world_x(image), split)
    assert offsets == {"right": 0, "left": LEFT_CODE_OFFSET}
    np.testing.assert_array_equal(labels[:, :, :26], before[:, :, :26])
    np.testing.assert_array_equal(labels[:, :, 26:36], before[:, :, 26:36] + LEFT_CODE_OFFSET)
    assert not labels[:, :, 36:].any()
