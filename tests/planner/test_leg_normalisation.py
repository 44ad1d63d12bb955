import numpy as np
import pytest
import SimpleITK as sitk

from thigh_planner.normalisation.intensity import normalise_hu
from thigh_planner.normalisation.leg_frame import LegFrame, build_leg_frame
from thigh_planner.normalisation.midline import MidlinePlane
from thigh_planner.normalisation.resampling import (
    image_to_frame,
    labels_to_frame,
    labels_to_original,
    paste_region,
)


def _scan(direction=(1, 0, 0, 0, 1, 0, 0, 0, 1), spacing=(1.5, 1.5, 2.5)):
    """A scan with two tilted 'legs': label rods with an asymmetric marker, on any direction."""
    size = (80, 60, 70)
    image = sitk.Image(size, sitk.sitkInt16)
    image.SetSpacing(spacing)
    image.SetDirection(direction)
    image.SetOrigin((0.0, 0.0, 0.0))
    center = np.mean(
        [image.TransformContinuousIndexToPhysicalPoint(c) for c in [(0, 0, 0), tuple(s - 1 for s in size)]],
        axis=0,
    )
    image.SetOrigin(tuple(np.asarray(image.GetOrigin()) - center))
    index = np.stack(np.meshgrid(*[np.arange(s) for s in size], indexing="ij"), axis=-1).reshape(-1, 3)
    direction_matrix = np.asarray(direction, float).reshape(3, 3)
    world = np.asarray(image.GetOrigin()) + (index * np.asarray(spacing)) @ direction_matrix.T
    labels = np.zeros(len(world), np.uint8)
    for sign in (1, -1):
        axis_point = np.array([sign * 30.0, 0.0, 0.0])
        axis_dir = np.array([sign * 0.2, 0.1, 1.0])
        axis_dir /= np.linalg.norm(axis_dir)
        rel = world - axis_point
        along = rel @ axis_dir
        radial = rel - along[:, None] * axis_dir
        radius = np.linalg.norm(radial, axis=1)
        inside = (np.abs(along) < 60) & (radius < 18)
        labels[inside & (radial[:, 1] < 0)] = 2
        labels[inside & (radial[:, 1] >= 0)] = 8
        # a lateral marker: label 3 on the patient's outer side of each leg
        labels[inside & (sign * radial[:, 0] > 8)] = 3
    array = labels.reshape(size[0], size[1], size[2]).transpose(2, 1, 0)
    label_image = sitk.GetImageFromArray(np.ascontiguousarray(array))
    label_image.CopyInformation(image)
    hu = np.where(array > 0, 50, -100).astype(np.int16)
    ct = sitk.GetImageFromArray(hu)
    ct.CopyInformation(image)
    return ct, label_image


def _frames():
    frames = {}
    for side, sign in (("left", 1), ("right", -1)):
        direction = np.array([sign * 0.2, 0.1, 1.0])
        frames[side] = build_leg_frame(side, (sign * 30.0, 0, 0), direction, (80, 80, 130), (1.5, 1.5, 1.5))
    plane = MidlinePlane.between(np.array([30.0, 0, 0]), np.array([-30.0, 0, 0]))
    return frames, plane


def _dice(a, b, label):
    x, y = a == label, b == label
    return 2 * np.sum(x & y) / (np.sum(x) + np.sum(y))


def test_frame_shape_axes_and_mirroring():
    frames, _ = _frames()
    for frame in frames.values():
        assert frame.shape_zyx == (87, 53, 53)
        axes = frame.axes_matrix
        assert np.allclose(axes.T @ axes, np.eye(3), atol=1e-9)
        assert axes[1, 1] > 0.9, "frame y points posterior"
        assert axes[2, 2] > 0.9, "frame z points proximal"
    assert np.linalg.det(frames["right"].axes_matrix) == pytest.approx(1.0)
    assert np.linalg.det(frames["left"].axes_matrix) == pytest.approx(-1.0), "left leg is mirrored"
    assert frames["right"].axes_matrix[0, 0] > 0 > frames["left"].axes_matrix[0, 0], "x points medial"
    assert LegFrame.from_dict(frames["left"].to_dict()) == frames["left"]


