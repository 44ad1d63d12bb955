from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from support.dicom_series import write_ct_series

from thigh_common.errors import InvalidInputError
from thigh_common.image_io import read_image, write_image
from thigh_inference.inputs import ScanInput, check_scan, find_scans


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
    assert scans == [ScanInput("scan_42", tmp_path / "scan_42", "dicom")]
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
