import matplotlib.image
import numpy as np
import pytest
import SimpleITK as sitk

from thigh_inference.overlay import _label_position, write_overlay


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


def test_sagittal_slice_goes_through_the_right_leg_when_the_centroid_is_between_the_legs():
    labels = np.zeros((10, 10, 40), np.uint8)
    labels[2:8, 4:6, 5:9] = 3  # patient right (low x in LPS)
    labels[2:8, 4:6, 30:34] = 3  # patient left
    z, y, x = _label_position(labels)
    assert (z, y) == (4, 4) or (z, y) == (5, 4)
    assert 5 <= x <= 8
