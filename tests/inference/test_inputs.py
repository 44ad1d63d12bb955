import logging
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from support.dicom_series import write_ct_series

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import read_image, write_image
from thigh_inference.inputs import ScanInput, check_scan, find_scans, read_scan

SERIES_UID = "1.2.826.0.1.3680043.2.1125.7.1"  # write_ct_series' default
LOCALIZER = "ORIGINAL\\PRIMARY\\LOCALIZER"


def _ct(shape=(4, 6, 5)) -> sitk.Image:
    array = np.full(shape, -1000, np.int16)
    array[:, 1:-1, 1:-1] = 200
    return sitk.GetImageFromArray(array)


def test_single_file_case_id_drops_extension_and_channel_suffix(tmp_path):
    write_image(_ct(), tmp_path / "patient_7_0000.nii.gz")
    assert find_scans(tmp_path / "patient_7_0000.nii.gz") == [
        ScanInput("patient_7", tmp_path / "patient_7_0000.nii.gz", "file")
    ]


def test_folder_of_mixed_formats_sorted_and_ignores_other_files(tmp_path):
    write_image(_ct(), tmp_path / "c.nrrd")
    write_image(_ct(), tmp_path / "a_0000.nii.gz")
    write_image(_ct(), tmp_path / "b.mha")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".d.nii.gz.part.nii.gz").write_bytes(b"")
    scans = find_scans(tmp_path)
    assert [(s.case_id, s.path.name, s.kind) for s in scans] == [
        ("a", "a_0000.nii.gz", "file"),
        ("b", "b.mha", "file"),
        ("c", "c.nrrd", "file"),
    ]


def test_dicom_series_folder_is_named_after_itself_and_readable(tmp_path):
    reference = write_ct_series(tmp_path / "scan_42")
    scans = find_scans(tmp_path / "scan_42")
    assert scans == [ScanInput("scan_42", tmp_path / "scan_42", "dicom", SERIES_UID)]
    image = read_image(scans[0].path)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(reference))
    check_scan(image, "scan_42")


def test_folder_of_series_folders_joins_the_path_below_in(tmp_path):
    write_ct_series(tmp_path / "p1" / "ct", series_uid="1.2.3.1")
    write_ct_series(tmp_path / "p2" / "ct", series_uid="1.2.3.2")
    write_image(_ct(), tmp_path / "p0.nii.gz")
    scans = find_scans(tmp_path)
    assert [(s.case_id, s.kind) for s in scans] == [("p0", "file"), ("p1_ct", "dicom"), ("p2_ct", "dicom")]
    assert scans[1].path == tmp_path / "p1" / "ct"


def _thigh_series(folder: Path, uid: str = "1.2.3.20.1", description: str = "thighs", seed: int = 200):
    array = np.full((4, 10, 8), -1000, np.int16)
    array[:, 2:-2, 2:-2] = seed
    return write_ct_series(folder, array, series_uid=uid, description=description, prefix=description)


def _topogram(folder: Path) -> None:
    array = np.full((1, 10, 8), -1000, np.int16)
    write_ct_series(folder, array, series_uid="1.2.3.20.9", description="Topogram", image_type=LOCALIZER,
                    prefix="topo")  # fmt: skip


def test_localizer_beside_the_series_is_skipped_and_the_choice_logged(tmp_path, caplog):
    reference = _thigh_series(tmp_path / "study")
    _topogram(tmp_path / "study")
    with caplog.at_level(logging.INFO):
        (scan,) = find_scans(tmp_path / "study")
    assert scan == ScanInput("study", tmp_path / "study", "dicom", "1.2.3.20.1")
    assert "reading series 1.2.3.20.1 'thighs': 4 slices, 2.5 mm thick, 7.5 mm axial coverage" in caplog.text
    assert "1.2.3.20.9 'Topogram': 1 slice, 2.5 mm thick: a localizer (ImageType ORIGINAL" in caplog.text
    image = read_scan(scan)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(reference))


def test_two_similar_series_are_refused_before_reading_with_both_listed(tmp_path):
    _thigh_series(tmp_path / "study", "1.2.3.20.1", "soft")
    _thigh_series(tmp_path / "study", "1.2.3.20.2", "bone", seed=900)
    with pytest.raises(InvalidInputError) as caught:
        find_scans(tmp_path / "study")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'study'}: 2 CT series could be the thigh scan")
    assert "pass the series UID of the one to read with --series-uid UID" in message
    assert "  1.2.3.20.1 'soft': 4 slices, 2.5 mm thick, 7.5 mm axial coverage" in message
    assert "  1.2.3.20.2 'bone': 4 slices, 2.5 mm thick, 7.5 mm axial coverage" in message


def test_series_uid_picks_one_of_several(tmp_path, caplog):
    _thigh_series(tmp_path / "study", "1.2.3.20.1", "soft")
    bone = _thigh_series(tmp_path / "study", "1.2.3.20.2", "bone", seed=900)
    with caplog.at_level(logging.INFO):
        (scan,) = find_scans(tmp_path / "study", series_uid="1.2.3.20.2")
    assert scan.series_uid == "1.2.3.20.2"
    assert "reading series 1.2.3.20.2 [CT] 'bone', 4 files, 2.5 mm thick (--series-uid)" in caplog.text
    np.testing.assert_array_equal(sitk.GetArrayFromImage(read_scan(scan)), sitk.GetArrayFromImage(bone))


