import numpy as np
import pytest

from thigh_trainer.data.boxes import center_fit, cut_box
from thigh_trainer.data.slices import extract_label_slice, extract_slice, num_slices, slice_shape

# volume[z, y, x] = 100 z + 10 y + x: every value names its position
VOLUME = (100 * np.arange(6)[:, None, None] + 10 * np.arange(5)[None, :, None] + np.arange(4)).astype(
    np.float32
)


@pytest.mark.parametrize(
    ("orientation", "count", "shape"), [("axial", 6, (5, 4)), ("coronal", 5, (6, 4)), ("sagittal", 4, (6, 5))]
)
def test_counts_and_shapes(orientation, count, shape):
    assert num_slices(VOLUME.shape, orientation) == count
    assert slice_shape(VOLUME.shape, orientation) == shape
    assert extract_slice(VOLUME, orientation, 1, 1).shape == (3, *shape)
    assert extract_label_slice(VOLUME, orientation, 1).shape == shape


def test_axial_channels_are_below_centre_above():
    out = extract_slice(VOLUME, "axial", 3, 2)
    np.testing.assert_array_equal(out[0], VOLUME[1])
    np.testing.assert_array_equal(out[1], VOLUME[3])
    np.testing.assert_array_equal(out[2], VOLUME[5])


def test_coronal_fixes_y_and_sagittal_fixes_x():
    coronal = extract_slice(VOLUME, "coronal", 2, 1)
    np.testing.assert_array_equal(coronal[0], VOLUME[:, 1, :])
    np.testing.assert_array_equal(coronal[2], VOLUME[:, 3, :])
    sagittal = extract_slice(VOLUME, "sagittal", 1, 1)
    np.testing.assert_array_equal(sagittal[0], VOLUME[:, :, 0])
    np.testing.assert_array_equal(sagittal[1], VOLUME[:, :, 1])
    assert sagittal[2, 4, 3] == 100 * 4 + 10 * 3 + 2


def test_neighbours_clamp_at_both_edges():
    first = extract_slice(VOLUME, "axial", 0, 2)
    np.testing.assert_array_equal(first[0], VOLUME[0])
    np.testing.assert_array_equal(first[2], VOLUME[2])
    last = extract_slice(VOLUME, "sagittal", 3, 5)
    np.testing.assert_array_equal(last[0], VOLUME[:, :, 0])
    np.testing.assert_array_equal(last[2], VOLUME[:, :, 3])


def test_label_slice_matches():
    labels = (VOLUME % 11).astype(np.uint8)
    np.testing.assert_array_equal(extract_label_slice(labels, "coronal", 4), labels[:, 4, :])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: num_slices((2, 2, 2), "oblique"),
            "Unknown orientation 'oblique'; expected one of axial, coronal, sagittal",
        ),
        (lambda: extract_slice(VOLUME, "Axial", 0, 1), "expected one of axial, coronal, sagittal"),
        (lambda: extract_slice(VOLUME, "axial", 0, -1), "Neighbour offset must be >= 0"),
        (lambda: extract_slice(VOLUME[0], "axial", 0, 1), "Expected a (z, y, x) volume"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


def test_index_out_of_range():
    with pytest.raises(IndexError, match="Slice index 6 out of range 0..5 for axial"):
        extract_slice(VOLUME, "axial", 6, 1)


def test_center_fit_pads_and_crops():
    array = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    padded = center_fit(array, (4, 5), pad_value=-1.0)
    assert padded.shape == (1, 4, 5)
    np.testing.assert_array_equal(padded[0, 1:3, 1:4], array[0])
    assert (padded == -1).sum() == 20 - 6
    np.testing.assert_array_equal(center_fit(padded, (2, 3), 0.0), array)


def test_cut_box_outside_is_padding():
    array = np.ones((3, 3, 3), np.uint8)
    box = cut_box(array, (-1, 1, 2), (3, 3, 3), 0)
    assert box.sum() == 2 * 2 * 1
    assert cut_box(array, (5, 0, 0), (2, 2, 2), 7).tolist() == np.full((2, 2, 2), 7).tolist()
