"""Choosing the thigh CT among the series of one DICOM folder (thigh_common.series_choice).

Every folder here is written as real DICOM files: a main axial CT series of
12 slices 2.5 mm apart (27.5 mm from first to last), plus whatever a hospital
export puts beside it.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import SimpleITK as sitk

from thigh_common.dicom import list_dicom_series, read_dicom_series
from thigh_common.errors import InvalidInputError
from thigh_common.series_choice import choose_series

MAIN_UID = "1.2.3.10.1"
OTHER_UID = "1.2.3.10.2"
LOCALIZER = "ORIGINAL\\PRIMARY\\LOCALIZER"
CORONAL = (1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, -1.0, 0.0)  # rows x, columns -z: normal +y
SAGITTAL = (0.0, 0.0, -1.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0)  # rows y, columns -z: normal -x


def _main_series(synth, folder):
    return synth.write_dicom_series(folder, series_uid=MAIN_UID, description="thighs 2.5 mm", prefix="main")


def _topogram(synth, folder, direction=CORONAL, prefix="topo", image_type=LOCALIZER, origin=None):
    """A one-slice projection image in the main series' folder, under OTHER_UID."""
    synth.write_dicom_series(
        folder,
        synth.ct_array(shape=(1, 20, 16)),
        spacing=(0.8, 0.9, 1.0),
        origin=origin or synth.origin,
        direction=direction,
        series_uid=OTHER_UID,
        description="Topogram 0.6 T20f",
        prefix=prefix,
        image_type=image_type,
    )


def _choose(folder):
    return choose_series(list_dicom_series(folder), folder)


def test_localizer_beside_the_series_is_skipped_and_the_choice_logged(tmp_path, synth, caplog):
    folder = tmp_path / "study"
    reference = _main_series(synth, folder)
    _topogram(synth, folder)
    with caplog.at_level(logging.INFO, logger="thighseg.dicom"):
        image = read_dicom_series(folder)
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(reference))
    (record,) = [record for record in caplog.records if "reading series" in record.getMessage()]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert f"reading series {MAIN_UID} 'thighs 2.5 mm': 12 slices, 2.5 mm thick, 27.5 mm axial coverage" in (
        message
    )
    assert f"{OTHER_UID} 'Topogram 0.6 T20f': 1 slice, 1 mm thick" in message
    assert "a localizer (ImageType ORIGINAL\\PRIMARY\\LOCALIZER)" in message


@pytest.mark.parametrize(
    ("localizer", "reason"),
    [
        ("image_type", "a localizer (ImageType ORIGINAL\\PRIMARY\\LOCALIZER)"),
        ("single_slice", "a single slice (localizer?)"),
        ("two_planes", "slices are not parallel (a localizer of several planes?)"),
        ("one_position", "all slices lie at one position (a projection?)"),
    ],
)
def test_each_kind_of_localizer_is_skipped(tmp_path, synth, caplog, localizer, reason):
    folder = tmp_path / "study"
    _main_series(synth, folder)
    if localizer == "image_type":  # two slices, but marked as a localizer
        synth.write_dicom_series(
            folder,
            synth.ct_array(shape=(2, 20, 16)),
            series_uid=OTHER_UID,
            prefix="topo",
            image_type=LOCALIZER,
        )
    elif localizer == "single_slice":  # no ImageType at all
        _topogram(synth, folder, image_type=None)
    elif localizer == "two_planes":  # AP and lateral topogram in one series
        _topogram(synth, folder, CORONAL, "ap", image_type=None)
        _topogram(synth, folder, SAGITTAL, "lat", image_type=None, origin=(-90.0, 50.0, 300.0))
    else:  # two images at the same place
        _topogram(synth, folder, CORONAL, "a", image_type=None)
        _topogram(synth, folder, CORONAL, "b", image_type=None)
    assert len(list_dicom_series(folder)) == 2
    with caplog.at_level(logging.INFO, logger="thighseg.dicom"):
        assert _choose(folder).uid == MAIN_UID
    assert reason in caplog.text


