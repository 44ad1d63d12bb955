import numpy as np
import pytest
import SimpleITK as sitk

from thigh_common.image_io import read_image
from thigh_common.labels import LABELS
from thigh_inference.label_export import (
    LABEL_COLOURS,
    labels_to_image,
    write_colour_table,
    write_itksnap_labels,
    write_labels,
)


def _reference() -> sitk.Image:
    image = sitk.Image(7, 5, 3, sitk.sitkInt16)
    image.SetSpacing((0.7, 0.9, 2.5))
    image.SetOrigin((-120.5, 33.0, 410.25))
    a, b = np.deg2rad(25.0), np.deg2rad(-12.0)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    image.SetDirection(tuple((rx @ rz).ravel()))
    return image


def _labels() -> np.ndarray:
    return (np.arange(3 * 5 * 7).reshape(3, 5, 7) % 11).astype(np.int64)


@pytest.mark.parametrize("extension", [".nii.gz", ".nrrd", ".mha"])
def test_geometry_is_kept_and_written_file_reads_back_identically(tmp_path, extension):
    reference = _reference()
    image = labels_to_image(_labels(), reference)
    assert image.GetPixelID() == sitk.sitkUInt8
    assert image.GetSize() == reference.GetSize()
    assert image.GetSpacing() == reference.GetSpacing()
    assert image.GetOrigin() == reference.GetOrigin()
    assert image.GetDirection() == reference.GetDirection()
    write_labels(image, tmp_path / f"case{extension}")
    back = read_image(tmp_path / f"case{extension}")
    assert back.GetPixelID() == sitk.sitkUInt8
    np.testing.assert_array_equal(sitk.GetArrayFromImage(back), _labels())
    np.testing.assert_allclose(back.GetSpacing(), reference.GetSpacing(), atol=1e-6)
    np.testing.assert_allclose(back.GetOrigin(), reference.GetOrigin(), atol=1e-5)
    np.testing.assert_allclose(back.GetDirection(), reference.GetDirection(), atol=1e-6)
    assert [path.name for path in tmp_path.iterdir()] == [f"case{extension}"]


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            np.zeros((3, 7, 5), np.uint8),
            "labels of shape (3, 7, 5) (z, y, x) do not fit the scan's grid (3, 5, 7) (z, y, x)",
        ),
        (np.full((3, 5, 7), 11, np.uint8), "label values 11 .. 11 outside the label table 0 .. 10"),
        (np.full((3, 5, 7), -1, np.int16), "label values -1 .. -1 outside the label table 0 .. 10"),
    ],
)
def test_bad_labels_are_rejected(labels, expected):
    with pytest.raises(ValueError) as caught:
        labels_to_image(labels, _reference())
    assert str(caught.value) == expected


def test_write_labels_rejects_non_uint8(tmp_path):
    with pytest.raises(ValueError, match="a label image must be uint8; got 16-bit signed integer"):
        write_labels(_reference(), tmp_path / "x.nii.gz")


def test_palette_has_one_distinct_colour_per_label():
    assert set(LABEL_COLOURS) == set(LABELS)
    assert len(set(LABEL_COLOURS.values())) == len(LABELS)


def test_slicer_colour_table_lines(tmp_path):
    write_colour_table(tmp_path / "labels.ctbl")
    lines = (tmp_path / "labels.ctbl").read_text().splitlines()
    assert lines[0].startswith("#")
    entries = [line.split() for line in lines if not line.startswith("#")]
    assert len(entries) == len(LABELS)
    for fields in entries:
        assert len(fields) == 6  # index name R G B A
        index, name, *rgba = fields
        assert LABELS[int(index)] == name
        assert tuple(int(v) for v in rgba[:3]) == LABEL_COLOURS[int(index)]
        assert int(rgba[3]) == (0 if int(index) == 0 else 255)


def test_itksnap_label_description(tmp_path):
    write_itksnap_labels(tmp_path / "labels_itksnap.txt")
    entries = [
        line
        for line in (tmp_path / "labels_itksnap.txt").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert len(entries) == len(LABELS)
    fields = entries[6].split()
    assert [int(v) for v in fields[:7]] == [6, *LABEL_COLOURS[6], 1, 1, 1]
    assert fields[7] == '"adductors"'
    assert entries[0].split()[-2:] == ['"Clear', 'Label"']