def test_in_a_folder_of_series_folders_each_is_chosen_when_read(tmp_path):
    _thigh_series(tmp_path / "p1", "1.2.3.20.1", "soft")
    _thigh_series(tmp_path / "p1", "1.2.3.20.2", "bone")
    _thigh_series(tmp_path / "p2", "1.2.3.20.3", "thighs")
    _topogram(tmp_path / "p2")
    scans = find_scans(tmp_path)
    assert [(scan.case_id, scan.series_uid) for scan in scans] == [("p1", None), ("p2", None)]
    assert read_scan(scans[1]).GetSize() == (8, 10, 4)
    with pytest.raises(InvalidInputError, match="p1: 2 CT series could be the thigh scan"):
        read_scan(scans[0])


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            "unknown",
            "study: no series with UID '9.9.9'; the folder holds:\n"
            "  1.2.3.20.1 [CT] 'thighs', 4 files, 2.5 mm thick\n"
            "  1.2.3.20.9 [CT] 'Topogram', 1 file, 2.5 mm thick\n"
            "Pass one of these UIDs with --series-uid.",
        ),
        (
            "two_folders",
            ": --series-uid picks a series in one DICOM folder, but IN holds 0 image file(s) and 2 DICOM "
            "series folder(s); give the folder that holds the series with -i",
        ),
        (
            "image_file",
            "scan.nii.gz: --series-uid picks a series in one DICOM folder, but IN holds 1 image file(s) and 0",
        ),
    ],
)
def test_bad_series_uid_says_what_is_there(tmp_path, setup, expected):
    _thigh_series(tmp_path / "study")
    _topogram(tmp_path / "study")
    path = tmp_path / "study"
    if setup == "two_folders":
        _thigh_series(tmp_path / "other")
        path = tmp_path
    elif setup == "image_file":
        write_image(_ct(), tmp_path / "scan.nii.gz")
        path = tmp_path / "scan.nii.gz"
    with pytest.raises(InvalidInputError) as caught:
        find_scans(path, series_uid="9.9.9")
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)


def test_duplicate_case_ids_are_listed(tmp_path):
    write_image(_ct(), tmp_path / "a.nii.gz")
    write_image(_ct(), tmp_path / "a_0000.nrrd")
    write_image(_ct(), tmp_path / "b.nii.gz")
    with pytest.raises(InvalidInputError, match="used by several scans") as caught:
        find_scans(tmp_path)
    message = str(caught.value)
    assert "a: " in message and "a.nii.gz" in message and "a_0000.nrrd" in message
    assert "b.nii.gz" not in message


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda root: root / "missing", "no such file or folder"),
        (lambda root: _touch(root / "scan.png"), "not a supported image file; expected one of .nii.gz"),
        (lambda root: root, "no scans found; looked for image files (.nii.gz, .nii"),
        (lambda root: _touch(root / "sub" / "readme.txt").parent.parent, "DICOM series in it and in all"),
    ],
)
def test_nothing_usable_says_what_was_looked_for(tmp_path, setup, expected):
    with pytest.raises(InvalidInputError) as caught:
        find_scans(setup(tmp_path))
    assert expected in str(caught.value)


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not an image")
    return path


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (
            sitk.Image(512, 512, sitk.sitkInt16),
            "case_x: the image is 2D (512 x 512); thigh_predict needs a 3D CT",
        ),
        (sitk.Image(8, 6, 1, sitk.sitkInt16), "case_x: the image is 2D (8 x 6 x 1)"),
        (sitk.Image([4, 4, 4, 3], sitk.sitkInt16), "has 4 dimensions (4 x 4 x 4 x 3)"),
        (sitk.Image([4, 4, 4], sitk.sitkVectorUInt8, 3), "3 components per voxel"),
        (
            sitk.GetImageFromArray(np.linspace(0, 255, 64).reshape(4, 4, 4).astype(np.uint8)),
            "not a CT in Hounsfield units; expected a CT in HU",
        ),
    ],
)
def test_check_scan_messages(image, expected):
    with pytest.raises(InvalidInputError) as caught:
        check_scan(image, "case_x")
    assert expected in str(caught.value)


def test_check_scan_names_8_bit_values():
    image = sitk.GetImageFromArray(np.linspace(0, 255, 64).reshape(4, 4, 4).astype(np.uint8))
    with pytest.raises(InvalidInputError, match=r"values 0 \.\. 255: looks like 8-bit display values"):
        check_scan(image, "case_x")


def test_check_scan_accepts_ct():
    check_scan(_ct(), "ok")


def _thigh_slab(fat: int, muscle: int, bone: int, background: int) -> sitk.Image:
    array = np.full((4, 30, 30), background, np.int16)
    array[:, 4:26, 4:26] = fat
    array[:, 8:22, 8:22] = muscle
    array[:, 14:16, 14:16] = bone
    return sitk.GetImageFromArray(array)


def test_check_scan_tells_an_mr_from_a_ct_without_rescale_intercept():
    with pytest.raises(InvalidInputError) as caught:
        check_scan(_thigh_slab(fat=950, muscle=300, bone=60, background=0), "mr")
    message = str(caught.value)
    assert "found values 0 .. 950: does not look like a CT in HU" in message
    assert "thighseg segments CT scans in HU" in message and "1024" not in message
    with pytest.raises(InvalidInputError) as caught:
        check_scan(_thigh_slab(fat=924, muscle=1074, bone=2224, background=24), "shifted")
    assert "found values 24 .. 2224: looks like raw stored values without the rescale intercept" in str(
        caught.value
    )
    assert "typically subtract 1024" in str(caught.value)
