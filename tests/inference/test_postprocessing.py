import numpy as np
import pytest

from thigh_inference.postprocessing import keep_largest_component

BACKENDS = [pytest.param(True, id="cc3d"), pytest.param(False, id="scipy")]


@pytest.fixture
def two_blobs():
    labels = np.zeros((6, 8, 10), dtype=np.uint8)
    labels[1:4, 1:4, 1:4] = 4  # 27 voxels
    labels[1:3, 5:7, 6:8] = 4  # 8 voxels, separate
    return labels


@pytest.mark.parametrize("use_cc3d", BACKENDS)
def test_only_the_largest_blob_of_a_class_survives(two_blobs, use_cc3d):
    cleaned = keep_largest_component(two_blobs, use_cc3d=use_cc3d)
    expected = np.zeros_like(two_blobs)
    expected[1:4, 1:4, 1:4] = 4
    np.testing.assert_array_equal(cleaned, expected)
    assert cleaned.dtype == np.uint8
    assert two_blobs[1, 5, 6] == 4  # the input is not modified


@pytest.mark.parametrize("use_cc3d", BACKENDS)
def test_classes_are_cleaned_independently(use_cc3d):
    labels = np.zeros((5, 12, 12), dtype=np.uint8)
    labels[1:4, 1:4, 1:4] = 4  # class 4: one blob of 27
    labels[1:4, 4:10, 1:4] = 5  # class 5: big blob of 54 touching class 4
    labels[1:2, 11:12, 11:12] = 5  # class 5: stray voxel
    labels[2:3, 6:8, 8:10] = 7  # class 7: 4 voxels
    labels[4:5, 0:1, 11:12] = 7  # class 7: stray voxel
    cleaned = keep_largest_component(labels, use_cc3d=use_cc3d)
    expected = labels.copy()
    expected[1, 11, 11] = 0
    expected[4, 0, 11] = 0
    np.testing.assert_array_equal(cleaned, expected)


@pytest.mark.parametrize("use_cc3d", BACKENDS)
def test_background_and_unlisted_classes_are_untouched(two_blobs, use_cc3d):
    labels = two_blobs.copy()
    labels[5, 7, 9] = 2  # stray voxels of class 2
    labels[0, 0, 0] = 2
    labels[4:6, 0:2, 0:2] = 2
    cleaned = keep_largest_component(labels, classes=[4], use_cc3d=use_cc3d)
    assert np.count_nonzero(cleaned == 2) == np.count_nonzero(labels == 2)
    assert cleaned[1, 5, 6] == 0  # the small blob of class 4 went to background
    # With all classes, only the largest class-2 piece stays; background is only ever added to.
    cleaned_all = keep_largest_component(labels, use_cc3d=use_cc3d)
    assert np.count_nonzero(cleaned_all == 2) == 8
    assert np.all(cleaned_all[labels == 0] == 0)


@pytest.mark.parametrize("use_cc3d", BACKENDS)
@pytest.mark.parametrize(
    ("neighbour", "kept_with"),
    [
        ((3, 3, 3), (26,)),  # touches the block's corner voxel (2, 2, 2) by a corner
        ((3, 3, 2), (18, 26)),  # touches by an edge
        ((3, 2, 2), (6, 18, 26)),  # touches by a face
    ],
)
def test_connectivity_decides_what_touches(neighbour, kept_with, use_cc3d):
    labels = np.zeros((5, 5, 5), dtype=np.uint8)
    labels[1:3, 1:3, 1:3] = 3  # a 2x2x2 block, corner voxel at (2, 2, 2)
    labels[neighbour] = 3
    for connectivity in (6, 18, 26):
        cleaned = keep_largest_component(labels, connectivity=connectivity, use_cc3d=use_cc3d)
        assert (cleaned[neighbour] == 3) == (connectivity in kept_with), connectivity
        assert np.count_nonzero(cleaned[1:3, 1:3, 1:3] == 3) == 8


@pytest.mark.parametrize("use_cc3d", BACKENDS)
def test_equal_components_keep_the_first_in_c_order(use_cc3d):
    labels = np.zeros((5, 3, 7), dtype=np.uint8)
    labels[2, 0, 0:2] = 6  # second in C order
    labels[4, 0, 0:2] = 6  # last
    labels[0, 2, 5:7] = 6  # first in C order (z = 0), though last along x
    cleaned = keep_largest_component(labels, use_cc3d=use_cc3d)
    expected = np.zeros_like(labels)
    expected[0, 2, 5:7] = 6
    np.testing.assert_array_equal(cleaned, expected)


