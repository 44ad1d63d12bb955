import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.phantom.case import generate_case
from thigh_common.labels import MUSCLE_LABELS


def arrays(case):
    return sitk.GetArrayFromImage(case.image), sitk.GetArrayFromImage(case.label)


def test_same_seed_gives_identical_arrays(tiny_cases):
    again = generate_case(1, 1, "tiny")
    image, label = arrays(again)
    reference_image, reference_label = arrays(tiny_cases[1])
    assert np.array_equal(image, reference_image)
    assert np.array_equal(label, reference_label)
    assert again.truth == tiny_cases[1].truth


def test_different_seeds_differ():
    first, _ = arrays(generate_case(10, 0, "tiny"))
    second, _ = arrays(generate_case(11, 0, "tiny"))
    assert first.shape != second.shape or not np.array_equal(first, second)


def test_types_and_geometry(tiny_cases):
    for case in tiny_cases:
        assert case.image.GetPixelID() == sitk.sitkInt16
        assert case.label.GetPixelID() == sitk.sitkUInt8
        assert case.image.GetSize() == case.label.GetSize()
        assert case.image.GetSpacing() == case.label.GetSpacing()
        assert case.image.GetOrigin() == case.label.GetOrigin()
        assert case.image.GetDirection() == case.label.GetDirection()
        _, label = arrays(case)
        assert label.max() <= 10


def _sides(case):
    """Label array and masks of the world right (x < 0) and left (x > 0) half (identity layout)."""
    _, label = arrays(case)
    x = case.grid.axis(0)[None, None, :]
    return label, {"right": x < 0, "left": x > 0}


@pytest.mark.parametrize("which", ["tiny", "small"])
def test_all_ten_labels_in_both_legs(which, tiny_cases, small_case):
    for case in tiny_cases if which == "tiny" else [small_case]:
        label, sides = _sides(case)
        for side, mask in sides.items():
            present = set(np.unique(label[np.broadcast_to(mask, label.shape)]).tolist())
            missing = set(MUSCLE_LABELS) - present
            assert not missing, f"{case.truth['case']} seed {case.truth['seed']}: {side} leg lacks {missing}"


def test_labels_never_on_bone(tiny_cases, small_case):
    for case in [*tiny_cases, small_case]:
        _, label = arrays(case)
        assert case.bone.any()
        assert not np.any((label > 0) & case.bone)
        # No labelled voxel is bone-bright before noise either.
        assert case.clean[label > 0].max() < 400


def test_muscle_mean_hu_in_muscle_range(tiny_cases, small_case):
    for case in [*tiny_cases, small_case]:
        image, label = arrays(case)
        x = case.grid.axis(0)[None, None, :]
        for mask in (x < 0, x > 0):
            for value in MUSCLE_LABELS:
                selected = (label == value) & mask
                mean = float(image[selected].mean())
                assert 20.0 <= mean <= 70.0, f"label {value}: mean HU {mean:.1f}"


def test_fat_air_and_bone_intensities(small_case):
    image, label = arrays(small_case)
    clean = small_case.clean
    assert clean.min() == pytest.approx(-1000.0, abs=1.0)
    assert np.percentile(clean[small_case.bone], 90) > 700
    assert image.dtype == np.int16


def test_noise_sigma_matches_truth(small_case):
    image, _ = arrays(small_case)
    air = (small_case.clean == -1000.0) & (np.abs(small_case.grid.axis(1))[None, :, None] < 1e9)
    residual = image[air].astype(float) + 1000.0
    assert residual.std() == pytest.approx(small_case.truth["noise_sigma_hu"], rel=0.15)


@pytest.mark.parametrize("legs", ["left", "right"])
def test_one_leg_field_of_view(legs):
    case = generate_case(0, 0, "tiny", legs=legs)
    _, label = arrays(case)
    assert case.grid.shape[2] < case.grid.shape[1]
    assert set(case.truth["legs"]) == {legs}
    x = case.grid.axis(0)[None, None, :]
    other = (x < -5) if legs == "left" else (x > 5)
    assert not np.any((label > 0) & other)
    assert set(np.unique(label)) == {0, *MUSCLE_LABELS}