def test_longest_axial_coverage_wins_with_a_warning(tmp_path, synth, caplog):
    folder = tmp_path / "study"
    _main_series(synth, folder)
    synth.write_dicom_series(
        folder,
        synth.ct_array(shape=(4, 20, 16)),
        series_uid=OTHER_UID,
        description="dose check",
        prefix="short",
    )
    synth.write_dicom_series(
        folder,
        synth.ct_array(shape=(12, 20, 16)),
        spacing=(0.8, 0.9, 5.0),
        direction=CORONAL,
        series_uid="1.2.3.10.3",
        description="coronal MPR",
        prefix="cor",
    )
    with caplog.at_level(logging.INFO, logger="thighseg.dicom"):
        assert _choose(folder).uid == MAIN_UID
    (record,) = [record for record in caplog.records if "reading series" in record.getMessage()]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "'dose check': 4 slices, 2.5 mm thick, 7.5 mm axial coverage: shorter: 7.5 mm against 27.5 mm" in (
        message
    )
    assert "'coronal MPR': 12 slices, 5 mm thick, 55.0 mm coronal coverage: coronal slices, and an axial" in (
        message
    )
    assert "of 3 series" in message and "--series-uid" in message


def test_two_series_of_similar_coverage_are_refused_with_both_listed(tmp_path, synth):
    folder = tmp_path / "study"
    _main_series(synth, folder)
    _topogram(synth, folder)
    synth.write_dicom_series(
        folder,
        synth.ct_array(shape=(6, 20, 16)),
        spacing=(0.8, 0.9, 5.0),
        series_uid="1.2.3.10.3",
        description="thighs 5 mm",
        prefix="thick",
    )
    with pytest.raises(InvalidInputError) as error:
        read_dicom_series(folder)
    assert str(error.value) == (
        f"{folder}: 2 CT series could be the thigh scan (CT volumes whose coverage differs by "
        "less than 10 %); pass the series UID of the one to read with --series-uid UID:\n"
        f"  {MAIN_UID} 'thighs 2.5 mm': 12 slices, 2.5 mm thick, 27.5 mm axial coverage\n"
        "  1.2.3.10.3 'thighs 5 mm': 6 slices, 5 mm thick, 25.0 mm axial coverage"
    )
    assert read_dicom_series(folder, "1.2.3.10.3").GetSize() == (16, 20, 6)


def test_series_uid_reads_even_what_the_rule_would_skip(tmp_path, synth):
    folder = tmp_path / "study"
    _main_series(synth, folder)
    synth.write_dicom_series(folder, synth.ct_array(shape=(4, 20, 16)), series_uid=OTHER_UID, prefix="short")
    assert read_dicom_series(folder, OTHER_UID).GetSize() == (16, 20, 4)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            "unknown_uid",
            "no series with UID '9.9.9'; the folder holds:\n"
            f"  {MAIN_UID} [CT] 'thighs 2.5 mm', 12 files, 2.5 mm thick\n"
            f"  {OTHER_UID} [CT] 'Topogram 0.6 T20f', 1 file, 1 mm thick\n"
            "Pass one of these UIDs with --series-uid.",
        ),
        (
            "only_localizers",
            f"  {OTHER_UID} 'Topogram 0.6 T20f': 1 slice, 1 mm thick: a localizer (ImageType ORIGINAL\\PRIMARY"
            "\\LOCALIZER)\n",
        ),
    ],
)
def test_bad_choices_say_what_the_folder_holds(tmp_path, synth, setup, expected):
    folder = tmp_path / "study"
    _topogram(synth, folder)
    if setup == "unknown_uid":
        _main_series(synth, folder)
    else:
        synth.write_dicom_series(
            folder,
            synth.ct_array(shape=(1, 20, 16)),
            series_uid="1.2.3.10.4",
            prefix="b",
            image_type=LOCALIZER,
        )
    with pytest.raises(InvalidInputError) as error:
        read_dicom_series(folder, "9.9.9" if setup == "unknown_uid" else None)
    message = str(error.value)
    assert expected in message
    if setup == "only_localizers":
        assert message.startswith(f"{folder}: none of the 2 CT series is a CT volume:\n")
        assert "  1.2.3.10.4 'synthetic': 1 slice, 2.5 mm thick: a localizer" in message
        assert message.endswith("pass --series-uid UID to read one anyway.")
    else:
        assert message.startswith(f"{folder}: no series with UID '9.9.9'")


def test_thigh_convert_skips_the_localizer(tmp_path, synth):
    folder = tmp_path / "study"
    reference = _main_series(synth, folder)
    _topogram(synth, folder)
    result = synth.run_cli("dicom", str(folder), str(tmp_path / "nifti"))
    assert result.returncode == 0, result.stderr
    assert f"reading series {MAIN_UID} 'thighs 2.5 mm': 12 slices" in result.stderr
    image = sitk.ReadImage(str(tmp_path / "nifti" / "study.nii.gz"))
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(reference))