@pytest.mark.parametrize("connectivity", [6, 18, 26])
def test_cc3d_and_scipy_agree_on_random_labels(connectivity):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 11, size=(12, 14, 16)).astype(np.uint8)
    labels[rng.random(labels.shape) < 0.5] = 0
    np.testing.assert_array_equal(
        keep_largest_component(labels, connectivity=connectivity, use_cc3d=True),
        keep_largest_component(labels, connectivity=connectivity, use_cc3d=False),
    )


def test_other_integer_types_keep_their_dtype(two_blobs):
    for dtype in (np.int16, np.uint16):
        cleaned = keep_largest_component(two_blobs.astype(dtype))
        assert cleaned.dtype == dtype
        assert np.count_nonzero(cleaned) == 27


def test_empty_and_single_component_maps_are_unchanged():
    empty = np.zeros((2, 3, 4), dtype=np.uint8)
    np.testing.assert_array_equal(keep_largest_component(empty), empty)
    full = np.full((2, 3, 4), 9, dtype=np.uint8)
    np.testing.assert_array_equal(keep_largest_component(full), full)


@pytest.mark.parametrize(
    ("labels", "connectivity", "message"),
    [
        (
            np.zeros((3, 3), np.uint8),
            26,
            r"Expected a \(z, y, x\) label map, found an array of shape \(3, 3\)",
        ),
        (
            np.zeros((2, 2, 2), np.float32),
            26,
            "Expected an integer label map \\(uint8\\), found dtype float32",
        ),
        (np.zeros((2, 2, 2), np.uint8), 8, "Unknown connectivity 8; expected one of 6, 18, 26"),
    ],
)
def test_bad_inputs_are_rejected(labels, connectivity, message):
    with pytest.raises(ValueError, match=message):
        keep_largest_component(labels, connectivity=connectivity)


def test_labels_in_air_are_cleared():
    from thigh_inference.postprocessing import clear_labels_in_air

    labels = np.array([[[0, 7, 7, 3]]], dtype=np.uint8)
    hu = np.array([[[-1000, -1000, 40, -600]]], dtype=np.int16)
    assert clear_labels_in_air(labels, hu) == 2
    assert labels.tolist() == [[[0, 0, 7, 0]]]


def test_postprocess_leg_clears_air_before_the_largest_component_step(two_blobs):
    from thigh_inference.postprocessing import postprocess_leg

    air = np.zeros(two_blobs.shape, dtype=bool)
    air[1:4, 1:4, 1:4] = True  # the larger blob is a response in air
    np.testing.assert_array_equal(keep_largest_component(two_blobs.copy())[1:3, 5:7, 6:8], 0)
    cleaned = postprocess_leg(two_blobs.copy(), air)
    assert np.count_nonzero(cleaned) == 8  # the smaller blob, in tissue, is the muscle now
    assert not cleaned[air].any()
    np.testing.assert_array_equal(postprocess_leg(two_blobs.copy(), None), keep_largest_component(two_blobs))


def test_a_predicted_scan_has_no_label_in_air():
    """The air step on the scan's grid: mapping back interpolates labels onto air voxels next to muscle."""
    import SimpleITK as sitk
    import torch
    from support.prediction_models import tiny_model_results
    from support.training_datasets import DATASET, tiny_preprocessed_root

    from thigh_inference.scan_prediction import predict_scan
    from thigh_inference.settings import PredictionSettings
    from thigh_inference.trained_model import load_model
    from thigh_planner.normalisation.intensity import AIR_THRESHOLD_HU

    model = load_model(tiny_model_results() / DATASET / "2d5", None, torch.device("cpu"))
    scan = sorted((tiny_preprocessed_root().parent / "raw" / DATASET / "imagesTr").glob("*.nii.gz"))[0]
    image = sitk.ReadImage(str(scan))
    air = sitk.GetArrayViewFromImage(image) < AIR_THRESHOLD_HU
    raw = predict_scan(image, model, "case", PredictionSettings(postprocess=False)).labels
    assert np.count_nonzero(raw[air]) > 0  # the tiny model labels air, so the check below can fail
    labels = predict_scan(image, model, "case", PredictionSettings()).labels
    assert np.count_nonzero(labels) > 0 and np.count_nonzero(labels[air]) == 0
