import matplotlib.image
import numpy as np
import pytest
import SimpleITK as sitk

from thigh_inference.overlay import (
    _label_position,
    axial_levels,
    display_name,
    femur_x,
    leg_columns,
    write_overlay,
)


def _pair():
    """An RAS-stored scan (x index grows to the patient's right): label 1 on the right, label 4 on the left."""
    hu = np.full((30, 40, 60), -1000, np.int16)
    labels = np.zeros(hu.shape, np.uint8)
    labels[10:20, 15:25, 40:50] = 1  # high x index = patient right
    labels[10:20, 15:25, 10:20] = 4  # low x index = patient left
    image = sitk.GetImageFromArray(hu)
    image.SetSpacing((0.8, 0.8, 3.0))
    image.SetDirection((-1, 0, 0, 0, -1, 0, 0, 0, 1))
    label_image = sitk.GetImageFromArray(labels)
    label_image.CopyInformation(image)
    return image, label_image


def test_png_has_coloured_labels_in_radiological_orientation(tmp_path):
    image, labels = _pair()
    write_overlay(image, labels, tmp_path / "out" / "c_overlay.png", "c")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["c_overlay.png"]
    rgb = matplotlib.image.imread(tmp_path / "out" / "c_overlay.png")[..., :3] * 255
    assert rgb.shape[0] >= 300 and rgb.shape[1] >= 600
    red = (rgb[..., 0] > 60) & (rgb[..., 1] < 30) & (rgb[..., 2] < 60)  # sartorius over black CT
    blue = (rgb[..., 2] > 60) & (rgb[..., 0] < 20) & (rgb[..., 1] < 100)  # vastus intermedius
    assert red.sum() > 100 and blue.sum() > 100
    # The axial panel comes first: the patient's right leg (red) is on the viewer's left of the left leg.
    assert np.flatnonzero(red.any(axis=0))[0] < np.flatnonzero(blue.any(axis=0))[0]


def test_slices_go_through_the_labels():
    labels = np.zeros((20, 30, 40), np.uint8)
    labels[4:9, 10:13, 30:33] = 2
    assert _label_position(labels) == (6, 11, 31)
    assert _label_position(np.zeros((4, 6, 8), np.uint8)) == (2, 3, 4)


def test_grids_must_match(tmp_path):
    image, _ = _pair()
    with pytest.raises(ValueError, match=r"image size \(60, 40, 30\) and label size \(5, 5, 5\) differ"):
        write_overlay(image, sitk.Image(5, 5, 5, sitk.sitkUInt8), tmp_path / "x.png")


def test_legs_are_told_apart_by_the_empty_columns_between_them():
    labels = np.zeros((10, 10, 40), np.uint8)
    labels[2:8, 4:6, 5:9] = 3  # patient right (low x in LPS)
    labels[2:8, 4:6, 30:34] = 3  # patient left
    labels[5, 5, 20] = 1  # a stray voxel between them is no third leg
    assert leg_columns(labels) == [("right", slice(5, 9)), ("left", slice(30, 34))]
    labels[:] = 0
    labels[2:8, 4:6, 5:9] = 3
    assert leg_columns(labels) == [("leg", slice(5, 9))]
    assert leg_columns(np.zeros((3, 3, 3), np.uint8)) == []


def test_the_sagittal_plane_goes_through_the_femur_not_the_muscle_centroid():
    hu = np.zeros((10, 10, 40), np.int16)
    labels = np.zeros(hu.shape, np.uint8)
    labels[2:8, 2:8, 5:20] = 3
    hu[:, 4:6, 16:18] = 1200  # femur near the lateral edge of the muscles
    assert femur_x(hu, labels, slice(5, 20)) in (16, 17)
    assert femur_x(np.zeros_like(hu), labels, slice(5, 20)) == 12  # no bone: label centroid


def test_axial_slices_at_three_levels_of_the_labelled_range():
    labels = np.zeros((50, 4, 4), np.uint8)
    labels[10:41] = 2
    assert axial_levels(labels) == [("distal", 16), ("middle", 25), ("proximal", 34)]
    assert axial_levels(np.zeros((6, 2, 2), np.uint8)) == [("middle", 3)]


def test_flagged_muscles_are_outlined_and_named_in_the_legend(tmp_path):
    image, labels = _pair()
    write_overlay(image, labels, tmp_path / "plain.png", "c")
    write_overlay(image, labels, tmp_path / "flagged.png", "c", flags={"sartorius": "orientations disagree"})
    plain = matplotlib.image.imread(tmp_path / "plain.png")[..., :3]
    flagged = matplotlib.image.imread(tmp_path / "flagged.png")[..., :3]
    white = lambda rgb: (rgb > 0.95).all(axis=-1)  # noqa: E731
    assert white(flagged).sum() > white(plain).sum() + 50
    assert display_name("rectus_femoris") == "rectus femoris"
