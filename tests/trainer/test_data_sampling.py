import numpy as np
import pytest

from thigh_trainer.data.legs import LegArrays
from thigh_trainer.data.sampling import PatchSampler, SliceSampler
from thigh_trainer.data.statistics import class_sampling_weights, slice_class_counts


def make_leg(name="leg", shape=(40, 24, 24)):
    """Body in z 0..29 (z >= 30 is air); class 3 large in z 5..24, class 7 small in z 20..21 only."""
    image = np.full(shape, -2.0, np.float32)
    image[:30, 4:20, 4:20] = 1.0
    labels = np.zeros(shape, np.uint8)
    labels[5:25, 6:18, 6:18] = 3
    labels[20:22, 8:10, 8:10] = 7
    return LegArrays(name, image, labels)


def test_slice_class_counts_one_pass_matches_loop():
    labels = make_leg().labels
    for orientation, axis in (("axial", 0), ("coronal", 1), ("sagittal", 2)):
        counts = slice_class_counts(labels, orientation)
        for index in range(labels.shape[axis]):
            expected = np.bincount(np.take(labels, index, axis=axis).ravel(), minlength=11)
            np.testing.assert_array_equal(counts[index], expected)


def test_class_weights_inverse_to_frequency():
    weights = class_sampling_weights(np.array([1000, 0, 0, 300, 0, 0, 0, 100, 0, 0, 0]))
    assert weights[0] == 0 and weights[1] == 0
    assert weights[7] == pytest.approx(3 * weights[3])
    assert weights.sum() == pytest.approx(1.0)


def test_slice_sampler_is_deterministic_per_seed():
    legs = [make_leg("a"), make_leg("b")]
    first = SliceSampler(legs, "axial", 0.5, seed=3).draw(50)
    again = SliceSampler(legs, "axial", 0.5, seed=3).draw(50)
    other = SliceSampler(legs, "axial", 0.5, seed=4).draw(50)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert set(first[:, 0]) == {0, 1}


def test_oversampling_one_forces_the_rare_class():
    sampler = SliceSampler([make_leg()], "axial", 1.0, seed=0)
    rows = sampler.draw(400)
    has_rare = np.isin(rows[:, 1], [20, 21])
    # class 7 has 8 voxels against 2880 of class 3, so it is chosen ~99.7 % of the time
    assert has_rare.mean() > 0.95


def test_oversampling_zero_is_uniform_over_body_slices():
    rows = SliceSampler([make_leg()], "axial", 0.0, seed=0).draw(3000)
    assert rows[:, 1].min() >= 0 and rows[:, 1].max() <= 29  # never the air slices 30..39
    counts = np.bincount(rows[:, 1], minlength=30)
    expected = 3000 / 30
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 58.3  # 29 degrees of freedom, p = 0.001
    assert np.isin(rows[:, 1], [20, 21]).mean() == pytest.approx(2 / 30, abs=0.02)


def test_sagittal_body_rule():
    rows = SliceSampler([make_leg()], "sagittal", 0.0, seed=1).draw(500)
    assert set(np.unique(rows[:, 1])) == set(range(4, 20))


def test_patch_sampler_origins_and_forcing():
    leg = make_leg(shape=(40, 24, 24))
    sampler = PatchSampler([leg], (16, 16, 32), 1.0, seed=0)
    rows = sampler.draw(200)
    assert (rows[:, 1] >= 0).all() and (rows[:, 1] <= 24).all()
    assert (rows[:, 2] >= 0).all() and (rows[:, 2] <= 8).all()
    assert (rows[:, 3] >= -8).all() and (rows[:, 3] <= 0).all()  # patch wider than the volume: padding
    contains_rare = [
        (leg.labels[max(z, 0) : z + 16, max(y, 0) : y + 16, max(x, 0) : x + 32] == 7).any()
        for _, z, y, x in rows
    ]
    assert np.mean(contains_rare) > 0.95
    np.testing.assert_array_equal(rows, PatchSampler([leg], (16, 16, 32), 1.0, seed=0).draw(200))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: SliceSampler([], "axial", 0.3, 0), ValueError, "No training legs given"),
        (
            lambda: SliceSampler([make_leg()], "axial", 1.5, 0),
            ValueError,
            "oversample_foreground must be in [0, 1], found 1.5",
        ),
        (
            lambda: SliceSampler([make_leg()], "transverse", 0.3, 0),
            ValueError,
            "Unknown orientation 'transverse'",
        ),
        (
            lambda: PatchSampler([make_leg()], (8, 8), 0.3, 0),
            ValueError,
            "three positive sizes (D, H, W), found (8, 8)",
        ),
        (
            lambda: SliceSampler(
                [LegArrays("bad", np.zeros((4, 4, 4), np.float32), np.full((4, 4, 4), 12, np.uint8))],
                "axial",
                0.3,
                0,
            ),
            ValueError,
            "Leg bad: label value 12 found; labels must be 0..10",
        ),
        (
            lambda: SliceSampler(
                [LegArrays("air", np.zeros((4, 4, 4), np.float32), np.zeros((4, 4, 4), np.uint8))],
                "axial",
                0.3,
                0,
            ),
            ValueError,
            "No axial slice of the 1 training legs holds any body",
        ),
        (
            lambda: LegArrays("odd", np.zeros((4, 4, 4), np.float32), np.zeros((4, 4, 5), np.uint8)),
            ValueError,
            "Leg odd: image shape (4, 4, 4) differs from labels shape (4, 4, 5)",
        ),
    ],
)
def test_bad_inputs(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_no_muscle_means_uniform_draws(caplog):
    leg = make_leg()
    empty = LegArrays("empty", leg.image, np.zeros_like(leg.labels))
    rows = SliceSampler([empty], "axial", 1.0, seed=0).draw(20)
    assert rows[:, 1].max() <= 29
    assert "No muscle label" in caplog.text