@pytest.mark.parametrize(
    "direction",
    [(1, 0, 0, 0, 1, 0, 0, 0, 1), (-1, 0, 0, 0, -1, 0, 0, 0, 1), (0, 1, 0, 1, 0, 0, 0, 0, -1)],
    ids=["identity", "flipped", "permuted"],
)
def test_round_trip_labels_and_mirrored_legs_match(direction):
    _, labels = _scan(direction)
    frames, plane = _frames()
    crops = {side: labels_to_frame(labels, frame, plane) for side, frame in frames.items()}
    # after mirroring, the lateral marker sits on the same side of both crops
    for crop in crops.values():
        lateral = np.argwhere(crop == 3)[:, 2].mean()
        assert lateral < crop.shape[2] / 2 - 5, "marker (lateral) lies at low x, x points medial"
    output = np.zeros(sitk.GetArrayViewFromImage(labels).shape, np.uint8)
    for side, frame in frames.items():
        region, back = labels_to_original(crops[side], frame, labels, num_classes=11, plane=plane)
        paste_region(output, region, back)
    original = sitk.GetArrayFromImage(labels)
    for label in (2, 3, 8):
        assert _dice(original, output, label) > 0.93


def test_image_is_masked_on_the_other_side():
    ct, _ = _scan()
    frames, plane = _frames()
    crop = image_to_frame(ct, frames["right"], plane)
    assert crop.dtype == np.float32
    assert crop.shape == frames["right"].shape_zyx
    unmasked = image_to_frame(ct, frames["right"], None)
    assert np.sum(unmasked > 0) > np.sum(crop > 0), "the left leg reaches into the right crop"
    assert crop.min() == pytest.approx(-1024.0)


def test_a_scan_cut_by_the_field_of_view_continues_its_edge_into_the_crop():
    """Outside the scan the crop repeats the nearest scan voxel: no wall of air where the scan ends."""
    ct, _ = _scan()
    frames, _ = _frames()
    cut = ct[:, :, ct.GetSize()[2] // 2 :]  # the proximal half only: the crop reaches below the scan
    crop = image_to_frame(cut, frames["right"], None)
    assert crop.min() == pytest.approx(-100.0), "no air fill (-1024 HU) below the cut"
    below = crop[:10]  # the crop's distal end lies outside the cut scan
    assert np.count_nonzero(below == 50.0) > 0, "the leg (50 HU) continues below the cut"
    whole = image_to_frame(ct, frames["right"], None)
    inside = crop[-20:]  # the proximal end lies inside both scans
    np.testing.assert_allclose(inside, whole[-20:], atol=1e-3)
    outside = image_to_frame(
        cut, build_leg_frame("right", (-30.0, 0, -500.0), (0, 0, 1.0), (40, 40, 40), (2, 2, 2))
    )
    assert np.all(outside == -1024.0), "a crop that misses the scan entirely is air"


def test_normalise_hu_modes_and_errors():
    values = np.array([-500.0, 0.0, 500.0])
    assert np.allclose(normalise_hu(values, (-100, 300), "zscore", mean_hu=100, std_hu=200), [-1, -0.5, 1])
    with pytest.raises(ValueError, match="below high"):
        normalise_hu(values, (10, 10))
    with pytest.raises(ValueError, match="normalisation must be one of"):
        normalise_hu(values, (0, 10), "robust")


@pytest.mark.parametrize(
    "direction", [(1, 0, 0, 0, 1, 0, 0, 0, 1), (0, 1, 0, 1, 0, 0, 0, 0, -1)], ids=["identity", "permuted"]
)
def test_labels_back_per_label_box_equal_the_full_one_hot_resampling(direction):
    """labels_to_original resamples each label only where it can matter; the labels must not change."""
    from thigh_planner.normalisation.resampling import scores_to_original

    _, labels = _scan(direction, spacing=(1.1, 0.9, 2.5))
    frames, plane = _frames()
    for frame in frames.values():
        crop = labels_to_frame(labels, frame, plane)
        crop[5:9, 10:14, 20:23] = 10  # a small label far from the others: its own small box
        crop[:2, 38:42, 38:42] = 9  # a label at the edge of the crop: its box is clipped to the crop
        one_hot = np.stack([crop == label for label in range(11)]).astype(np.float32)
        region_full, full = scores_to_original(one_hot, frame, labels, plane)
        region_fast, fast = labels_to_original(crop, frame, labels, num_classes=11, plane=plane)
        assert region_fast == region_full
        assert np.count_nonzero(fast == 10) > 0 and np.count_nonzero(fast == 9) > 0
        np.testing.assert_array_equal(fast, full)


def test_box_corners_cover_the_given_voxels_only():
    frames, _ = _frames()
    frame = frames["right"]
    np.testing.assert_allclose(frame.box_corners_mm((0, 0, 0), frame.size_xyz), frame.corners_mm())
    corners = frame.box_corners_mm((2, 3, 4), (3, 4, 5))  # exactly voxel (2, 3, 4)
    centre = frame.reference_image().TransformIndexToPhysicalPoint((2, 3, 4))
    np.testing.assert_allclose(corners.mean(axis=0), centre, atol=1e-9)
    edges = np.linalg.norm(corners[1] - corners[0])
    assert edges == pytest.approx(frame.spacing_mm[2])
