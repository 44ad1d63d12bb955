import numpy as np
import pytest

from thigh_inference.voting import average_folds, class_argmax, combine_orientations, winner_takes_all


def _volume(*voxel_probabilities):
    """(C, 1, 1, n) from per-voxel probability vectors."""
    return np.array(voxel_probabilities, dtype=np.float32).T[:, None, None, :]


def test_strong_single_orientation_wins_the_sum_but_loses_the_majority():
    axial = _volume([0.02, 0.02, 0.94, 0.02])  # class 2, strongly
    coronal = _volume([0.3, 0.0, 0.3, 0.4])  # class 3, weakly
    sagittal = _volume([0.3, 0.0, 0.3, 0.4])  # class 3, weakly
    # Sums: class 0 0.62, class 1 0.02, class 2 1.54, class 3 0.82.
    assert combine_orientations([axial, coronal, sagittal], mode="sum")[0, 0, 0] == 2
    assert combine_orientations([axial, coronal, sagittal], mode="majority")[0, 0, 0] == 3


def test_sum_is_the_default_mode():
    volumes = [
        _volume([0.02, 0.02, 0.94, 0.02]),
        _volume([0.3, 0.0, 0.3, 0.4]),
        _volume([0.3, 0.0, 0.3, 0.4]),
    ]
    assert combine_orientations(volumes)[0, 0, 0] == 2


def test_majority_tie_between_votes_goes_to_the_larger_summed_probability():
    # Three orientations, three different winners (one vote each): class 1 has the largest sum.
    first = _volume([0.0, 0.5, 0.0, 0.5 - 1e-3])  # argmax 1
    second = _volume([0.0, 0.3, 0.7, 0.0])  # argmax 2
    third = _volume([0.0, 0.3, 0.0, 0.7])  # argmax 3
    # Sums: 1 -> 1.1, 2 -> 0.7, 3 -> 1.199: class 3 has the largest sum and one vote.
    assert combine_orientations([first, second, third], mode="majority")[0, 0, 0] == 3
    # Two votes beat any sum: class 1 wins when two orientations choose it.
    assert combine_orientations([first, first, third], mode="majority")[0, 0, 0] == 1


def test_majority_with_two_orientations_tied_uses_the_sum():
    strong = _volume([0.1, 0.9, 0.0])
    weak = _volume([0.1, 0.35, 0.55])
    assert combine_orientations([strong, weak], mode="majority")[0, 0, 0] == 1
    assert (
        combine_orientations([_volume([0.1, 0.5, 0.4]), _volume([0.1, 0.0, 0.9])], mode="majority")[0, 0, 0]
        == 2
    )


def test_exact_ties_go_to_the_lowest_label():
    tied = _volume([0.0, 0.5, 0.5])
    assert combine_orientations([tied, tied], mode="sum")[0, 0, 0] == 1
    assert combine_orientations([tied, tied], mode="majority")[0, 0, 0] == 1


def test_output_is_uint8_of_the_volume_shape_and_agrees_with_argmax():
    rng = np.random.default_rng(0)
    volumes = [
        rng.dirichlet(np.ones(11), size=(4, 5, 6)).transpose(3, 0, 1, 2).astype(np.float32) for _ in range(3)
    ]
    for mode in ("sum", "majority"):
        labels = combine_orientations(volumes, mode=mode)
        assert labels.shape == (4, 5, 6)
        assert labels.dtype == np.uint8
    np.testing.assert_array_equal(combine_orientations(volumes), np.argmax(sum(volumes), axis=0))
    np.testing.assert_array_equal(winner_takes_all(sum(volumes)), combine_orientations(volumes, mode="sum"))
    assert winner_takes_all(sum(volumes)).dtype == np.uint8
    # One orientation: both modes are its argmax.
    for mode in ("sum", "majority"):
        np.testing.assert_array_equal(
            combine_orientations(volumes[:1], mode=mode), np.argmax(volumes[0], axis=0)
        )


def test_inputs_are_not_modified():
    volume = _volume([0.2, 0.8])
    copy = volume.copy()
    combine_orientations([volume, volume], mode="majority")
    np.testing.assert_array_equal(volume, copy)


@pytest.mark.parametrize(
    ("volumes", "mode", "message"),
    [
        (
            [np.zeros((2, 1, 1, 1))],
            "average",
            "Unknown voting mode 'average'; expected one of: sum, majority",
        ),
        ([], "sum", "No probability volumes to combine"),
        (
            [np.zeros((2, 1, 1))],
            "sum",
            r"Expected probability volumes of shape \(C, z, y, x\), found shape \(2, 1, 1\)",
        ),
        (
            [np.zeros((2, 1, 1, 1)), np.zeros((3, 1, 1, 1))],
            "sum",
            r"Probability volume 1 has shape \(3, 1, 1, 1\)",
        ),
        ([np.zeros((257, 1, 1, 1))], "sum", "At most 256 classes fit a uint8 label map, found 257"),
    ],
)
def test_bad_inputs_are_rejected(volumes, mode, message):
    with pytest.raises(ValueError, match=message):
        combine_orientations(volumes, mode=mode)


def test_average_folds_streams_an_iterator():
    folds = (np.full((2, 1, 2, 3), value, dtype=np.float32) for value in (0.2, 0.4, 0.9))
    mean = average_folds(folds)
    assert mean.dtype == np.float32
    assert mean.shape == (2, 1, 2, 3)
    np.testing.assert_allclose(mean, 0.5, rtol=1e-6)


def test_average_folds_does_not_modify_the_first_fold():
    first = np.ones((2, 1, 1, 1), dtype=np.float32)
    average_folds([first, np.zeros_like(first)])
    np.testing.assert_array_equal(first, 1.0)


def test_average_folds_rejects_nothing_and_mismatched_shapes():
    with pytest.raises(ValueError, match="No probability volumes to average: expected at least one fold"):
        average_folds(iter([]))
    with pytest.raises(
        ValueError, match=r"Fold 1 has probabilities of shape \(2, 1, 1, 2\), fold 0 has \(2, 1, 1, 1\)"
    ):
        average_folds([np.zeros((2, 1, 1, 1)), np.zeros((2, 1, 1, 2))])


def test_class_argmax_is_numpys_argmax_with_the_lowest_class_on_ties():
    values = np.random.default_rng(0).random((11, 4, 5, 6)).astype(np.float32)
    values[3, 0, 0, :3] = values[7, 0, 0, :3] = 2.0  # a tie: the lower class wins, as in np.argmax
    np.testing.assert_array_equal(class_argmax(values), np.argmax(values, axis=0))
    assert (class_argmax(values)[0, 0, :3] == 3).all()
