"""Reading DICOM series (thigh_common.dicom) and converting them to NIfTI (thigh_convert dicom)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from dataset_conversion.dicom_conversion import convert_dicom
from thigh_common.dicom import find_series_folders, list_dicom_series, read_dicom_series
from thigh_common.errors import InvalidInputError
from thigh_common.geometry import geometry_differences
from thigh_common.image_io import read_image, reading_note

REAL_SERIES = Path("/work/shared/data/real_ct/example_ct_dicom")


def _tag(file_name: str, tag: str) -> str:
    reader = sitk.ImageFileReader()
    reader.SetFileName(file_name)
    reader.ReadImageInformation()
    return reader.GetMetaData(tag)


def _floats(text: str) -> np.ndarray:
    return np.array([float(value) for value in text.split("\\")])


@pytest.mark.skipif(not REAL_SERIES.is_dir(), reason="shared real CT not available")
def test_real_series_geometry_and_hu():
    image = read_dicom_series(REAL_SERIES)
    (series,) = list_dicom_series(REAL_SERIES)
    first, last = series.files[0], series.files[-1]
    first_position = _floats(_tag(first, "0020|0032"))
    last_position = _floats(_tag(last, "0020|0032"))
    orientation = _floats(_tag(first, "0020|0037"))
    row_spacing, column_spacing = _floats(_tag(first, "0028|0030"))

    assert image.GetSize() == (512, 512, 20)
    assert image.GetPixelID() == sitk.sitkInt16
    slice_spacing = np.linalg.norm(last_position - first_position) / 19
    assert slice_spacing == pytest.approx(2.0)
    np.testing.assert_allclose(image.GetSpacing(), (column_spacing, row_spacing, slice_spacing), atol=1e-6)
    np.testing.assert_allclose(image.GetSpacing(), (0.9765625, 0.9765625, 2.0), atol=1e-6)
    np.testing.assert_allclose(image.GetOrigin(), first_position, atol=1e-4)
    normal = np.cross(orientation[:3], orientation[3:])
    expected_direction = np.column_stack([orientation[:3], orientation[3:], normal])
    np.testing.assert_allclose(np.reshape(image.GetDirection(), (3, 3)), expected_direction, atol=1e-6)
    # The last slice lies where the last file says.
    np.testing.assert_allclose(image.TransformIndexToPhysicalPoint((0, 0, 19)), last_position, atol=1e-3)
    array = sitk.GetArrayViewFromImage(image)
    assert array.min() == -1024  # rescale intercept applied (raw 0 -> -1024 HU)
    corner = array[:, :20, :20]
    assert -1030 < np.median(corner) < -950, "air outside the body is near -1000 HU"
    assert 500 < array.max() < 3000, "bone"


@pytest.mark.skipif(not REAL_SERIES.is_dir(), reason="shared real CT not available")
def test_read_image_of_a_folder_reads_the_series():
    assert read_image(REAL_SERIES).GetSize() == (512, 512, 20)


def test_synthetic_series_round_trip(tmp_path, synth):
    reference = synth.write_dicom_series(tmp_path / "ct")
    image = read_dicom_series(tmp_path / "ct")
    assert geometry_differences(reference, image, tolerance=1e-5) == []
    assert not np.allclose(np.reshape(image.GetDirection(), (3, 3)), np.eye(3)), "orientation is not identity"
    assert image.GetPixelID() == sitk.sitkInt16
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(reference))


def test_two_ct_series_in_one_folder_list_both(tmp_path, synth):
    folder = tmp_path / "mixed"
    synth.write_dicom_series(folder, series_uid="1.2.3.4.1", description="soft tissue", prefix="a")
    synth.write_dicom_series(folder, series_uid="1.2.3.4.2", description="bone kernel", prefix="b")
    with pytest.raises(InvalidInputError) as error:
        read_dicom_series(folder)
    message = str(error.value)
    assert "2 CT series could be the thigh scan" in message and "--series-uid UID" in message
    assert "  1.2.3.4.1 'soft tissue': 12 slices, 2.5 mm thick, 27.5 mm axial coverage" in message
    assert "  1.2.3.4.2 'bone kernel': 12 slices, 2.5 mm thick, 27.5 mm axial coverage" in message
    chosen = read_dicom_series(folder, series_uid="1.2.3.4.2")
    assert chosen.GetSize() == (16, 20, 12)


def test_ct_series_is_chosen_among_other_modalities(tmp_path, synth):
    folder = tmp_path / "study"
    synth.write_dicom_series(folder, series_uid="1.2.3.5.1", modality="CT", prefix="ct")
    synth.write_dicom_series(folder, series_uid="1.2.3.5.2", modality="PT", prefix="pt")
    assert {series.modality for series in list_dicom_series(folder)} == {"CT", "PT"}
    assert read_dicom_series(folder).GetSize() == (16, 20, 12)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("empty", "no DICOM series found"),
        ("not_dicom", "no DICOM series found"),
        ("only_subfolders", "It has subfolders (p1)"),
        ("mr_only", "no CT series found"),
        ("unknown_uid", "no series with UID '9.9.9'"),
        ("mixed_sizes", "could not be read"),
    ],
)
def test_bad_series_folders(tmp_path, synth, setup, expected):
    folder = tmp_path / "in"
    folder.mkdir()
    uid = None
    if setup == "not_dicom":
        (folder / "notes.txt").write_text("hello")
    elif setup == "only_subfolders":
        synth.write_dicom_series(folder / "p1")
    elif setup == "mr_only":
        synth.write_dicom_series(folder, modality="MR")
    elif setup == "unknown_uid":
        synth.write_dicom_series(folder)
        uid = "9.9.9"
    elif setup == "mixed_sizes":
        synth.write_dicom_series(folder, prefix="a")
        shape = (3, 18, 16)
        synth.write_dicom_series(
            folder, synth.ct_array(shape=shape), origin=(-100.0, 50.0, 400.0), prefix="b"
        )
    with pytest.raises(InvalidInputError) as error:
        read_dicom_series(folder, uid)
    assert expected in str(error.value)
    assert str(folder) in str(error.value)


def test_missing_slice_warns_and_is_noted_on_the_image(tmp_path, synth, caplog):
    synth.write_dicom_series(tmp_path / "ct")
    (tmp_path / "ct" / "slice_006.dcm").unlink()
    with caplog.at_level(logging.WARNING, logger="thighseg.dicom"):
        image = read_image(tmp_path / "ct")
    assert image.GetSize() == (16, 20, 11)
    note = reading_note(image)
    assert note.startswith("slices are not evenly spaced (gaps from 2.500 to 5.000 mm, mean 2.750 mm)")
    assert note.endswith("missing slices or a varying slice distance, so the geometry is approximate")
    assert f"{tmp_path / 'ct'}: {note}" in caplog.text


def test_complete_series_has_no_reading_note(tmp_path, synth, caplog):
    synth.write_dicom_series(tmp_path / "ct")
    with caplog.at_level(logging.WARNING, logger="thighseg.dicom"):
        image = read_dicom_series(tmp_path / "ct")
    assert reading_note(image) == ""
    assert "not evenly spaced" not in caplog.text


def test_float_values_become_int16_only_when_integral():
    from thigh_common.dicom import cast_integral_to_int16

    integral = sitk.GetImageFromArray(np.array([[[-1000.0, 40.0]]], np.float32))
    fractional = sitk.GetImageFromArray(np.array([[[-1000.5, 40.0]]], np.float32))
    too_large = sitk.GetImageFromArray(np.array([[[-1000.0, 40000.0]]], np.float32))
    assert cast_integral_to_int16(integral).GetPixelID() == sitk.sitkInt16
    assert cast_integral_to_int16(fractional).GetPixelID() == sitk.sitkFloat32
    assert cast_integral_to_int16(too_large).GetPixelID() == sitk.sitkFloat32


def test_folder_of_series_folders(tmp_path, synth):
    root = tmp_path / "export"
    references = {
        "p01_ct": synth.write_dicom_series(root / "p01" / "ct", series_uid="1.2.3.6.1"),
        "p02_ct": synth.write_dicom_series(root / "p02" / "ct", synth.ct_array(1), series_uid="1.2.3.6.2"),
    }
    (root / "p02" / "report.txt").parent.mkdir(exist_ok=True)
    (root / "p02" / "report.txt").write_text("not dicom")
    assert find_series_folders(root) == [root / "p01" / "ct", root / "p02" / "ct"]
    written = convert_dicom(root, tmp_path / "nifti")
    assert sorted(path.name for path in written) == ["p01_ct.nii.gz", "p02_ct.nii.gz"]
    for name, reference in references.items():
        image = sitk.ReadImage(str(tmp_path / "nifti" / f"{name}.nii.gz"))
        assert geometry_differences(reference, image, tolerance=1e-5) == []
        np.testing.assert_array_equal(
            sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(reference)
        )


def test_failures_are_collected_and_the_rest_converted(tmp_path, synth):
    root = tmp_path / "export"
    synth.write_dicom_series(root / "good")
    synth.write_dicom_series(root / "two", series_uid="1.2.3.7.1", prefix="a")
    synth.write_dicom_series(root / "two", series_uid="1.2.3.7.2", prefix="b")
    synth.write_dicom_series(root / "zmr", modality="MR")
    with pytest.raises(InvalidInputError) as error:
        convert_dicom(root, tmp_path / "nifti")
    message = str(error.value)
    assert "2 of 3 DICOM series folder(s) failed (1 converted)" in message
    assert "2 CT series" in message and "no CT series found" in message
    assert [path.name for path in (tmp_path / "nifti").iterdir()] == ["good.nii.gz"]


def test_single_series_names_and_output_rules(tmp_path, synth):
    synth.write_dicom_series(tmp_path / "ct")
    assert convert_dicom(tmp_path / "ct", tmp_path / "out", name="case7") == [
        tmp_path / "out" / "case7.nii.gz"
    ]
    with pytest.raises(InvalidInputError, match="exists and is not empty.*--overwrite"):
        convert_dicom(tmp_path / "ct", tmp_path / "out")
    convert_dicom(tmp_path / "ct", tmp_path / "out", overwrite=True)
    assert (tmp_path / "out" / "ct.nii.gz").is_file()
    assert convert_dicom(tmp_path / "ct", tmp_path / "file.nii.gz") == [tmp_path / "file.nii.gz"]
    with pytest.raises(InvalidInputError, match="no DICOM series found in it or in any folder below it"):
        convert_dicom(tmp_path / "out", tmp_path / "other")


def test_cli_dicom(tmp_path, synth):
    synth.write_dicom_series(tmp_path / "export" / "p1")
    synth.write_dicom_series(tmp_path / "export" / "p2")
    result = synth.run_cli("dicom", str(tmp_path / "export"), str(tmp_path / "nifti"))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "nifti").iterdir()) == ["p1.nii.gz", "p2.nii.gz"]
    again = synth.run_cli("dicom", str(tmp_path / "export"), str(tmp_path / "nifti"))
    assert again.returncode == 2
    assert "exists and is not empty" in again.stderr and "Traceback" not in again.stderr
