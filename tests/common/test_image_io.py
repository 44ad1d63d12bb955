import numpy as np
import pytest
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import (
    case_id_from_image_file,
    image_file_name,
    label_file_name,
    read_image,
    strip_extension,
    write_image,
)


def _image(direction=(0, 1, 0, 1, 0, 0, 0, 0, -1)):
    array = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing((0.8, 1.25, 3.0))
    image.SetOrigin((-10.0, 20.5, 300.0))
    image.SetDirection(direction)
    return image


@pytest.mark.parametrize("extension", [".nii.gz", ".nii", ".nrrd", ".mha"])
def test_round_trip_keeps_voxels_and_geometry(tmp_path, extension):
    image = _image()
    path = tmp_path / f"case{extension}"
    write_image(image, path)
    back = read_image(path)
    assert np.array_equal(sitk.GetArrayFromImage(back), sitk.GetArrayFromImage(image))
    assert np.allclose(back.GetSpacing(), image.GetSpacing())
    assert np.allclose(back.GetOrigin(), image.GetOrigin())
    assert np.allclose(back.GetDirection(), image.GetDirection())
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary file left behind"


def test_names_follow_raw_layout():
    assert image_file_name("case_7") == "case_7_0000.nii.gz"
    assert label_file_name("case_7", ".mha") == "case_7.mha"
    assert case_id_from_image_file("x/case_7_0000.nii.gz") == "case_7"
    assert strip_extension("a/b.nrrd") == "b"


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InvalidInputError, match="no such file or folder"):
        read_image(tmp_path / "absent.nii.gz")


def test_unsupported_extension_is_reported(tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(b"not an image")
    with pytest.raises(InvalidInputError, match="not a supported image file"):
        read_image(path)


def test_corrupt_file_is_reported(tmp_path):
    path = tmp_path / "scan.nii.gz"
    path.write_bytes(b"garbage that is not gzip")
    with pytest.raises(InvalidInputError, match="cannot be read as an image"):
        read_image(path)


@pytest.mark.parametrize("extension", [".nii", ".nii.gz"])
def test_truncated_nifti_is_reported(tmp_path, extension):
    path = tmp_path / f"scan{extension}"
    write_image(_image(), path, compress=extension == ".nii.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InvalidInputError, match="truncated|cannot be read"):
        read_image(path)
