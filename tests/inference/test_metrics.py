import math

import numpy as np
import pytest

from thigh_common.metrics import dice_per_class


def test_dice_from_hand_counts():
    prediction = np.zeros((2, 3, 4), dtype=np.uint8)
    reference = np.zeros((2, 3, 4), dtype=np.uint8)
    prediction[0, 0, :3] = 1  # 3 voxels
    reference[0, 0, 1:] = 1  # 3 voxels, overlap 2 -> 2 * 2 / 6
    prediction[1, :, :] = 2  # 12 voxels
    reference[1, :2, :] = 2  # 8 voxels, overlap 8 -> 16 / 20
    scores = dice_per_class(prediction, reference, labels=(1, 2))
    assert scores == {1: pytest.approx(4 / 6), 2: pytest.approx(16 / 20)}
    assert all(type(value) is float for value in scores.values())


def test_absent_from_both_is_nan_and_absent_from_one_is_zero():
    prediction = np.zeros((1, 2, 2), dtype=np.uint8)
    reference = np.zeros((1, 2, 2), dtype=np.uint8)
    prediction[0, 0, 0] = 3  # predicted, not in the reference
    reference[0, 1, 1] = 5  # in the reference, not predicted
    scores = dice_per_class(prediction, reference)
    assert list(scores) == list(range(1, 11))
    assert scores[3] == 0.0
    assert scores[5] == 0.0
    assert all(math.isnan(scores[label]) for label in (1, 2, 4, 6, 7, 8, 9, 10))


def test_identical_maps_score_one_and_inputs_are_not_modified():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 11, size=(5, 6, 7)).astype(np.uint8)
    copy = labels.copy()
    assert set(dice_per_class(labels, labels).values()) == {1.0}
    np.testing.assert_array_equal(labels, copy)


def test_different_shapes_are_rejected():
    with pytest.raises(
        ValueError, match=r"The prediction has shape \(2, 2, 2\) but the reference has \(2, 2, 3\)"
    ):
        dice_per_class(np.zeros((2, 2, 2), np.uint8), np.zeros((2, 2, 3), np.uint8))
