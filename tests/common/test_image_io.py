import os

import numpy as np
import pytest
import SimpleITK as sitk

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import (
    case_id_from_image_file,
    image_file_name,
    label_file_name,
    read_image,
    reading_note,
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
    path.write_bytes(b"\x00\x07binary garbage that is not gzip")
    with pytest.raises(InvalidInputError, match="cannot be read as an image"):
        read_image(path)


@pytest.mark.parametrize("extension", [".nii.gz", ".nrrd"])
def test_empty_file_is_named_empty(tmp_path, extension):
    path = tmp_path / f"scan{extension}"
    path.write_bytes(b"")
    with pytest.raises(InvalidInputError) as caught:
        read_image(path)
    assert str(caught.value) == f"{path}: the file is empty (0 bytes); write or copy it again"


@pytest.mark.parametrize("extension", [".nii.gz", ".nii", ".mha"])
def test_text_file_is_named_text(tmp_path, extension):
    path = tmp_path / f"scan{extension}"
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0123\nsize 4096\n")
    with pytest.raises(InvalidInputError) as caught:
        read_image(path)
    assert str(caught.value).startswith(
        f"{path}: not an image SimpleITK can read (it starts with text "
        "'version https://git-lfs.github.com/spec/...'); give a NIfTI, NRRD or MetaImage file"
    )


def test_uncompressed_nifti_named_nii_gz_is_read_completely(tmp_path):
    image = _image()
    plain = tmp_path / "scan.nii"
    sitk.WriteImage(image, str(plain))
    path = tmp_path / "scan.nii.gz"
    os.replace(plain, path)
    assert path.read_bytes()[:2] != b"\x1f\x8b"
    back = read_image(path)
    assert np.array_equal(sitk.GetArrayFromImage(back), sitk.GetArrayFromImage(image))
    assert np.allclose(back.GetSpacing(), image.GetSpacing())
    assert reading_note(back) == ""


def test_truncated_uncompressed_nifti_named_nii_gz_is_truncated(tmp_path):
    plain = tmp_path / "scan.nii"
    sitk.WriteImage(_image(), str(plain))
    data = plain.read_bytes()
    path = tmp_path / "scan.nii.gz"
    path.write_bytes(data[: len(data) - 100])
    plain.unlink()
    with pytest.raises(InvalidInputError) as caught:
        read_image(path)
    assert str(caught.value) == (
        f"{path}: the file is truncated ({len(data) - 100} of {len(data)} bytes); write or copy it again"
    )


@pytest.mark.parametrize("extension", [".nii", ".nii.gz"])
def test_truncated_nifti_is_reported(tmp_path, extension):
    path = tmp_path / f"scan{extension}"
    write_image(_image(), path, compress=extension == ".nii.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InvalidInputError, match="the file is truncated"):
        read_image(path)


def test_truncated_gzip_nifti_says_the_compressed_data_ends_early(tmp_path):
    path = tmp_path / "scan.nii.gz"
    write_image(sitk.GetImageFromArray(np.arange(10 * 16 * 12, dtype=np.int16).reshape(10, 16, 12)), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])
    with pytest.raises(InvalidInputError) as caught:
        read_image(path)
    assert str(caught.value) == (
        f"{path}: the file is truncated (the compressed data ends early (expected 4192 bytes "
        "uncompressed)); write or copy it again"
    )
